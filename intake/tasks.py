"""Background work of public submissions: the submitter's e-mails. Thin and idempotent."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from intake import services


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def send_receipt(submission_id: int) -> bool:
    return services.submission_send_receipt(submission_id=submission_id)


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def send_decision(submission_id: int) -> bool:
    return services.submission_send_decision(submission_id=submission_id)


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def sweep_submission_mail() -> int:
    """Periodic: receipts and decisions whose mail was lost."""
    return services.submissions_sweep_mail()
