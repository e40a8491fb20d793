"""Background work of the follow-up: thin and idempotent."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from followup import services


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def sweep_registration_deadlines() -> int:
    """Periodic (beat, hourly): announce contracts past their registration deadline, once each."""
    return services.registrations_sweep_overdue()
