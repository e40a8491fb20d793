"""Challenges: a need, a challenge published on it, experts, proposals; files for uploads."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from brokers.models import Role
from challenges import services
from challenges.models import Expert
from tests.factories import DemandFactory, UserFactory

CRITERIA = [
    {"name": "技术先进性", "weight": 50},
    {"name": "可行性", "weight": 30},
    {"name": "报价合理性", "weight": 20},
]


@pytest.fixture(autouse=True)
def clean_state(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test: its own private media folder, no throttle counts left by another test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demand():
    return DemandFactory(
        title="高强度铝合金压铸件气孔缺陷攻关",
        enterprise="宁波某汽车零部件有限公司",
    )


def publish(supervisor, demand, *, days: int = 2, **extra):  # type: ignore[no-untyped-def]
    fields = {
        "title": "铝合金压铸件气孔缺陷揭榜挂帅",
        "description": "压铸件内部气孔导致气密性不合格，寻求工艺或材料解决方案。",
        "support_amount": "500000",
        "deadline": (timezone.now() + dt.timedelta(days=days)).isoformat(),
        "criteria": CRITERIA,
        "panel_size": 3,
    }
    fields.update(extra)
    return services.challenge_publish(actor=supervisor, demand=demand, **fields)


@pytest.fixture
def challenge(supervisor, demand):
    return publish(supervisor, demand)


def make_expert(supervisor, name: str, employer: str, **extra):  # type: ignore[no-untyped-def]
    username = extra.pop("username", "")
    extra.setdefault("fields", ["2"])
    extra.setdefault("region", "330200")
    return services.expert_create(
        actor=supervisor,
        name=name,
        employer=employer,
        username=username,
        password="pass12345" if username else "",
        **extra,
    )


@pytest.fixture
def experts(supervisor) -> list[Expert]:
    """Three free experts with sign-ins, and a fourth who works for a proposer."""
    return [
        make_expert(supervisor, "周明", "上海交通大学", username="zhouming"),
        make_expert(supervisor, "吴芳", "中国科学院金属研究所", username="wufang"),
        make_expert(supervisor, "郑涛", "北京科技大学", username="zhengtao"),
        make_expert(supervisor, "钱伟", "浙江大学", username="qianwei"),
    ]


PROPOSALS = [
    {
        "institution": "浙江大学宁波研究院",
        "team": "材料学院压铸团队 8 人",
        "plan": "真空压铸结合模温分区控制。",
        "schedule": "6 个月完成中试",
        "price": "450000",
        "contact": "李老师 13900000001",
        "email": "a@zju.example.org",
    },
    {
        "institution": "宁波工程学院",
        "team": "机械学院 5 人",
        "plan": "优化排气槽与溢流井设计。",
        "schedule": "4 个月",
        "price": "300000",
        "contact": "张老师 13900000002",
        "email": "b@nbut.example.org",
    },
    {
        "institution": "中国科学院宁波材料技术与工程研究所",
        "team": "先进制造所 10 人",
        "plan": "局部挤压加真空辅助，配合在线气孔检测。",
        "schedule": "8 个月",
        "price": "480000",
        "contact": "陈研究员 13900000003",
        "email": "c@nimte.example.org",
    },
]


def expert_user(username: str):  # type: ignore[no-untyped-def]
    return UserFactory._meta.model.objects.get(username=username, role=Role.EXPERT)


def pdf_file(name: str = "方案.pdf", size: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    if size > len(body):
        body += b"0" * (size - len(body))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def docx_bytes(*, with_document: bool = True, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            package.writestr("word/document.xml", "<w:document/>")
        if macro:
            package.writestr("word/vbaProject.bin", b"\x00")
    return buffer.getvalue()
