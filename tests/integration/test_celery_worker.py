"""A real Celery worker on the machine's Redis runs the stalled-deal sweep against PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from config.celery import app
from deals.models import Escalation, EscalationKind

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(postgres, redis_url):  # type: ignore[no-untyped-def]
    import celery.contrib.testing.tasks  # noqa: F401  (registers the ping task start_worker checks)
    from celery.contrib.testing.worker import start_worker

    previous = {
        key: app.conf[key]
        for key in ("broker_url", "result_backend", "task_always_eager", "task_eager_propagates")
    }
    app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        task_always_eager=False,
        task_eager_propagates=False,
    )
    # The app caches its broker connection pool; a fresh one picks up the Redis URL.
    app._pool = None
    try:
        with start_worker(app, pool="solo", perform_ping_check=True, shutdown_timeout=20) as worker:
            yield worker
    finally:
        app.conf.update(previous)
        app._pool = None


def test_sweep_task_runs_on_a_real_worker_and_is_idempotent(real_worker, deal, supervisor):
    from deals.tasks import sweep_stalled_deals

    deal.due_at = timezone.now() - dt.timedelta(days=2)
    deal.save(update_fields=["due_at"])

    first = sweep_stalled_deals.delay().get(timeout=30)
    second = sweep_stalled_deals.delay().get(timeout=30)

    assert first == 1
    assert second == 0, "running the sweep again escalates nothing twice"
    escalation = Escalation.objects.get(deal=deal)
    assert escalation.kind == EscalationKind.STAGE_OVERDUE
    assert "超期" in escalation.message
