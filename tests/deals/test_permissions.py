"""deals.permissions, rule by rule: every position around a deal → whether the rule holds."""

from __future__ import annotations

import pytest

from common.exceptions import NotAllowed
from deals import permissions
from deals.models import DealState, TransitionRequest
from tests.permission_cast import build_cast, deal_as, table

pytestmark = pytest.mark.django_db

WORKERS = {"lead", "co_broker", "admin", "superuser"}
ADMINS = {"admin", "superuser"}
ALL_BROKERS = {"lead", "co_broker", "org_broker", "other_broker"}
ALL_SUPERVISORS = {"supervisor", "other_supervisor", "orgless_supervisor"}

DEAL_RULES = {
    "may_link_achievement": WORKERS,
    "may_log_activity": WORKERS,
    "may_rename_deal": WORKERS,
    # The lead, a supervisor of the deal's own organisation, an admin: never another
    # organisation's supervisor (the drift this module closed), never a co-broker.
    "may_set_brokers": {"lead", "supervisor"} | ADMINS,
    # Only the deal's own brokers ask; admins and supervisors decide instead.
    "may_request_move": {"lead", "co_broker"},
    # Pausing the stage's clock: the deal's brokers, its organisation's supervisor, admins.
    "may_pause_clock": {"lead", "co_broker", "supervisor"} | ADMINS,
}

USER_RULES = {
    "may_create_deal": ALL_BROKERS | ALL_SUPERVISORS | ADMINS,
    "may_name_lead": ALL_SUPERVISORS | ADMINS,
    "may_write_catalogue": ALL_BROKERS | ALL_SUPERVISORS | ADMINS,
    "may_import": ALL_BROKERS | ALL_SUPERVISORS | ADMINS,
    "may_see_queue": ALL_SUPERVISORS | ADMINS,
    "may_open_matched_deal": ALL_SUPERVISORS | ADMINS,
}


def _cases(rules: dict[str, set[str]]) -> list[tuple[str, str, bool]]:
    return [
        (rule, position, holds) for rule, who in rules.items() for position, holds in table(who)
    ]


@pytest.mark.parametrize("source", ["fresh", "prefetched"])
@pytest.mark.parametrize(("rule", "position", "holds"), _cases(DEAL_RULES))
def test_deal_rule_holds_exactly_for_its_positions(rule, position, holds, source):
    deal, users = build_cast()
    predicate = getattr(permissions, rule)
    assert predicate(users[position], deal_as(deal, source)) is holds


@pytest.mark.parametrize(("rule", "position", "holds"), _cases(USER_RULES))
def test_user_rule_holds_exactly_for_its_roles(rule, position, holds):
    _deal, users = build_cast()
    assert getattr(permissions, rule)(users[position]) is holds


def _request(deal, requester) -> TransitionRequest:  # type: ignore[no-untyped-def]
    return TransitionRequest.objects.create(
        deal=deal,
        organisation_id=deal.organisation_id,
        from_state=DealState.INTAKE,
        target=DealState.LOST,
        requested_by=requester,
    )


@pytest.mark.parametrize(("position", "holds"), table({"supervisor"} | ADMINS))
def test_a_broker_request_is_decided_by_its_organisations_supervisor_or_an_admin(position, holds):
    deal, users = build_cast()
    request = _request(deal, users["lead"])
    assert permissions.may_decide(users[position], request) is holds


@pytest.mark.parametrize("decider", ["supervisor", "admin", "superuser"])
def test_nobody_decides_their_own_request(decider):
    deal, users = build_cast()
    request = _request(deal, users[decider])
    assert permissions.may_decide(users[decider], request) is False
    with pytest.raises(NotAllowed, match="四眼原则"):
        permissions.may_decide.require(users[decider], request)


def test_a_stranger_deciding_is_told_it_takes_the_organisations_supervisor():
    deal, users = build_cast()
    request = _request(deal, users["lead"])
    with pytest.raises(NotAllowed, match="本机构的主管"):
        permissions.may_decide.require(users["other_supervisor"], request)


@pytest.mark.parametrize(("position", "holds"), table({"lead"}))
def test_only_the_requester_withdraws(position, holds):
    deal, users = build_cast()
    request = _request(deal, users["lead"])
    assert permissions.may_withdraw(users[position], request) is holds


def test_require_raises_the_rules_own_message_and_passes_silently_when_it_holds():
    deal, users = build_cast()
    permissions.may_set_brokers.require(users["supervisor"], deal)
    with pytest.raises(NotAllowed) as refused:
        permissions.may_set_brokers.require(users["other_supervisor"], deal)
    assert refused.value.message == str(permissions.may_set_brokers.denied)
    assert refused.value.status_code == 403
