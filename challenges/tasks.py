"""Background work of challenges: telling proposers the outcome. Thin and idempotent."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from challenges import services
from challenges.models import Challenge, ChallengeStatus


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def notify_proposers(challenge_id: int) -> int:
    return services.proposers_notify(challenge_id=challenge_id)


@shared_task(autoretry_for=(OperationalError, ConnectionError), retry_backoff=True, max_retries=5)
def sweep_unnotified_proposers() -> int:
    """Periodic: decided challenges whose outcome mail was lost (broker outage, mail server down)."""
    ids = (
        Challenge.objects.exclude(status=ChallengeStatus.OPEN)
        .filter(proposals__notified_at__isnull=True)
        .values_list("pk", flat=True)
        .distinct()
    )
    return sum(services.proposers_notify(challenge_id=pk) for pk in ids)
