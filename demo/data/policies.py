"""Regional broker reward policies (技术经纪人奖励), as data. Rates are fractions, money in 元.

Zhenhai is the founding case; the others show the shapes the engine supports: a per-person
yearly cap (Nanjing, Lanzhou), a small per-project cap (Deqing) and marginal tiers (Fuqing).
"""

from typing import Any

POLICIES: list[dict[str, Any]] = [
    {
        "name": "镇海区技术经纪人成果转化奖励（1.5%，单个项目最高 30 万元）",
        "region": "330211",
        "tier_mode": "flat",
        "rate": "0.015",
        "cap_per_project": "300000.00",
        "effective_from": "2023-01-01",
    },
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
    {
        "name": "福清市技术经纪人奖励（超额累进：3000 万元以内 0.5%，以上部分 0.3%）",
        "region": "350181",
        "tier_mode": "marginal",
        "tiers": [{"up_to": "30000000.00", "rate": "0.005"}, {"up_to": None, "rate": "0.003"}],
        "effective_from": "2024-01-01",
    },
]
