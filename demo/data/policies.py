"""More regions' broker reward policies (技术经纪人奖励), as data. Rates are fractions, money in 元.

The founding Zhenhai rule (1.5%, at most 300,000 per project) and Fuqing's marginal tiers come
from `rewards.demo` (the rewards app owns them); these add the other shapes the engine supports:
a per-person yearly cap (Nanjing, Lanzhou) and a small per-project cap (Deqing).
"""

from typing import Any

POLICIES: list[dict[str, Any]] = [
    {
        "name": "德清县技术经纪人奖励（1%，单个项目最高 3 万元）",
        "region": "330521",
        "tier_mode": "flat",
        "rate": "0.01",
        "cap_per_project": "30000.00",
        "effective_from": "2023-01-01",
    },
    {
        "name": "南京市技术经纪人奖励（1%，每人每年最高 5 万元）",
        "region": "320100",
        "tier_mode": "flat",
        "rate": "0.01",
        "cap_per_person_year": "50000.00",
        "effective_from": "2023-01-01",
    },
    {
        "name": "兰州市技术经纪人奖励（5%，每人每年最高 20 万元）",
        "region": "620100",
        "tier_mode": "flat",
        "rate": "0.05",
        "cap_per_person_year": "200000.00",
        "effective_from": "2023-01-01",
    },
]
