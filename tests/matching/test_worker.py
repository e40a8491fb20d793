"""With a real Celery worker on Redis and PostgreSQL: the index update and the import run on the
worker, and this (web) process sees their results through the database."""

from __future__ import annotations

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from openpyxl import Workbook

from deals import services
from deals.matching.models import MatchChange
from deals.matching.selectors import achievement_matches_for_demand
from deals.matching.services import import_job_create
from tests.factories import AchievementFactory, DemandFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _wait(predicate, timeout: float = 20.0) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    while not predicate():
        assert time.perf_counter() - started < timeout, "worker did not get there in time"
        time.sleep(0.02)
    return time.perf_counter() - started


def test_an_achievement_saved_here_is_indexed_by_the_worker_and_found_by_the_next_query(
    real_worker, broker
):
    AchievementFactory(title="稻田镉钝化", description="稻田土壤镉污染修复。", industry="4.3")
    need = DemandFactory(
        title="风机法兰螺栓松动", description="塔筒法兰螺栓松动，想实时知道螺栓预紧力。"
    )
    achievement_matches_for_demand(demand=need)  # this process's index is built before the write
    with transaction.atomic():
        created = services.achievement_create(
            actor=broker,
            title="风机塔筒法兰螺栓预紧力超声监测",
            description="超声测量螺栓轴力，螺栓松动实时报警。",
            owner="某大学",
        )
    # the worker ran this write's task (the factory's save above queued one too)
    _wait(lambda: MatchChange.objects.filter(kind="achievement", obj_id=created.pk).exists())
    # the very next query sees it (the time it takes is measured in bench/bench_matching.py)
    ids = [r["achievement"]["id"] for r in achievement_matches_for_demand(demand=need)]
    assert ids[0] == created.pk


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Known regression: imports became all-or-nothing (one transaction, issue 9), so the "
        "progress saved inside it is invisible to other connections until the commit. It needs a "
        "side channel (its own connection or the cache) to be visible again."
    ),
)
def test_an_import_runs_on_the_worker_with_progress_visible_while_it_runs(real_worker, broker):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["external_id", "title", "description", "owner"])
    for i in range(5000):
        sheet.append([f"W-{i}", f"成果{i}", "注塑件缩痕随形冷却", "某大学"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with transaction.atomic():  # queued on commit, run by the worker
        job = import_job_create(
            actor=broker, kind="achievement", upload=SimpleUploadedFile("w.xlsx", buffer.getvalue())
        )
    seen: list[int] = []

    def done() -> bool:
        job.refresh_from_db()
        seen.append(job.progress)
        return job.status == "done"

    _wait(done, timeout=120)
    assert (job.created_count, job.progress, job.total) == (5000, 5000, 5000)
    assert seen == sorted(seen)
    assert any(0 < p < 5000 for p in seen), f"no intermediate progress observed: {set(seen)}"
