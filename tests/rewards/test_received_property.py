"""Partial rewards on money received, by property (no database): however the money arrives —
any number of instalments of any size, computed in any number of rounds — the partial rewards
add up, to the fen, to the reward on the total received; after a reversal the next payment
trues the deal up again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from rewards import engine
from rewards.models import Basis, RewardPolicy
from rewards.selectors import DealFacts, ReceivedFacts
from rewards.services.computation import _plan_partials, _Policy

D = Decimal
ON = dt.date(2026, 3, 2)

POLICIES = [
    {"tier_mode": "flat", "rate": D("0.015"), "cap_per_project": D("300000")},
    {"tier_mode": "flat", "rate": D("0.01"), "cap_per_project": None},
    {
        "tier_mode": "marginal",
        "tiers": [{"up_to": "30000000", "rate": "0.005"}, {"up_to": None, "rate": "0.003"}],
    },
    {
        "tier_mode": "marginal",
        "tiers": [
            {"up_to": "1000000", "rate": "0.02"},
            {"up_to": "3000000", "rate": "0.01", "cap": "15000"},
            {"up_to": None, "rate": "0.005"},
        ],
        "cap_per_project": D("40000"),
    },
    {
        "tier_mode": "bracket",
        "tiers": [
            {"up_to": "1000000", "rate": "0.01", "cap": None},
            {"up_to": None, "rate": "0.015", "cap": "50000"},
        ],
    },
]


def prepared(spec: dict) -> _Policy:
    policy = RewardPolicy(
        name="测试",
        region="350181",
        basis=Basis.RECEIVED_AMOUNT,
        tier_mode=spec["tier_mode"],
        rate=spec.get("rate"),
        tiers=spec.get("tiers", []),
        cap_per_project=spec.get("cap_per_project"),
        effective_from=dt.date(2024, 1, 1),
    )
    return _Policy.of(policy)


def facts() -> DealFacts:
    return DealFacts(
        deal_id=1,
        title="项目",
        region="350181",
        lead_broker_id=10,
        brokers=[(10, D("33.34"), "甲"), (11, D("33.33"), "乙"), (12, D("33.33"), "丙")],
        contract_id=1,
        registered_on=ON,
        amounts={},
    )


fen = st.integers(min_value=1, max_value=5_000_000_000)  # 0.01 … 50,000,000.00 元


def payments(amounts: list[int]) -> list[ReceivedFacts]:
    return [
        ReceivedFacts(payment_id=i, received_on=ON, amount=D(a) / 100, reference=f"R{i}")
        for i, a in enumerate(amounts, start=1)
    ]


@settings(max_examples=300, deadline=None)
@given(
    spec=st.sampled_from(POLICIES),
    amounts=st.lists(fen, min_size=1, max_size=8),
    cuts=st.lists(st.integers(min_value=1, max_value=8), max_size=4),
)
def test_partials_sum_to_the_reward_on_the_total_however_the_money_arrives(spec, amounts, cuts):
    policy = prepared(spec)
    received = payments(amounts)
    granted: dict[int, D] = {}
    # computed in rounds: the payments known at each round (a task per payment, a sweep …)
    for known in [*sorted(set(cuts)), len(received)]:
        for partial in _plan_partials(facts(), policy, received[:known], dict(granted), {}):
            assert partial.project_amount >= 0
            assert sum(s[4] for s in partial.shares) == partial.total == partial.project_amount
            granted[partial.payment.payment_id] = partial.project_amount
    assert set(granted) == {p.payment_id for p in received}
    total = sum((p.amount for p in received), D(0))
    assert sum(granted.values(), D(0)) == engine.compute(policy.terms, total).amount


@settings(max_examples=300, deadline=None)
@given(
    spec=st.sampled_from(POLICIES),
    amounts=st.lists(fen, min_size=2, max_size=8),
    reversed_index=st.integers(min_value=0, max_value=7),
    later=fen,
)
def test_after_a_reversal_the_next_payment_trues_the_deal_up(spec, amounts, reversed_index, later):
    policy = prepared(spec)
    received = payments(amounts)
    granted = {
        p.payment.payment_id: p.project_amount
        for p in _plan_partials(facts(), policy, received, {}, {})
    }
    gone = received[reversed_index % len(received)]
    del granted[gone.payment_id]  # its partial voided or clawed back: exactly its part
    kept = [p for p in received if p is not gone]
    new = ReceivedFacts(payment_id=99, received_on=ON, amount=D(later) / 100, reference="R99")
    (partial,) = _plan_partials(facts(), policy, [*kept, new], dict(granted), {})
    total = sum((p.amount for p in [*kept, new]), D(0))
    owed = engine.compute(policy.terms, total).amount
    shortfall = D(partial.explanation["received"]["shortfall"] or 0)
    # equal to the reward on what was really received, unless what had been granted already
    # exceeds it (a policy whose rate rises with the amount): then the payment earns 0.
    assert sum(granted.values(), D(0)) + partial.project_amount == owed + shortfall
    assert partial.project_amount == 0 or shortfall == 0
