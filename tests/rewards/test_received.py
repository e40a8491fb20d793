"""Rewards on money received: one partial reward per payment, computed on the cumulative amount
received, so the partials add up to the reward on the total, to the fen; a reversed payment
claws back exactly its part and the next payment trues the deal up.

The hand-computed case: a marginal policy (2% up to 1,000,000; 1% up to 3,000,000; 0.5% above)
capped at 40,000 per project, a contract of 5,000,000, brokers 60/40.

    payment      cumulative     reward(cumulative)                      partial
    800,000.33   800,000.33     16,000.0066            → 16,000.01      16,000.01
    1,700,000.00 2,500,000.33   20,000 + 15,000.0033   → 35,000.00      18,999.99
    2,499,999.67 5,000,000.00   20,000 + 20,000 + 10,000 → cap 40,000   5,000.00
                                                           sum          40,000.00
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from notifications.models import Notification
from payments.models import Payment
from rewards import engine
from rewards.models import Clawback, Reward, RewardStatus
from rewards.services import policy_create, reward_approve, reward_pay

pytestmark = pytest.mark.django_db

D = Decimal
TIERS = [
    {"up_to": "1000000", "rate": "0.02"},
    {"up_to": "3000000", "rate": "0.01"},
    {"up_to": None, "rate": "0.005"},
]
TERMS = engine.Terms(
    mode="marginal", tiers=engine.tiers_from_json(TIERS), cap_per_project=D("40000")
)


@pytest.fixture
def on_received(admin_user):
    return policy_create(
        actor=admin_user,
        name="福清市技术经纪人奖励（按到账）",
        region="350181",
        basis="received_amount",
        tier_mode="marginal",
        tiers=TIERS,
        cap_per_project="40000.00",
        effective_from=dt.date(2024, 1, 1),
    )


@pytest.fixture
def deal(on_received, register, broker, broker_b):
    return register(
        broker,
        "4000000.00",
        amount="5000000.00",
        region="350181",
        co=[(broker, "60"), (broker_b, "40")],
    )


@pytest.fixture
def pay(api, finance, django_capture_on_commit_callbacks):
    """`pay(deal, amount, reference)` → the API's response; tasks run after commit."""

    def post(deal, amount, reference, *, run_tasks=True):
        contract = deal.contracts.get(is_current=True)
        body = {
            "received_on": "2026-04-01",
            "amount": amount,
            "payer": "福清某光电科技有限公司",
            "reference": reference,
        }
        with django_capture_on_commit_callbacks(execute=run_tasks):
            return api(finance).post(
                f"/api/v1/contracts/{contract.pk}/payments/", body, format="json"
            )

    return post


def amounts(deal):
    return [r.amount for r in Reward.objects.filter(deal=deal, active=True).order_by("payment_id")]


def test_three_instalments_earn_partials_that_sum_to_the_reward_on_the_total(
    api, finance, deal, pay, broker, broker_b
):
    for amount, ref in (("800000.33", "P1"), ("1700000.00", "P2"), ("2499999.67", "P3")):
        assert pay(deal, amount, ref).status_code == 201
    assert amounts(deal) == [D("16000.01"), D("18999.99"), D("5000.00")]
    assert sum(amounts(deal)) == engine.compute(TERMS, D("5000000.00")).amount == D("40000.00")

    listed = api(finance).get(f"/api/v1/rewards/?deal={deal.pk}").json()["results"]
    payments = dict(Payment.objects.values_list("reference", "id"))
    assert sorted((r["payment"], r["amount"]) for r in listed) == [
        (payments["P1"], "16000.01"),
        (payments["P2"], "18999.99"),
        (payments["P3"], "5000.00"),
    ]
    first = Reward.objects.get(payment_id=payments["P1"])
    # the shares of each partial add up to it (largest remainder: the lead gets the odd fen)
    assert {s.user_id: s.amount for s in first.shares.all()} == {
        broker.pk: D("9600.01"),
        broker_b.pk: D("6400.00"),
    }
    third = next(r for r in listed if r["payment"] == payments["P3"])
    text = "\n".join(third["explanation"]["text"])
    assert "累计到账 5,000,000.00 元" in text
    assert f"#{payments['P1']}、#{payments['P2']}、#{payments['P3']}" in text
    assert "超过单个项目上限，按 40,000.00 元计" in text
    assert "此前各笔已核算 35,000.00 元，本笔奖励 5,000.00 元" in text
    # each partial is announced to its brokers, as a whole reward is
    assert Notification.objects.filter(user=broker_b, kind="reward_computed").count() == 3


def test_a_reversed_paid_instalment_claws_back_exactly_its_part_and_the_next_trues_up(
    api, finance, deal, pay
):
    for amount, ref in (("800000.33", "P1"), ("1700000.00", "P2"), ("2499999.67", "P3")):
        pay(deal, amount, ref)
    second = Reward.objects.get(payment__reference="P2")
    reward_approve(reward_id=second.pk, actor=finance)
    reward_pay(reward_id=second.pk, actor=finance, paid_on=timezone.localdate(), reference="FK-2")

    response = api(finance).post(
        f"/api/v1/payments/{second.payment_id}/reverse/", {"reason": "银行退票"}, format="json"
    )
    assert response.status_code == 200
    second.refresh_from_db()
    assert (second.active, second.status) == (False, RewardStatus.PAID)
    assert Clawback.objects.get(reward=second).amount == D("18999.99")
    assert amounts(deal) == [D("16000.01"), D("5000.00")]

    # received now 3,300,000.00 + 1,000,000.00: reward(4,300,000) = 40,000 (capped); the
    # partials still active grant 21,000.01, so the new payment earns 18,999.99.
    assert pay(deal, "1000000.00", "P4").status_code == 201
    assert amounts(deal) == [D("16000.01"), D("5000.00"), D("18999.99")]
    assert sum(amounts(deal)) == engine.compute(TERMS, D("4300000.00")).amount


def test_an_unpaid_reversed_instalment_is_voided(api, finance, deal, pay):
    pay(deal, "800000.33", "P1")
    reward = Reward.objects.get()
    response = api(finance).post(
        f"/api/v1/payments/{reward.payment_id}/reverse/", {"reason": "录错金额"}, format="json"
    )
    assert response.status_code == 200
    reward.refresh_from_db()
    assert (reward.active, reward.status) == (False, RewardStatus.VOID)
    assert "录错金额" in reward.void_reason
    assert not Clawback.objects.exists()


def test_an_overpayment_is_refused_with_a_clear_code(deal, pay):
    pay(deal, "4000000.00", "P1")
    response = pay(deal, "1000000.01", "P2")
    assert response.status_code == 400
    assert response.json()["code"] == "exceeds_contract_amount"
    assert Reward.objects.filter(deal=deal).count() == 1


def test_a_lost_enqueue_is_recovered_by_the_sweep_once(deal, pay):
    from rewards.tasks import sweep_unrewarded_payments

    pay(deal, "800000.33", "P1", run_tasks=False)  # the task never ran
    pay(deal, "1700000.00", "P2", run_tasks=False)
    assert not Reward.objects.exists()
    assert sweep_unrewarded_payments() == 2
    assert amounts(deal) == [D("16000.01"), D("18999.99")]
    assert sweep_unrewarded_payments() == 0
    assert Reward.objects.count() == 2


def test_a_cancelled_registration_voids_every_partial_reward(api, supervisor, deal, pay):
    pay(deal, "800000.33", "P1")
    pay(deal, "1700000.00", "P2")
    contract = deal.contracts.get(is_current=True)
    from rewards.services import reward_registration_cancelled

    response = api(supervisor).post(
        f"/api/v1/contracts/{contract.pk}/registration/cancel/",
        {"reason": "登记有误"},
        format="json",
    )
    assert response.status_code == 200
    reward_registration_cancelled(deal_id=deal.pk, actor=supervisor, reason="登记有误")
    assert not Reward.objects.filter(active=True).exists()
    assert set(Reward.objects.values_list("status", flat=True)) == {RewardStatus.VOID}


def test_a_deal_rewarded_on_its_contract_amount_earns_nothing_per_payment(
    zhenhai, register, broker, pay
):
    from rewards.services import reward_compute

    deal = register(broker, "2500000.00", amount="2800000.00")
    whole = reward_compute(deal_id=deal.pk)
    assert pay(deal, "1000000.00", "P1").status_code == 201
    assert list(Reward.objects.filter(deal=deal)) == [whole]
    assert whole.amount == D("37500.00")


def test_payments_before_registration_are_rewarded_once_the_deal_is_registered(
    on_received, broker, supervisor, finance, api
):
    from deals.models import DealState
    from rewards.services import reward_compute
    from tests.factories import DealFactory, DemandFactory
    from tests.factories_contracts import ContractFactory, record_registration, sign_contract
    from tests.helpers import move, walk_to

    deal = walk_to(
        DealFactory(lead_broker=broker, demand=DemandFactory(region="350181")),
        DealState.AGREEMENT,
        supervisor,
    )
    contract = ContractFactory(
        deal=deal,
        amount=D("5000000.00"),
        technology_amount=D("4000000.00"),
        valid_from=dt.date(2026, 1, 1),
    )
    contract = sign_contract(contract, signed_on=dt.date(2026, 3, 1))
    body = {"received_on": "2026-03-10", "amount": "800000.33", "payer": "甲方", "reference": "P1"}
    assert (
        api(finance)
        .post(f"/api/v1/contracts/{contract.pk}/payments/", body, format="json")
        .status_code
        == 201
    )
    assert not Reward.objects.exists()  # not registered yet: nothing is due
    record_registration(contract, registered_on=dt.date(2026, 3, 20))
    deal.refresh_from_db()
    move(deal, DealState.REGISTERED, supervisor)
    reward = reward_compute(deal_id=deal.pk)
    assert (reward.payment.reference, reward.amount) == ("P1", D("16000.01"))
    assert reward.year == 2026


def test_the_deal_page_lists_each_partial_reward_and_their_total(client, broker, deal, pay):
    for amount, ref in (("800000.33", "P1"), ("1700000.00", "P2"), ("2499999.67", "P3")):
        pay(deal, amount, ref)
    client.force_login(broker)
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    panel = page[page.index('data-testid="partial-rewards"') :]
    assert [a for a in ("16,000.01", "18,999.99", "5,000.00") if a in panel] == [
        "16,000.01",
        "18,999.99",
        "5,000.00",
    ]
    assert "<b>40,000.00</b>" in panel


def test_the_ledger_spreadsheets_name_the_payment_each_partial_reward_rewards(
    api, finance, deal, pay
):
    assert pay(deal, "800000.33", '=HYPERLINK("http://x")').status_code == 201
    assert pay(deal, "1700000.00", "P2").status_code == 201
    response = api(finance).get(f"/api/v1/rewards/export.xlsx?deal={deal.pk}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    at, amount, ref = (header.index(t) for t in ("到账日期", "到账金额（元）", "到账流水号"))
    lines = sorted((r[amount], r[ref], r[at]) for r in rows[1:])
    # One line per share (two brokers), each naming its payment: a date, a number, a text.
    assert [(line[0], line[1]) for line in lines] == [
        (800000.33, '\'=HYPERLINK("http://x")'),
        (800000.33, '\'=HYPERLINK("http://x")'),
        (1700000.0, "P2"),
        (1700000.0, "P2"),
    ]
    assert all(line[2].date() == dt.date(2026, 4, 1) for line in lines)
    for row in sheet.iter_rows(min_row=2):
        assert row[ref].data_type == "s"  # never a formula
    text = api(finance).get(f"/api/v1/rewards/export/?deal={deal.pk}").content.decode("utf-8-sig")
    assert "到账流水号" in text.splitlines()[0] and ",P2" in text
