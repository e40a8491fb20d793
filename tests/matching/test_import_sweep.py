"""The import sweep: a job whose task was lost (broker down) or whose worker died runs again,
once; a job that keeps failing for a day is failed with the reason; the beat schedule runs it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deals.matching import services
from deals.matching.models import ImportJob
from deals.models import Achievement
from tests.matching.test_import import ACH_HEADER, ACH_ROWS, _csv

pytestmark = pytest.mark.django_db


def _queued_job(broker, settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A job created while the broker was down: its run_import was never sent."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(services, "enqueue_on_commit", lambda *a, **k: None)
    upload = SimpleUploadedFile("a.csv", _csv(ACH_HEADER, [ACH_ROWS[0], ACH_ROWS[5]]))
    return services.import_job_create(actor=broker, kind="achievement", upload=upload)


def _age(job: ImportJob, **fields: dt.timedelta) -> None:
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(**{k: now - v for k, v in fields.items()})


def test_a_job_queued_while_the_broker_was_down_is_run_by_the_sweep_exactly_once(
    broker, settings, tmp_path, monkeypatch
):
    job = _queued_job(broker, settings, tmp_path, monkeypatch)
    assert services.import_jobs_sweep() == 0, "a job just queued is left to its own task"
    _age(job, created_at=dt.timedelta(minutes=6))

    assert services.import_jobs_sweep() == 1
    assert services.import_jobs_sweep() == 0, "a second sweep finds nothing left"
    job.refresh_from_db()
    assert (job.status, job.created_count, Achievement.objects.count()) == ("done", 2, 2)


def test_a_job_whose_worker_died_mid_run_is_run_again_from_the_top(
    broker, settings, tmp_path, monkeypatch
):
    job = _queued_job(broker, settings, tmp_path, monkeypatch)
    # The worker claimed it and died: its transaction rolled back, the row says running.
    ImportJob.objects.filter(pk=job.pk).update(status="running", progress=0)
    _age(job, created_at=dt.timedelta(minutes=70), started_at=dt.timedelta(minutes=59))
    assert services.import_jobs_sweep() == 0, "running for less than an hour: maybe still alive"
    _age(job, started_at=dt.timedelta(minutes=61))

    assert services.import_jobs_sweep() == 1
    job.refresh_from_db()
    assert (job.status, job.created_count, Achievement.objects.count()) == ("done", 2, 2)


def test_a_job_unfinished_after_a_day_is_failed_with_the_reason(
    broker, settings, tmp_path, monkeypatch
):
    job = _queued_job(broker, settings, tmp_path, monkeypatch)
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    _age(job, created_at=dt.timedelta(hours=25), started_at=dt.timedelta(hours=2))

    assert services.import_jobs_sweep() == 1
    job.refresh_from_db()
    assert job.status == "failed" and "24 小时" in job.failure
    assert Achievement.objects.count() == 0


def test_the_beat_schedule_runs_every_sweep_task_that_exists():
    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    sweeps = {name for name in app.tasks if "sweep" in name.rsplit(".", 1)[-1]}
    assert "deals.matching.sweep_import_jobs" in scheduled
    assert sweeps <= scheduled, sweeps - scheduled
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)
