"""`manage.py load_demo`: the Chinese demo data set (idempotent; `make run` calls it)."""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand

from brokers.models import Organisation, Role, User
from deals.models import Achievement, Deal, DealState, Demand, TransitionRequest
from demo.loader import load_demo


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """A plain-text table whose columns line up with Chinese text (two columns per character)."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) for row in [header]]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


class Command(BaseCommand):
    help = "加载中文演示数据（机构、经纪人、成果、需求、项目、合同、奖励政策）；可重复运行。"

    def handle(self, *args: Any, **options: Any) -> None:
        # In-process (eager) tasks log a line per task at INFO: hundreds of lines that would bury
        # the summary and the logins this command exists to show.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        started = time.perf_counter()
        report = load_demo()
        elapsed = time.perf_counter() - started
        for what in (
            "organisations",
            "users",
            "achievements",
            "needs",
            "policies",
            "deals",
            "meetings",
        ):
            self.stdout.write(
                f"{what}: 新建 {report.created.get(what, 0)}，已存在 {report.existing.get(what, 0)}"
            )
        states = {s: Deal.objects.filter(state=s).count() for s in DealState.values}
        self.stdout.write(
            "项目阶段："
            + "，".join(f"{DealState(s).label} {n}" for s, n in states.items())
            + f"；待审批申请 {TransitionRequest.objects.filter(status='pending').count()}"
            + f"；新增预警 {report.escalations}"
        )
        self.stdout.write(
            f"合计：机构 {Organisation.objects.count()}，经纪人 "
            f"{User.objects.filter(role=Role.BROKER).count()}，成果 {Achievement.objects.count()}，"
            f"需求 {Demand.objects.count()}，项目 {Deal.objects.count()}（用时 {elapsed:.1f} 秒）"
        )
        self.stdout.write("\n演示账号（所有演示用户的密码相同）：")
        self.stdout.write(table(("用户名", "姓名", "角色", "机构", "密码"), report.logins))
