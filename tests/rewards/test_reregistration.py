"""A cancelled registration after the deal is registered: the deal goes back to `agreement`
(a system move in its history), the reward is voided or clawed back, and registering a new
contract version computes a fresh reward. Through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.exceptions import DomainError
from contracts.services import contract_new_version
from deals.models import DealState
from deals.services import deal_request_transition, transition_options
from rewards.models import Clawback, Reward, RewardStatus
from rewards.services import reward_approve, reward_compute, reward_pay
from tests.factories_contracts import record_registration, sign_contract
from tests.helpers import move

D = Decimal
pytestmark = pytest.mark.django_db


def _cancel(api, supervisor, contract, reason, callbacks):
    with callbacks(execute=True):
        response = api(supervisor).post(
            f"/api/v1/contracts/{contract.pk}/registration/cancel/",
            {"reason": reason},
            format="json",
        )
    assert response.status_code == 200, response.json()


def _reregister(deal, contract, supervisor, callbacks):
    """A new version of the contract, signed and registered, and the deal moved again."""
    new = contract_new_version(contract=contract, actor=deal.lead_broker, reason="登记撤销后重签")
    new = sign_contract(new, signed_on=dt.date(2026, 4, 1))
    record_registration(new, registered_on=dt.date(2026, 4, 8))
    deal.refresh_from_db()
    with callbacks(execute=True):  # the reward is computed after commit (eager task)
        return move(deal, DealState.REGISTERED, supervisor)


@pytest.mark.parametrize("paid", [False, True], ids=["unpaid: voided", "paid: clawed back"])
def test_cancel_then_register_again_computes_a_fresh_reward(
    paid, api, register, zhenhai, broker, finance, supervisor, django_capture_on_commit_callbacks
):
    deal = register(broker, "2000000.00")
    first = reward_compute(deal_id=deal.pk)
    assert first.amount == D("30000.00")
    if paid:
        reward_approve(reward_id=first.pk, actor=finance)
        reward_pay(reward_id=first.pk, actor=finance, paid_on=timezone.localdate(), reference="P1")
    contract = first.contract

    _cancel(api, supervisor, contract, "登记机关撤销认定", django_capture_on_commit_callbacks)

    deal.refresh_from_db()
    assert deal.state == DealState.AGREEMENT
    history = api(supervisor).get(f"/api/v1/deals/{deal.pk}/history/").json()
    moved = [e for e in history if e["event"] == "moved"][-1]
    assert (moved["from_state"], moved["to_state"]) == ("registered", "agreement")
    assert "登记机关撤销认定" in moved["comment"]
    assert moved["actor"]["id"] == supervisor.pk
    first.refresh_from_db()
    assert not first.active
    if paid:
        assert first.status == RewardStatus.PAID
        assert Clawback.objects.get(reward=first).amount == D("30000.00")
    else:
        assert first.status == RewardStatus.VOID
        assert first.void_reason == "登记机关撤销认定"

    deal = _reregister(deal, contract, supervisor, django_capture_on_commit_callbacks)

    rows = api(finance).get(f"/api/v1/rewards/?deal={deal.pk}").json()
    rows = rows.get("results", rows)
    assert len(rows) == 2
    fresh = next(r for r in rows if r["active"])
    assert fresh["id"] != first.pk
    assert (fresh["status"], fresh["amount"]) == ("calculated", "30000.00")
    assert fresh["registered_on"] == "2026-04-08"
    assert Reward.objects.get(pk=fresh["id"]).contract_id not in (None, contract.pk)


def test_cancel_moves_only_a_registered_deal_and_brokers_cannot_request_it(
    register, zhenhai, broker, supervisor
):
    deal = register(broker, "1000000.00")
    options = transition_options(deal=deal, user=broker)
    assert all(o["kind"] != "system" for o in options)
    with pytest.raises(DomainError):
        deal_request_transition(
            deal=deal, actor=broker, target=DealState.AGREEMENT, comment="想退回"
        )


def test_one_active_reward_per_deal(register, zhenhai, broker):
    deal = register(broker, "1000000.00")
    reward = reward_compute(deal_id=deal.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.create(
            deal=deal,
            region=reward.region,
            registered_on=reward.registered_on,
            year=reward.year,
            computed_at=timezone.now(),
            status=RewardStatus.NEEDS_POLICY,
        )
