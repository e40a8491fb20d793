"""The index shared by the processes of a host (PostgreSQL, real separate processes): a fresh or
restarted process answers from the snapshot without building, an edit made in one process shows
in another's next query within a second, and a snapshot build never holds queries up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from deals import services
from deals.matching import index
from deals.matching.models import MatchKind
from tests.factories import AchievementFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
NEED = {"title": "风机法兰螺栓松动", "description": "塔筒法兰螺栓经常松动，想实时知道螺栓预紧力。"}


class OtherProcess:
    def __init__(self) -> None:
        db = connection.settings_dict
        url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        env = {**os.environ, "DATABASE_URL": url, "MATCH_INDEX_DIR": str(settings.MATCH_INDEX_DIR)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.matching.query_process"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert json.loads(self._line())["ready"]

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the other process died"
        return line

    def ask(self, need: dict[str, str] = NEED) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(need, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        return dict(json.loads(self._line()))

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def other(postgres):  # type: ignore[no-untyped-def]
    started: list[OtherProcess] = []

    def start() -> OtherProcess:
        started.append(OtherProcess())
        return started[-1]

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def library(postgres):  # type: ignore[no-untyped-def]
    bolt = AchievementFactory(
        title="风机塔筒法兰螺栓预紧力超声监测", description="超声测量螺栓轴力，螺栓松动报警。"
    )
    rice = AchievementFactory(title="稻田镉钝化", description="稻田土壤镉污染修复。")
    index.snapshot_build(MatchKind.ACHIEVEMENT)  # what the worker or the first query does
    return {"bolt": bolt, "rice": rice}


def test_a_fresh_and_a_restarted_process_answer_from_the_snapshot_without_building(library, other):
    first = other()
    answer = first.ask()
    assert answer["ids"][0] == library["bolt"].pk
    assert answer["built"] == 0 and answer["source"]
    first.stop()  # a worker restart: the snapshot is on disk, nothing is lost
    again = other().ask()
    assert again["ids"][0] == library["bolt"].pk
    assert again["built"] == 0 and again["source"] == answer["source"]


def test_an_edit_here_is_in_the_other_process_next_query_within_a_second(
    library, supervisor, other
):
    peer = other()
    assert peer.ask()["ids"][0] == library["bolt"].pk
    with transaction.atomic():  # the index task runs on commit (eager in tests)
        services.achievement_update(
            achievement=library["rice"],
            actor=supervisor,  # the library's records came in with no organisation
            title="风机法兰螺栓松动智能垫片",
            description="法兰螺栓预紧力实时监测，螺栓松动无线报警，塔筒螺栓。",
        )
        saved = time.perf_counter()  # the clock runs through the commit and the index task
    answer = peer.ask()
    assert library["rice"].pk in answer["ids"][:2]
    assert time.perf_counter() - saved < 1.0
    assert answer["built"] == 0  # caught up from the change log, no rebuild


def test_a_snapshot_build_in_progress_never_holds_queries_up(library, supervisor, other):
    peer = other()
    before = peer.ask()
    with index._BuildLock(MatchKind.ACHIEVEMENT, wait=True):  # a long build is running
        created = AchievementFactory(
            title="螺栓松动预紧力监测垫圈", description="风机法兰螺栓松动报警。"
        )
        with transaction.atomic():
            services.achievement_update(achievement=created, actor=supervisor, title=created.title)
        during = peer.ask()
        assert created.pk in during["ids"] and during["source"] == before["source"]
        # and a build that finds the lock taken gives way instead of waiting
        assert index.snapshot_build(MatchKind.ACHIEVEMENT, wait=False) is None
    published = index.snapshot_build(MatchKind.ACHIEVEMENT)
    assert published is not None
    after = peer.ask()
    assert after["source"] == str(published.path(MatchKind.ACHIEVEMENT))
    assert created.pk in after["ids"] and after["built"] == 0
