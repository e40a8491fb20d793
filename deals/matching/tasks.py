"""Celery tasks of the matching engine: thin, idempotent, scheduled after commit, ids passed."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from celery import shared_task
from django.db import OperationalError

from common.tasks import enqueue_on_commit
from deals.matching.models import MatchKind

# The bulk import records its changes once per batch instead of one task per row.
_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "match_suppressed", default=False
)


@contextmanager
def index_updates_suppressed() -> Iterator[None]:
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def schedule_index_update(kind: str, obj_id: int) -> None:
    """After the current transaction commits, record that this achievement/need changed."""
    if _suppressed.get():
        return
    kind = MatchKind(kind).value
    # The periodic sweep below records what a broker outage lost.
    enqueue_on_commit(update_match_index, kind, [obj_id])


@shared_task(
    name="deals.matching.update_match_index",
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def update_match_index(kind: str, obj_ids: list[int]) -> int:
    """Embed the changed documents (sentence vectors), then append the ids to the change log
    (workers re-read them before their next query); once enough changes pile up past the
    snapshot, ask for a new one."""
    from common.tasks import enqueue
    from deals.matching.index import (
        SNAPSHOT_EVERY,
        pending_changes,
        record_changes,
        store_vectors,
    )

    # Vectors first: a process that sees the change in the log then finds its vector stored.
    store_vectors(kind, obj_ids)
    version = record_changes(kind, obj_ids)
    if pending_changes(kind) >= SNAPSHOT_EVERY:
        enqueue(build_match_snapshot, kind)
    return version


@shared_task(
    name="deals.matching.build_match_snapshot",
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
)
def build_match_snapshot(kind: str) -> int:
    """A new index snapshot from the database (queries go on with the old one meanwhile);
    nothing when another process is building one. Returns the documents indexed."""
    from deals.matching.index import snapshot_build

    snapshot = snapshot_build(kind, wait=False)
    return snapshot.documents if snapshot else 0


@shared_task(
    name="deals.matching.run_import",
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
)
def run_import(job_id: int) -> None:
    from deals.matching.services import import_job_run

    import_job_run(job_id=job_id)


@shared_task(name="deals.matching.sweep_missed_changes")
def sweep_missed_changes(window_minutes: int = 30) -> int:
    """Periodic: record achievements and needs saved lately whose index update was lost."""
    from deals.matching.services import index_sweep_missed

    return index_sweep_missed(window_minutes=window_minutes)


@shared_task(name="deals.matching.sweep_import_jobs")
def sweep_import_jobs() -> int:
    """Periodic: imports whose task was lost or whose worker died run again (or fail for good)."""
    from deals.matching.services import import_jobs_sweep

    return import_jobs_sweep()
