"""Money through PostgreSQL: rounding is ours (half up), never the database's; row locks hold
the yearly cap under concurrent computations. `make test`'s second pass runs these."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db.models import Sum

from rewards.models import Reward, RewardShare
from rewards.services import policy_create, reward_compute

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_half_fen_is_rounded_up_before_the_database_sees_it(postgres, admin_user, register, broker):
    policy_create(
        actor=admin_user,
        name="德清县",
        region="330521",
        rate="0.01",
        cap_per_project="30000.00",
        effective_from=dt.date(2024, 1, 1),
    )
    reward = reward_compute(deal_id=register(broker, "2.50", region="330521").pk)  # 0.025
    reward.refresh_from_db()
    assert reward.amount == D("0.03")
    assert Reward.objects.filter(amount=D("0.03")).count() == 1


def test_hand_computed_amounts_round_trip(postgres, zhenhai, register, broker, co_broker, broker_b):
    cases = {
        "2500000.00": "37500.00",
        "20000000.00": "300000.00",
        "30000000.00": "300000.00",
        "1234567.89": "18518.52",
    }
    for basis, expected in cases.items():
        reward = reward_compute(deal_id=register(broker, basis).pk)
        reward.refresh_from_db()
        assert (reward.basis_amount, reward.amount) == (D(basis), D(expected))
    odd = reward_compute(
        deal_id=register(
            broker, "1234567.89", co=[(broker, "50.00"), (co_broker, "30.00"), (broker_b, "20.00")]
        ).pk
    )
    total = RewardShare.objects.filter(reward=odd).aggregate(s=Sum("amount"))["s"]
    assert total == D("18518.52")
    assert sorted(RewardShare.objects.filter(reward=odd).values_list("amount", flat=True)) == [
        D("3703.70"),
        D("5555.56"),
        D("9259.26"),
    ]


def test_database_would_round_a_third_decimal_itself(postgres, zhenhai, register, broker):
    """Why we quantize: PostgreSQL rounds 2.125 to 2.13 on its own (SQLite to 2.12)."""
    reward = reward_compute(deal_id=register(broker, "2500000.00").pk)
    Reward.objects.filter(pk=reward.pk).update(basis_amount=D("2.125"))
    reward.refresh_from_db()
    assert reward.basis_amount == D("2.13")


def test_yearly_cap_across_two_deals_on_postgres(postgres, admin_user, register, broker):
    policy_create(
        actor=admin_user,
        name="南京市",
        region="320100",
        rate="0.01",
        cap_per_person_year="50000.00",
        effective_from=dt.date(2024, 1, 1),
    )
    first = reward_compute(
        deal_id=register(
            broker, "3000000.00", region="320102", registered_on=dt.date(2026, 2, 1)
        ).pk
    )
    second = reward_compute(
        deal_id=register(
            broker, "3000000.00", region="320102", registered_on=dt.date(2026, 3, 1)
        ).pk
    )
    assert (first.amount, second.amount) == (D("30000.00"), D("20000.00"))


@pytest.mark.django_db(transaction=True)
def test_two_workers_computing_at_once_never_pass_the_yearly_cap(
    postgres, admin_user, register, broker, monkeypatch
):
    """Both deals would fill 40,000 of a 50,000 cap: the user-row lock makes the second worker
    see the first one's total, so the pair pays 50,000, not 80,000."""
    import threading
    import time

    from django.db import connection

    from rewards.models import RewardYearTotal
    from rewards.services import computation

    plan = computation._plan

    def slow_plan(*args, **kwargs):  # widen the window between reading the totals and writing
        time.sleep(0.5)
        return plan(*args, **kwargs)

    monkeypatch.setattr(computation, "_plan", slow_plan)

    policy_create(
        actor=admin_user,
        name="南京市",
        region="320100",
        rate="0.01",
        cap_per_person_year="50000.00",
        effective_from=dt.date(2024, 1, 1),
    )
    from rewards.tasks import compute_reward

    # Committed for real here (transaction=True): keep the signal's task from computing them
    # (every send, `delay` or the robust enqueue, goes through `apply_async`).
    monkeypatch.setattr(compute_reward, "apply_async", lambda *args, **kwargs: None)
    deals = [register(broker, "4000000.00", region="320102").pk for _ in range(2)]
    assert not Reward.objects.filter(deal_id__in=deals).exists()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(deal_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            reward_compute(deal_id=deal_id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(d,)) for d in deals]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    amounts = sorted(Reward.objects.filter(deal_id__in=deals).values_list("amount", flat=True))
    assert amounts == [D("10000.00"), D("40000.00")]
    assert RewardYearTotal.objects.get(user=broker, year=2026, region="320100").amount == D(
        "50000.00"
    )
