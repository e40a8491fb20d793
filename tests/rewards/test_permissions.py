"""Every rewards permission predicate, branch by branch: role × organisation × beneficiary.

The predicates read only the user's role, superuser flag and organisation, the deal's
organisation and the reward's shares, so these tables use unsaved users and a stand-in reward
(no database); the API and page tests exercise the same predicates end to end.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from brokers.models import Role, User
from rewards import permissions as p

HERE, ELSEWHERE = 1, 2  # the reward's deal belongs to organisation HERE
ME = 10


def person(role: str, organisation: int | None = HERE, *, superuser: bool = False) -> User:
    return User(pk=ME, username=f"u{role}", role=role, organisation_id=organisation,
                is_superuser=superuser)  # fmt: skip


def reward(*, beneficiary: bool) -> SimpleNamespace:
    shares = [SimpleNamespace(user_id=ME if beneficiary else 99), SimpleNamespace(user_id=98)]
    return SimpleNamespace(
        deal=SimpleNamespace(organisation_id=HERE), shares=SimpleNamespace(all=lambda: shares)
    )


BROKER, SUPERVISOR, FINANCE, ADMIN = Role.BROKER, Role.SUPERVISOR, Role.FINANCE, Role.ADMIN

# role, organisation, superuser, beneficiary → may approve (and pay), held by four eyes
DECIDE_TABLE = [
    (FINANCE, HERE, False, False, True, False),
    (FINANCE, HERE, False, True, False, True),
    (FINANCE, ELSEWHERE, False, False, False, False),
    (FINANCE, ELSEWHERE, False, True, False, False),
    (FINANCE, None, False, False, False, False),
    (ADMIN, None, False, False, True, False),
    (ADMIN, None, False, True, False, True),
    (ADMIN, ELSEWHERE, False, False, True, False),
    (BROKER, None, True, False, True, False),  # a superuser is an admin whatever `role` says
    (BROKER, HERE, False, False, False, False),
    (BROKER, HERE, False, True, False, False),
    (SUPERVISOR, HERE, False, False, False, False),
    (SUPERVISOR, HERE, False, True, False, False),
    (SUPERVISOR, ELSEWHERE, False, False, False, False),
]


@pytest.mark.parametrize(
    ("role", "org", "superuser", "beneficiary", "may", "four_eyes"), DECIDE_TABLE
)
def test_who_may_approve_and_pay_a_reward(role, org, superuser, beneficiary, may, four_eyes):
    user, item = person(role, org, superuser=superuser), reward(beneficiary=beneficiary)
    assert p.may_approve_reward(user, item) is may
    assert p.may_pay_reward(user, item) is may
    assert p.is_beneficiary(user, item) is beneficiary
    assert p.held_by_four_eyes(user, item) is four_eyes
    if not may:
        refusal = p.decider_refusal(user, item)
        assert (refusal.code, refusal.status_code) == (
            "beneficiary" if four_eyes else "finance_only",
            403,
        )


# role, organisation, superuser → may recompute (whether a beneficiary or not)
RECOMPUTE_TABLE = [
    (FINANCE, HERE, False, True),
    (FINANCE, ELSEWHERE, False, False),
    (FINANCE, None, False, False),
    (ADMIN, None, False, True),
    (BROKER, ELSEWHERE, True, True),
    (BROKER, HERE, False, False),
    (SUPERVISOR, HERE, False, False),
]


@pytest.mark.parametrize(("role", "org", "superuser", "may"), RECOMPUTE_TABLE)
@pytest.mark.parametrize("beneficiary", [False, True])
def test_who_may_recompute_a_reward(role, org, superuser, may, beneficiary):
    user = person(role, org, superuser=superuser)
    assert p.may_recompute_reward(user, reward(beneficiary=beneficiary)) is may


# role, organisation, superuser → may write policies (shared by every organisation)
POLICY_TABLE = [
    (FINANCE, HERE, False, True),
    (FINANCE, ELSEWHERE, False, True),
    (FINANCE, None, False, True),
    (ADMIN, None, False, True),
    (BROKER, HERE, True, True),
    (BROKER, HERE, False, False),
    (SUPERVISOR, HERE, False, False),
]


@pytest.mark.parametrize(("role", "org", "superuser", "may"), POLICY_TABLE)
def test_who_may_write_a_policy(role, org, superuser, may):
    assert p.may_write_policy(person(role, org, superuser=superuser)) is may


# viewer role, viewer organisation, superuser, whose statement → may see it
STATEMENT_TABLE = [
    (BROKER, HERE, False, "own", True),
    (BROKER, HERE, False, "colleague", False),
    (BROKER, None, False, "own", True),
    (SUPERVISOR, HERE, False, "colleague", True),
    (SUPERVISOR, ELSEWHERE, False, "colleague", False),
    (SUPERVISOR, None, False, "no organisation", False),
    (FINANCE, HERE, False, "colleague", True),
    (FINANCE, ELSEWHERE, False, "colleague", False),
    (FINANCE, None, False, "no organisation", False),
    (ADMIN, None, False, "colleague", True),
    (BROKER, None, True, "colleague", True),
]


@pytest.mark.parametrize(("role", "org", "superuser", "whose", "may"), STATEMENT_TABLE)
def test_who_may_see_a_brokers_annual_statement(role, org, superuser, whose, may):
    viewer = person(role, org, superuser=superuser)
    if whose == "own":
        broker = viewer
    else:
        broker = User(pk=ME + 1, username="b", role=BROKER,
                      organisation_id=None if whose == "no organisation" else HERE)  # fmt: skip
    assert p.may_see_statement(viewer, broker) is may


@pytest.mark.parametrize("role", [BROKER, SUPERVISOR, FINANCE, ADMIN])
def test_everyone_signed_in_may_export_the_ledger_lines_they_see(role):
    assert p.may_export_ledger(person(role)) is True
    assert p.may_export_ledger(AnonymousUser()) is False  # type: ignore[arg-type]
