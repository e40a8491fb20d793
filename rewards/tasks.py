"""Celery tasks of the rewards app: thin, idempotent, ids in, the services do the work."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from brokers.models import User

TRANSIENT = (OperationalError, ConnectionError)


def _actor(actor_id: int | None) -> User | None:
    return User.objects.filter(pk=actor_id).first() if actor_id else None


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def compute_reward(deal_id: int, actor_id: int | None = None) -> int | None:
    """A deal reached `registered`: compute its reward (a second run changes nothing)."""
    from rewards.exceptions import DealNotRegistered
    from rewards.services import reward_compute

    try:
        return reward_compute(deal_id=deal_id, actor=_actor(actor_id)).pk
    except DealNotRegistered:
        # Not an error to retry: the registration was cancelled before we ran.
        return None


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def registration_cancelled(deal_id: int, actor_id: int | None = None, reason: str = "") -> None:
    from rewards.services import reward_registration_cancelled

    reward_registration_cancelled(deal_id=deal_id, actor=_actor(actor_id), reason=reason)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def recompute_pending_rewards(actor_id: int | None = None) -> int:
    from rewards.services import rewards_recompute_pending

    return rewards_recompute_pending(actor=_actor(actor_id)).recomputed


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def sweep_registered_deals() -> int:
    """Periodic: compute what a lost enqueue missed (registered deals without a reward) and
    retry the rewards waiting for a policy."""
    from rewards.selectors import registered_deals_without_reward
    from rewards.services import rewards_compute_batch, rewards_recompute_pending

    ids = list(registered_deals_without_reward().values_list("pk", flat=True))
    result = rewards_compute_batch(deal_ids=ids, reason="定期巡检补算")
    rewards_recompute_pending()
    return result.computed + result.needs_policy
