"""Background work of the pipeline. Tasks are thin and idempotent: load, call the service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from deals import services


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def sweep_stalled_deals() -> int:
    """Periodic (beat, every 15 min): escalate overdue deals and unanswered requests."""
    return services.deals_sweep_stalled()


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def sweep_meetings_tomorrow() -> int:
    """Periodic (beat, every 30 min): the day-before notification of planned talks and meetings."""
    return services.activities_sweep_tomorrow()
