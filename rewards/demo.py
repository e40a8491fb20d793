"""Reward policies for demonstrations: the founding Zhenhai rule and a tiered one.

`DEMO_POLICIES` are keyword arguments of `rewards.services.policy_create` (rates are fractions,
money in 元); `demo_policies_create(actor=...)` creates the ones whose region has none yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from brokers.models import User
from rewards.models import RewardPolicy
from rewards.services import policy_create

DEMO_POLICIES: list[dict[str, Any]] = [
    {
        # 1.5% of the technology amount, at most 300,000 元 per project (binds from 20,000,000).
        "name": "镇海区技术经纪人奖励（1.5%，单项目不超过 30 万元）",
        "region": "330211",
        "basis": "technology_amount",
        "tier_mode": "flat",
        "rate": "0.015",
        "cap_per_project": "300000.00",
        "effective_from": dt.date(2024, 1, 1),
    },
    {
        # Marginal like income tax: 0.5% of the part up to 30,000,000 元, 0.3% of the rest.
        "name": "福清市技术经纪人奖励（超额累进：3000 万元以内 0.5%，以上 0.3%）",
        "region": "350181",
        "basis": "technology_amount",
        "tier_mode": "marginal",
        "tiers": [
            {"up_to": "30000000.00", "rate": "0.005"},
            {"up_to": None, "rate": "0.003"},
        ],
        "effective_from": dt.date(2024, 1, 1),
    },
]


def demo_policies_create(*, actor: User | None) -> list[RewardPolicy]:
    """Idempotent: a region that already has a policy is left alone."""
    created = []
    for spec in DEMO_POLICIES:
        if RewardPolicy.objects.filter(region=spec["region"]).exists():
            continue
        created.append(policy_create(actor=actor, reason="演示数据", **spec))
    return created
