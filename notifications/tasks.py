"""E-mail of notifications: thin, idempotent tasks around the services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from notifications import services


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def send_immediate_emails() -> int:
    return services.emails_send_immediate()


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def send_daily_digests() -> int:
    """Periodic (beat, every morning): the digest e-mails, and any immediate ones left behind."""
    return services.emails_send_digests()
