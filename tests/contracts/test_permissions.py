"""contracts.permissions, rule by rule: every position around a deal → whether the rule holds."""

from __future__ import annotations

import pytest

from contracts import permissions
from tests.permission_cast import build_cast, deal_as, table

pytestmark = pytest.mark.django_db

ADMINS = {"admin", "superuser"}
# The deal's brokers, its organisation's supervisors, admins: not finance, not strangers.
ACTORS = {"lead", "co_broker", "supervisor"} | ADMINS

RULES = {
    "may_draft_contract": ACTORS,
    "may_edit_contract": ACTORS,
    "may_sign_contract": ACTORS,
    "may_request_document": ACTORS,
    "may_register": ACTORS,
    # Deregistering claws rewards back: a supervisor of the organisation or an admin only.
    "may_cancel_registration": {"supervisor"} | ADMINS,
}


@pytest.mark.parametrize("source", ["fresh", "prefetched"])
@pytest.mark.parametrize(
    ("rule", "position", "holds"),
    [(rule, position, holds) for rule, who in RULES.items() for position, holds in table(who)],
)
def test_contract_rule_holds_exactly_for_its_positions(rule, position, holds, source):
    deal, users = build_cast()
    assert getattr(permissions, rule)(users[position], deal_as(deal, source)) is holds
