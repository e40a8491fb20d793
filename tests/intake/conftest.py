"""Public submissions: a good need and a good achievement as the JSON API takes them, a valid
credit code, and a clock the submission limiter reads (tests move it instead of waiting)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from records.credit_code import check_character

CODE17 = "91330211MA2H4X5Y1"
CREDIT_CODE = CODE17 + check_character(CODE17)


def good_need(**changes: object) -> dict[str, object]:
    return {
        "title": "锂电池极片涂布厚度不均",
        "enterprise": "宁波甬欣新能源科技有限公司",
        "credit_code": CREDIT_CODE,
        "industry": "6",
        "region": "330211",
        "description": "涂布面密度波动超过 3%，希望引进在线测厚与闭环控制技术。",
        "budget": "800000",
        "contact": "李工",
        "phone": "13900000000",
        "email": "li@yongxin.example.cn",
        "consent": True,
        **changes,
    }


def good_achievement(**changes: object) -> dict[str, object]:
    return {
        "title": "高导热石墨烯复合散热膜",
        "owner": "中国科学院宁波材料技术与工程研究所",
        "kind": "patent",
        "patent_number": "ZL202310000001.2",
        "industry": "3",
        "maturity": 6,
        "asking_price": "1200000",
        "region": "宁波市镇海区",
        "description": "面内导热系数 1500 W/mK，可卷对卷生产。",
        "contact": "周老师",
        "email": "zhou@nimte.example.cn",
        "consent": True,
        **changes,
    }


class Clock:
    """Seconds since the epoch, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    from intake.api import SUBMISSION_LIMIT

    fake = Clock()
    monkeypatch.setattr(SUBMISSION_LIMIT, "clock", fake)
    return fake


@pytest.fixture
def public() -> APIClient:
    return APIClient()
