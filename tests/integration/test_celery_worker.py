"""A real Celery worker on the machine's Redis runs the stalled-deal sweep against PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from deals.models import Escalation, EscalationKind

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


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
