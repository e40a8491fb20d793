"""The deal's history shows its contract's and registration's steps beside the moves."""

from __future__ import annotations

import pytest

from tests.factories_contracts import register_deal

pytestmark = pytest.mark.django_db


def test_deal_history_merges_contract_and_registration_events_in_order(
    api, deal, broker, supervisor
):
    deal = register_deal(deal, supervisor)
    events = api(broker).get(f"/api/v1/deals/{deal.pk}/history/").json()
    kinds = [e["event"] for e in events]
    assert "contract" in kinds and "registration" in kinds
    assert kinds[-1] == "moved" and events[-1]["to_state"] == "registered"
    # the contract was drafted before the registration was recorded, and both before the move
    assert kinds.index("contract") < kinds.index("registration") < len(kinds) - 1
    contract_events = [e for e in events if e["event"] == "contract"]
    assert any("JSHT" in e["comment"] for e in contract_events)
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
