"""Computing a registered deal's reward: policy choice, caps, shares, idempotence, needs_policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from rewards.explain import explanation_text
from rewards.models import Reward, RewardShare, RewardStatus
from rewards.services import (
    policy_create,
    policy_update,
    reward_compute,
    rewards_compute_batch,
)

pytestmark = pytest.mark.django_db


def test_registered_deal_is_rewarded_under_the_districts_policy(zhenhai, register, broker):
    deal = register(broker, "2500000.00")
    reward = reward_compute(deal_id=deal.pk)
    assert reward.status == RewardStatus.CALCULATED
    assert reward.policy == zhenhai
    assert reward.basis_amount == D("2500000.00")
    assert reward.amount == D("37500.00")
    assert [(s.user_id, s.amount) for s in reward.shares.all()] == [(broker.pk, D("37500.00"))]
    text = "\n".join(explanation_text(reward.explanation))
    assert "技术交易额 2,500,000.00 元 × 1.5%" in text
    assert reward.explanation["cap_per_project"] == {"limit": "300000.00", "applied": False}


@pytest.mark.parametrize(
    ("tech", "expected"),
    [("20000000.00", "300000.00"), ("30000000.00", "300000.00"), ("1234567.89", "18518.52")],
)
def test_cap_and_rounding_through_the_database(zhenhai, register, broker, tech, expected):
    reward = reward_compute(deal_id=register(broker, tech).pk)
    reward.refresh_from_db()
    assert reward.amount == D(expected)
    # at exactly 20M the amount equals the cap: it is reached, not cut
    assert reward.explanation["cap_per_project"]["applied"] is (tech == "30000000.00")


def test_three_co_brokers_split_an_odd_amount_exactly(
    zhenhai, register, broker, co_broker, broker_b
):
    deal = register(
        broker,
        "1234567.89",
        co=[(broker, "50.00"), (co_broker, "30.00"), (broker_b, "20.00")],
    )
    reward = reward_compute(deal_id=deal.pk)
    parts = {s.user_id: s.amount for s in reward.shares.all()}
    # 18518.52 → 9259.26 / 5555.556 / 3703.704: the odd fen goes to the largest remainder (30%)
    assert parts == {broker.pk: D("9259.26"), co_broker.pk: D("5555.56"), broker_b.pk: D("3703.70")}
    assert sum(parts.values()) == reward.amount
    assert reward.explanation["odd_fen_rule"] == "largest_remainder"
    assert "最大余额法" in explanation_text(reward.explanation)[-1]


def test_rerunning_changes_nothing_and_the_database_allows_one_reward(zhenhai, register, broker):
    deal = register(broker, "2500000.00")
    first = reward_compute(deal_id=deal.pk)
    history = first.history.count()
    again = reward_compute(deal_id=deal.pk)
    result = rewards_compute_batch(deal_ids=[deal.pk])
    assert again.pk == first.pk and result.unchanged == 1 and result.computed == 0
    assert Reward.objects.filter(deal=deal).count() == 1
    assert RewardShare.objects.filter(reward=first).count() == 1
    assert first.history.count() == history
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.create(
            deal=deal,
            region="330211",
            registered_on=dt.date(2026, 1, 1),
            year=2026,
            computed_at=first.computed_at,
            status=RewardStatus.NEEDS_POLICY,
        )


def test_city_policy_covers_its_districts_and_the_most_specific_wins(admin_user, register, broker):
    policy_create(
        actor=admin_user,
        name="宁波市办法",
        region="330200",
        rate="0.01",
        effective_from=dt.date(2020, 1, 1),
    )
    province = policy_create(
        actor=admin_user,
        name="浙江省办法",
        region="330000",
        rate="0.005",
        effective_from=dt.date(2020, 1, 1),
    )
    yinzhou = reward_compute(deal_id=register(broker, "1000000.00", region="330212").pk)
    assert yinzhou.policy.region == "330200" and yinzhou.amount == D("10000.00")
    hangzhou = reward_compute(deal_id=register(broker, "1000000.00", region="330106").pk)
    assert hangzhou.policy == province and hangzhou.amount == D("5000.00")
    policy_create(
        actor=admin_user,
        name="镇海区办法",
        region="330211",
        rate="0.015",
        cap_per_project="300000",
        effective_from=dt.date(2020, 1, 1),
    )
    zhenhai = reward_compute(deal_id=register(broker, "1000000.00", region="330211").pk)
    assert zhenhai.policy.region == "330211" and zhenhai.amount == D("15000.00")


def test_policy_change_on_a_date_boundary(admin_user, register, broker):
    old = policy_create(
        actor=admin_user,
        name="旧办法",
        region="330211",
        rate="0.015",
        cap_per_project="300000",
        effective_from=dt.date(2024, 1, 1),
        effective_to=dt.date(2025, 12, 31),
    )
    new = policy_create(
        actor=admin_user,
        name="新办法",
        region="330211",
        rate="0.02",
        cap_per_project="500000",
        effective_from=dt.date(2026, 1, 1),
    )
    last_day = reward_compute(
        deal_id=register(broker, "1000000.00", registered_on=dt.date(2025, 12, 31)).pk
    )
    first_day = reward_compute(
        deal_id=register(broker, "1000000.00", registered_on=dt.date(2026, 1, 1)).pk
    )
    assert (last_day.policy, last_day.amount) == (old, D("15000.00"))
    assert (first_day.policy, first_day.amount) == (new, D("20000.00"))


def test_overlapping_policies_for_one_region_are_refused(zhenhai, admin_user):
    from rewards.exceptions import PolicyOverlap

    with pytest.raises(PolicyOverlap):
        policy_create(
            actor=admin_user,
            name="重叠",
            region="330211",
            rate="0.01",
            effective_from=dt.date(2026, 6, 1),
        )


def test_per_person_yearly_cap_is_reached_across_two_deals(admin_user, register, broker, co_broker):
    policy_create(
        actor=admin_user,
        name="南京市办法",
        region="320100",
        rate="0.01",
        cap_per_person_year="50000.00",
        effective_from=dt.date(2025, 1, 1),
    )
    first = reward_compute(
        deal_id=register(
            broker, "3000000.00", region="320102", registered_on=dt.date(2026, 2, 1)
        ).pk
    )
    assert first.amount == D("30000.00")
    second = reward_compute(
        deal_id=register(
            broker,
            "4000000.00",
            region="320113",
            registered_on=dt.date(2026, 5, 1),
            co=[(broker, "50.00"), (co_broker, "50.00")],
        ).pk
    )
    parts = {s.user_id: (s.allocated, s.amount) for s in second.shares.all()}
    # 40,000 split 20,000 / 20,000; the lead already has 30,000 of 50,000 this year → 20,000 fits
    assert parts[broker.pk] == (D("20000.00"), D("20000.00"))
    third = reward_compute(
        deal_id=register(
            broker, "2000000.00", region="320102", registered_on=dt.date(2026, 8, 1)
        ).pk
    )
    # 20,000 owed but only 0 left this year
    assert third.amount == D("0.00")
    assert third.explanation["shares"][0]["year_cap"] == {
        "limit": "50000.00",
        "already": "50000.00",
        "applied": True,
    }
    other_year = reward_compute(
        deal_id=register(
            broker, "2000000.00", region="320102", registered_on=dt.date(2025, 12, 31)
        ).pk
    )
    assert other_year.amount == D("20000.00")  # 2025 has its own cap
    assert sum(s.amount for s in RewardShare.objects.filter(user=broker, reward__year=2026)) == D(
        "50000.00"
    )


def test_yearly_cap_cuts_part_of_a_share(admin_user, register, broker):
    policy_create(
        actor=admin_user,
        name="兰州市办法",
        region="620100",
        rate="0.05",
        cap_per_person_year="200000.00",
        effective_from=dt.date(2025, 1, 1),
    )
    first = reward_compute(deal_id=register(broker, "3000000.00", region="620102").pk)
    second = reward_compute(
        deal_id=register(
            broker, "2000000.00", region="620102", registered_on=dt.date(2026, 4, 1)
        ).pk
    )
    assert (first.amount, second.amount) == (D("150000.00"), D("50000.00"))
    assert "受每人每年 200,000.00 元上限限制" in "".join(explanation_text(second.explanation))


def test_no_policy_in_force_is_recorded_and_recomputed_once_a_policy_exists(
    admin_user, register, broker, django_capture_on_commit_callbacks
):
    deal = register(broker, "2500000.00", region="440305")
    reward = reward_compute(deal_id=deal.pk)
    assert reward.status == RewardStatus.NEEDS_POLICY
    assert reward.amount == D("0") and not reward.shares.exists()
    assert "没有生效的奖励政策" in explanation_text(reward.explanation)[0]
    with django_capture_on_commit_callbacks(execute=True):
        policy_create(
            actor=admin_user,
            name="深圳市办法",
            region="440300",
            rate="0.01",
            effective_from=dt.date(2026, 1, 1),
        )
    reward.refresh_from_db()
    assert reward.status == RewardStatus.CALCULATED
    assert reward.amount == D("25000.00")
    assert list(reward.history.values_list("status", flat=True)) == ["calculated", "needs_policy"]


def test_bracket_and_marginal_policies_from_the_database(admin_user, register, broker):
    policy_create(
        actor=admin_user,
        name="福清市办法",
        region="350181",
        tier_mode="marginal",
        tiers=[{"up_to": "30000000.00", "rate": "0.005"}, {"up_to": None, "rate": "0.003"}],
        effective_from=dt.date(2025, 1, 1),
    )
    policy_create(
        actor=admin_user,
        name="德清县分档办法",
        region="330521",
        tier_mode="bracket",
        tiers=[
            {"up_to": "1000000", "rate": "0.01"},
            {"up_to": None, "rate": "0.012", "cap": "30000"},
        ],
        effective_from=dt.date(2025, 1, 1),
    )
    fuqing = reward_compute(deal_id=register(broker, "50000000.00", region="350181").pk)
    assert fuqing.amount == D("210000.00")
    steps = fuqing.explanation["computation"]["steps"]
    assert [(st["base"], st["rate"]) for st in steps] == [
        ("30000000.00", "0.005"),
        ("20000000.00", "0.003"),
    ]
    deqing = reward_compute(deal_id=register(broker, "2000000.00", region="330521").pk)
    assert deqing.amount == D("24000.00")
    assert "全额适用最高档" in "".join(explanation_text(deqing.explanation))


def test_contract_amount_basis(admin_user, register, broker):
    policy_create(
        actor=admin_user,
        name="按成交额",
        region="330211",
        rate="0.01",
        basis="contract_amount",
        effective_from=dt.date(2025, 1, 1),
    )
    reward = reward_compute(deal_id=register(broker, "1000000.00", amount="1500000.00").pk)
    assert (reward.basis, reward.basis_amount, reward.amount) == (
        "contract_amount",
        D("1500000.00"),
        D("15000.00"),
    )


def test_policy_terms_are_frozen_once_a_reward_used_them(zhenhai, register, broker, admin_user):
    from rewards.exceptions import PolicyInUse

    reward_compute(deal_id=register(broker, "2500000.00").pk)
    with pytest.raises(PolicyInUse):
        policy_update(policy_id=zhenhai.pk, actor=admin_user, changes={"rate": "0.02"})
    with pytest.raises(PolicyInUse):
        policy_update(
            policy_id=zhenhai.pk, actor=admin_user, changes={"effective_to": dt.date(2026, 1, 1)}
        )
    closed = policy_update(
        policy_id=zhenhai.pk, actor=admin_user, changes={"effective_to": dt.date(2026, 12, 31)}
    )
    assert closed.effective_to == dt.date(2026, 12, 31)


def test_registration_signal_schedules_the_computation_after_commit(
    zhenhai, register, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        deal = register(broker, "2500000.00")
        # Still inside the registering transaction: nothing computed yet, only scheduled.
        assert not Reward.objects.filter(deal=deal).exists()
    # The callbacks ran as a commit would run them, and one of them computed the reward.
    assert callbacks
    assert Reward.objects.get(deal=deal).amount == D("37500.00")


def test_unregistered_deal_is_not_rewarded(zhenhai, deal):
    from rewards.exceptions import DealNotRegistered

    with pytest.raises(DealNotRegistered):
        reward_compute(deal_id=deal.pk)
    assert not Reward.objects.exists()
