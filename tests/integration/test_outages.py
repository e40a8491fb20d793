"""Faults with real processes: a Redis server of our own that we stop and start, a Celery worker
in its own process (prefork, acks late) on PostgreSQL.

1. Redis down while each kind of write happens (approval into registered, contract sign, PDF
   request, import start, policy create, achievement edit): every write answers 2xx. When Redis is
   back, the tasks the beat schedule names are sent (what beat does each period) and the worker
   finishes the lost work: the reward, the documents, the import, the index change.
2. A worker killed with SIGKILL in the middle of an import: after a restart and the import sweep,
   the import is done exactly once (all-or-nothing: nothing of the killed run stayed).

Our own `redis-server --port 6407` (helper port range): the machine's Redis is never stopped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from contracts.models import ContractDocument, DocumentStatus
from deals.matching.models import ImportJob, MatchChange
from deals.models import Achievement, DealState
from rewards.models import Reward, RewardStatus
from tests.conftest import _forget_cached_celery_state, require_service
from tests.factories import AchievementFactory, AdminFactory, DealFactory
from tests.factories_contracts import ContractFactory, complete_agreement
from tests.helpers import walk_to

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("OUTAGE_REDIS_PORT", "6407"))
REDIS_URL = f"redis://127.0.0.1:{PORT}/0"
WAIT = 120  # seconds a recovery may take on a busy 2-core machine


def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait_for(what: str, done: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        _wait_for("our redis-server answers", lambda: self._ping(client), timeout=20)

    @staticmethod
    def _ping(client) -> bool:  # type: ignore[no-untyped-def]
        try:
            return bool(client.ping())
        except Exception:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


class Worker:
    """`celery -A config worker` in its own process group, on our Redis and the test database."""

    def __init__(self, media: Path, index_dir: Path, log: Path) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DEBUG": "false",
            "SECRET_KEY": "outage-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": REDIS_URL,
            "MEDIA_ROOT": str(media),
            "MATCH_INDEX_DIR": str(index_dir),
            "LOG_LEVEL": "INFO",
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        celery = str(Path(sys.executable).with_name("celery"))
        self.process = subprocess.Popen(
            [
                celery,
                "-A",
                "config",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "1",
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"outage{PORT}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the pool too
        )
        _wait_for(
            "the worker is ready", lambda: "ready." in self.log.read_text(errors="replace"), 90
        )

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)
        self.process = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def processes(postgres, tmp_path, settings) -> Iterator[tuple[RedisServer, Worker]]:  # type: ignore[no-untyped-def]
    require_service(shutil.which("redis-server") is not None, "needs redis-server on the PATH")
    from config.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MATCH_INDEX_DIR = tmp_path / "match-index"
    settings.REDIS_URL = REDIS_URL
    redis_server = RedisServer(tmp_path)
    worker = Worker(tmp_path / "media", tmp_path / "match-index", tmp_path / "worker.log")
    keys = ("broker_url", "task_always_eager", "task_eager_propagates")
    previous = {key: app.conf[key] for key in keys}
    try:
        yield redis_server, worker
    finally:
        worker.stop()
        redis_server.stop()
        app.conf.update(previous)
        _forget_cached_celery_state(app)
        if os.environ.get("OUTAGE_SHOW_LOG"):
            print((tmp_path / "worker.log").read_text(errors="replace")[-20000:])


def _send_to_our_redis() -> None:
    """From here on, this process sends tasks to our Redis (as a web process would)."""
    from config.celery import app

    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_eager_propagates=False)
    _forget_cached_celery_state(app)


def _beat_once() -> None:
    """What beat does each period: send every task of the schedule."""
    from config.celery import app

    for entry in django_settings.CELERY_BEAT_SCHEDULE.values():
        app.send_task(entry["task"], args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))


def _csv(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["成果名称", "成果简介", "权利人", "专利号"])
    for i in range(rows):
        writer.writerow([f"停电测试成果{i}", "随形冷却水路", "浙江大学", f"ZL2026{i:08d}.1"])
    return buffer.getvalue().encode("utf-8")


def test_every_write_answers_2xx_while_redis_is_down_and_the_sweeps_finish_the_work(
    processes, api, broker, supervisor
):
    redis_server, worker = processes
    admin = AdminFactory(organisation=None)
    # Before the outage (tasks in-process): a deal ready to be registered, and a deal at the
    # agreement stage with a draft contract.
    to_register = DealFactory(lead_broker=broker)
    complete_agreement(to_register, supervisor)
    to_sign = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    draft = ContractFactory(deal=to_sign)
    achievement = AchievementFactory()

    _send_to_our_redis()  # ... and our Redis is not running: every send fails
    as_broker, as_supervisor, as_admin = api(broker), api(supervisor), api(admin)

    requested = as_broker.post(
        f"/api/v1/deals/{to_register.pk}/transition-requests/",
        {"target": "registered"},
        format="json",
    )
    assert requested.status_code == 201, requested.json()
    approved = as_supervisor.post(
        f"/api/v1/transition-requests/{requested.json()['id']}/approve/", {}, format="json"
    )
    assert approved.status_code == 200, approved.json()
    signed = as_broker.post(
        f"/api/v1/contracts/{draft.pk}/sign/",
        {"signed_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert signed.status_code == 200, signed.json()
    pdf = as_broker.post(f"/api/v1/contracts/{draft.pk}/pdf/", {}, format="json")
    assert pdf.status_code in (200, 201, 202), pdf.json()
    imported = as_broker.post(
        "/api/v1/achievements/import/",
        {"file": SimpleUploadedFile("outage.csv", _csv(3))},
        format="multipart",
    )
    assert imported.status_code == 202, imported.json()
    policy = as_admin.post(
        "/api/v1/reward-policies/",
        {
            "name": "镇海区技术经纪人奖励办法（停电期间新建）",
            "region": "330211",  # the deal's organisation's district (tests.factories)
            "rate": "0.015",
            "effective_from": "2020-01-01",
        },
        format="json",
    )
    assert policy.status_code == 201, policy.json()
    edited = as_admin.patch(
        f"/api/v1/achievements/{achievement.pk}/", {"title": "停电期间修改的成果"}, format="json"
    )
    assert edited.status_code == 200, edited.json()

    # Nothing of the background work happened: it was never sent.
    job = ImportJob.objects.get(pk=imported.json()["job"])
    assert job.status == "pending"
    assert not Reward.objects.filter(deal=to_register, active=True).exists()
    pending = ContractDocument.objects.filter(contract=draft, status=DocumentStatus.PENDING)
    assert pending.exists()
    since = timezone.now()

    # Redis is back, the worker runs, time passes (the sweeps leave fresh work to its own task).
    redis_server.start()
    worker.start()
    minutes_ago = timezone.now() - dt.timedelta(minutes=10)
    ContractDocument.objects.filter(status=DocumentStatus.PENDING).update(created_at=minutes_ago)
    ImportJob.objects.filter(pk=job.pk).update(created_at=minutes_ago)
    _beat_once()

    _wait_for(
        "the reward of the registered deal",
        lambda: Reward.objects.filter(
            deal=to_register, active=True, status=RewardStatus.CALCULATED
        ).exists(),
    )
    _wait_for(
        "every pending document rendered",
        lambda: not ContractDocument.objects.filter(status=DocumentStatus.PENDING).exists(),
    )
    assert ContractDocument.objects.filter(contract=draft, status=DocumentStatus.READY).exists()
    _wait_for("the import", lambda: ImportJob.objects.get(pk=job.pk).status == "done")
    assert ImportJob.objects.get(pk=job.pk).created_count == 3
    _wait_for(
        "the edited achievement in the index change log",
        lambda: MatchChange.objects.filter(
            obj_id=achievement.pk, kind="achievement", created_at__gte=since
        ).exists(),
    )
    assert Reward.objects.filter(deal=to_register, active=True).count() == 1

    # A second period finds nothing left to do and changes nothing.
    rewards, documents = Reward.objects.count(), ContractDocument.objects.count()
    _beat_once()
    time.sleep(5)
    assert (Reward.objects.count(), ContractDocument.objects.count()) == (rewards, documents)
    assert Achievement.objects.filter(title__startswith="停电测试成果").count() == 3


def test_a_worker_killed_mid_import_finishes_it_exactly_once_after_a_restart(
    processes, api, broker
):
    redis_server, worker = processes
    redis_server.start()
    _send_to_our_redis()
    worker.start()
    rows = 6000
    response = api(broker).post(
        "/api/v1/achievements/import/",
        {"file": SimpleUploadedFile("big.csv", _csv(rows))},
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    job_id = response.json()["job"]

    _wait_for(
        "the import has started", lambda: ImportJob.objects.get(pk=job_id).status == "running", 60
    )
    worker.kill()  # SIGKILL to the worker and its pool: no cleanup, no ack
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == "running", "killed mid-run: the row still says running"
    assert Achievement.objects.filter(title__startswith="停电测试成果").count() == 0, (
        "all or nothing: the killed run's rows were rolled back"
    )

    worker.start()
    # An hour later the run is stale (acks_late keeps the message for the same visibility
    # timeout); the import sweep of the beat schedule runs the job again.
    ImportJob.objects.filter(pk=job_id).update(started_at=timezone.now() - dt.timedelta(minutes=61))
    _beat_once()
    _wait_for(
        "the import done after the restart",
        lambda: ImportJob.objects.get(pk=job_id).status == "done",
        240,
    )
    job = ImportJob.objects.get(pk=job_id)
    assert (job.created_count, job.updated_count) == (rows, 0)
    assert Achievement.objects.filter(title__startswith="停电测试成果").count() == rows

    _beat_once()  # a late duplicate changes nothing
    time.sleep(3)
    assert Achievement.objects.filter(title__startswith="停电测试成果").count() == rows
