"""The finance workflow: calculated → approved (four eyes) → paid (immutable); cancellation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from brokers.models import Role
from rewards.exceptions import (
    BeneficiaryCannotDecide,
    NotFinance,
    PaymentInvalid,
    PaymentReferenceRequired,
    RewardImmutable,
    RewardStateConflict,
)
from rewards.models import Clawback, RewardStatus
from rewards.services import (
    reward_approve,
    reward_compute,
    reward_pay,
    reward_registration_cancelled,
)
from tests.factories import FinanceFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def reward(zhenhai, register, broker, co_broker):
    deal = register(broker, "2500000.00", co=[(broker, "60.00"), (co_broker, "40.00")])
    return reward_compute(deal_id=deal.pk)


def _history(reward):
    return [
        (h.status, h.history_user_id, h.history_change_reason)
        for h in reward.history.order_by("history_date", "history_id")
    ]


# --- service layer ---------------------------------------------------------------------------


def test_finance_approves_then_pays_and_every_step_is_in_the_history(reward, finance):
    reward_approve(reward_id=reward.pk, actor=finance, comment="核对无误")
    paid = reward_pay(
        reward_id=reward.pk, actor=finance, paid_on=timezone.localdate(), reference="PZ-2026-0001"
    )
    assert paid.status == RewardStatus.PAID
    assert paid.approved_by == finance and paid.paid_on == timezone.localdate()
    assert _history(paid) == [
        ("calculated", None, "登记完成，自动核算"),
        ("approved", finance.pk, "核对无误"),
        ("paid", finance.pk, "已发放，凭证 PZ-2026-0001"),
    ]


def test_a_beneficiary_never_approves_their_own_reward(reward, broker):
    # the broker moved to the finance team: still a beneficiary of this reward
    broker.role = Role.FINANCE
    broker.save()
    with pytest.raises(BeneficiaryCannotDecide):
        reward_approve(reward_id=reward.pk, actor=broker)
    reward.refresh_from_db()
    assert reward.status == RewardStatus.CALCULATED


def test_brokers_supervisors_and_other_organisations_finance_cannot_approve(
    reward, co_broker, supervisor, other_org
):
    for actor in (co_broker, supervisor, FinanceFactory(organisation=other_org)):
        with pytest.raises(NotFinance):
            reward_approve(reward_id=reward.pk, actor=actor)


def test_pay_needs_an_approved_reward(reward, finance):
    with pytest.raises(RewardStateConflict):
        reward_pay(reward_id=reward.pk, actor=finance, paid_on=timezone.localdate(), reference="X1")


def test_a_paid_reward_is_immutable(reward, finance, admin_user):
    reward_approve(reward_id=reward.pk, actor=finance)
    reward_pay(reward_id=reward.pk, actor=finance, paid_on=timezone.localdate(), reference="PZ-1")
    for call in (
        lambda: reward_approve(reward_id=reward.pk, actor=admin_user),
        lambda: reward_pay(
            reward_id=reward.pk, actor=admin_user, paid_on=timezone.localdate(), reference="PZ-2"
        ),
    ):
        with pytest.raises(RewardImmutable):
            call()
    # re-running the computation changes nothing either
    assert reward_compute(deal_id=reward.deal_id).payment_reference == "PZ-1"


def test_approving_twice_is_a_conflict(reward, finance, admin_user):
    reward_approve(reward_id=reward.pk, actor=finance)
    with pytest.raises(RewardStateConflict):
        reward_approve(reward_id=reward.pk, actor=admin_user)


def test_cancelled_registration_voids_an_unpaid_reward(reward, supervisor):
    voided = reward_registration_cancelled(
        deal_id=reward.deal_id, actor=supervisor, reason="登记撤销"
    )
    assert voided.status == RewardStatus.VOID and voided.void_reason == "登记撤销"
    again = reward_registration_cancelled(deal_id=reward.deal_id, actor=supervisor, reason="再次")
    assert again.void_reason == "登记撤销"
    assert _history(again)[-1] == ("void", supervisor.pk, "登记撤销")


def test_cancelled_registration_of_a_paid_reward_records_a_clawback(reward, finance, supervisor):
    reward_approve(reward_id=reward.pk, actor=finance)
    reward_pay(reward_id=reward.pk, actor=finance, paid_on=timezone.localdate(), reference="PZ-9")
    history_before = reward.history.count()
    reward_registration_cancelled(deal_id=reward.deal_id, actor=supervisor, reason="合同登记撤销")
    reward_registration_cancelled(deal_id=reward.deal_id, actor=supervisor, reason="重复通知")
    reward.refresh_from_db()
    # The paid row keeps its amount and status; it only stops being the deal's active reward
    # (one history row, however many times the cancellation is announced).
    assert reward.status == RewardStatus.PAID and reward.amount == D("37500.00")
    assert not reward.active
    assert reward.history.count() == history_before + 1
    clawback = Clawback.objects.get(reward=reward)
    assert (clawback.amount, clawback.reason, clawback.created_by) == (
        D("37500.00"),
        "合同登记撤销",
        supervisor,
    )


def test_contracts_deregistration_reaches_the_reward_after_commit(
    reward, supervisor, django_capture_on_commit_callbacks
):
    from contracts.services import registration_cancel

    contract = reward.contract
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(contract=contract, actor=supervisor, reason="登记机关撤销认定")
    reward.refresh_from_db()
    assert reward.status == RewardStatus.VOID
    assert reward.void_reason == "登记机关撤销认定"


# --- API ---------------------------------------------------------------------------------------


def test_api_approve_and_pay(api, reward, finance):
    client = api(finance)
    response = client.post(
        f"/api/v1/rewards/{reward.pk}/approve/", {"comment": "同意"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/api/v1/rewards/{reward.pk}/pay/", {"paid_on": today, "reference": "PZ-7"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["paid_on"], body["payment_reference"]) == ("paid", today, "PZ-7")
    history = client.get(f"/api/v1/rewards/{reward.pk}/history/").json()
    assert [h["status"] for h in history] == ["calculated", "approved", "paid"]
    assert history[1]["actor"] == str(finance) and history[1]["reason"] == "同意"


def test_api_beneficiary_gets_403_and_the_reward_stays(api, reward, broker):
    broker.role = Role.FINANCE
    broker.save()
    response = api(broker).post(f"/api/v1/rewards/{reward.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "beneficiary"
    reward.refresh_from_db()
    assert reward.status == RewardStatus.CALCULATED


def test_api_broker_cannot_approve(api, reward, co_broker):
    response = api(co_broker).post(f"/api/v1/rewards/{reward.pk}/approve/", {}, format="json")
    assert response.status_code == 403


def test_api_paid_reward_cannot_be_paid_again(api, reward, finance):
    client = api(finance)
    today = timezone.localdate().isoformat()
    client.post(f"/api/v1/rewards/{reward.pk}/approve/", {}, format="json")
    client.post(
        f"/api/v1/rewards/{reward.pk}/pay/", {"paid_on": today, "reference": "A"}, format="json"
    )
    response = client.post(
        f"/api/v1/rewards/{reward.pk}/pay/", {"paid_on": today, "reference": "B"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "reward_paid"
    assert (
        client.post(f"/api/v1/rewards/{reward.pk}/approve/", {}, format="json").status_code == 409
    )
    # no write endpoint edits a reward
    assert (
        client.patch(f"/api/v1/rewards/{reward.pk}/", {"amount": "1.00"}, format="json").status_code
        == 405
    )
    reward.refresh_from_db()
    assert reward.payment_reference == "A"


def test_api_pay_validates_its_input(api, reward, finance):
    client = api(finance)
    client.post(f"/api/v1/rewards/{reward.pk}/approve/", {}, format="json")
    assert (
        client.post(
            f"/api/v1/rewards/{reward.pk}/pay/",
            {"paid_on": "2026-13-01", "reference": "A"},
            format="json",
        ).status_code
        == 400
    )
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    assert (
        client.post(
            f"/api/v1/rewards/{reward.pk}/pay/",
            {"paid_on": future, "reference": "A"},
            format="json",
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/api/v1/rewards/{reward.pk}/pay/",
            {"paid_on": timezone.localdate().isoformat()},
            format="json",
        ).status_code
        == 400
    )


def test_api_visibility(
    api, reward, broker, co_broker, finance, supervisor, other_broker, other_org, admin_user
):
    def ids(user):
        response = api(user).get("/api/v1/rewards/")
        assert response.status_code == 200
        return [r["id"] for r in response.json()["results"]]

    for user in (broker, co_broker, finance, supervisor, admin_user):
        assert ids(user) == [reward.pk]
    other_finance = FinanceFactory(organisation=other_org)
    assert ids(other_broker) == [] and ids(other_finance) == []
    assert api(other_finance).get(f"/api/v1/rewards/{reward.pk}/").status_code == 404
    assert api(other_finance).post(f"/api/v1/rewards/{reward.pk}/approve/", {}).status_code == 404
    assert api(None).get("/api/v1/rewards/").status_code == 401


def test_api_list_shape_and_filters(api, reward, finance, broker, co_broker):
    client = api(finance)
    body = client.get(
        "/api/v1/rewards/", {"status": "calculated", "year": 2026, "broker": co_broker.pk}
    ).json()
    assert body["count"] == 1
    item = body["results"][0]
    assert {
        "id",
        "deal",
        "policy",
        "basis_amount",
        "amount",
        "status",
        "shares",
        "explanation",
    } <= set(item)
    assert (item["basis_amount"], item["amount"]) == ("2500000.00", "37500.00")
    assert item["shares"][0] == {
        "user": broker.pk,
        "name": "张伟",
        "share": "60.00",
        "allocated": "22500.00",
        "amount": "22500.00",
        "lead": True,
    }
    assert client.get("/api/v1/rewards/", {"year": 2025}).json()["count"] == 0
    assert client.get("/api/v1/rewards/", {"status": "paid"}).json()["count"] == 0
    assert client.get("/api/v1/rewards/", {"status": "nonsense"}).status_code == 400
    assert client.get("/api/v1/rewards/", {"year": "abc"}).status_code == 400


def test_api_needs_policy_is_visible_to_finance_and_recomputable(
    api, register, broker, finance, admin_user
):
    deal = register(broker, "1000000.00", region="440305")
    reward = reward_compute(deal_id=deal.pk)
    client = api(finance)
    listed = client.get("/api/v1/rewards/", {"status": "needs_policy"}).json()["results"]
    assert [r["id"] for r in listed] == [reward.pk]
    from rewards.services import policy_create

    policy_create(
        actor=admin_user,
        name="深圳",
        region="440300",
        rate="0.01",
        effective_from=dt.date(2020, 1, 1),
    )  # on_commit not run here: recompute by hand
    response = client.post(f"/api/v1/rewards/{reward.pk}/recompute/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["amount"]) == ("calculated", "10000.00")
    assert api(broker).post(f"/api/v1/rewards/{reward.pk}/recompute/").status_code == 403


def test_void_and_clawback_give_the_yearly_room_back(
    admin_user, register, broker, finance, supervisor
):
    from rewards.models import RewardYearTotal
    from rewards.services import policy_create

    policy_create(
        actor=admin_user,
        name="南京市办法",
        region="320100",
        rate="0.01",
        cap_per_person_year="50000.00",
        effective_from=dt.date(2025, 1, 1),
    )
    first = reward_compute(deal_id=register(broker, "3000000.00", region="320102").pk)
    total = RewardYearTotal.objects.get(user=broker, year=2026, region="320100")
    assert total.amount == D("30000.00")
    reward_registration_cancelled(deal_id=first.deal_id, actor=supervisor, reason="撤销")
    total.refresh_from_db()
    assert total.amount == D("0.00")
    second = reward_compute(
        deal_id=register(
            broker, "6000000.00", region="320102", registered_on=dt.date(2026, 4, 1)
        ).pk
    )
    assert second.amount == D("50000.00")  # the voided 30,000 no longer counts
    reward_approve(reward_id=second.pk, actor=finance)
    reward_pay(reward_id=second.pk, actor=finance, paid_on=timezone.localdate(), reference="P1")
    reward_registration_cancelled(deal_id=second.deal_id, actor=supervisor, reason="撤销")
    total.refresh_from_db()
    assert total.amount == D("0.00")


def test_sweep_computes_what_a_lost_enqueue_missed(zhenhai, register, broker):
    from rewards.models import Reward
    from rewards.tasks import sweep_registered_deals

    deal = register(broker, "2500000.00")  # on_commit never ran: no reward yet
    assert not Reward.objects.filter(deal=deal).exists()
    assert sweep_registered_deals.delay().get() == 1
    assert Reward.objects.get(deal=deal).amount == D("37500.00")
    assert sweep_registered_deals.delay().get() == 0


@pytest.mark.parametrize("step", ["approve", "pay"])
@pytest.mark.parametrize(
    "body", [{}, {"paid_on": "not a date", "comment": "x" * 3000}], ids=["empty", "invalid"]
)
def test_api_who_may_not_decide_gets_403_whatever_the_body(
    api, reward, broker, co_broker, supervisor, step, body
):
    # A beneficiary who moved to finance, then people who are not finance of the organisation.
    broker.role = Role.FINANCE
    broker.save()
    expected = [(broker, "beneficiary"), (co_broker, "finance_only"), (supervisor, "finance_only")]
    for user, code in expected:
        response = api(user).post(f"/api/v1/rewards/{reward.pk}/{step}/", body, format="json")
        assert (response.status_code, response.json()["code"]) == (403, code), user
    reward.refresh_from_db()
    assert reward.status == RewardStatus.CALCULATED


def test_pay_refuses_a_bad_date_or_reference_with_a_payment_code(reward, finance):
    reward_approve(reward_id=reward.pk, actor=finance)
    today = timezone.localdate()
    cases = [
        (today + dt.timedelta(days=1), "PZ-1", PaymentInvalid),
        (today - dt.timedelta(days=1), "PZ-2", PaymentInvalid),  # before its approval
        (today, "", PaymentReferenceRequired),
        (today, "x" * 101, PaymentInvalid),
    ]
    for paid_on, reference, error in cases:
        with pytest.raises(error) as caught:
            reward_pay(reward_id=reward.pk, actor=finance, paid_on=paid_on, reference=reference)
        assert caught.value.status_code == 400
    reward.refresh_from_db()
    assert reward.status == RewardStatus.APPROVED
