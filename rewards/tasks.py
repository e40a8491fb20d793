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
def compute_payment_reward(payment_id: int, actor_id: int | None = None) -> int:
    """A payment was recorded: compute the partial rewards its deal owes (all of the deal's
    payments without one, in order). Nothing when the deal is not registered yet (the
    registration computes them) or its policy does not pay on money received. Idempotent."""
    from payments.models import Payment
    from rewards.services import rewards_compute_batch

    deal_id = Payment.objects.filter(pk=payment_id).values_list("deal_id", flat=True).first()
    if deal_id is None:
        return 0
    result = rewards_compute_batch(
        deal_ids=[deal_id], actor=_actor(actor_id), reason="到账后自动核算"
    )
    return result.partials


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


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def sweep_unrewarded_payments() -> int:
    """Periodic: payments of registered deals without their partial reward (a lost enqueue, a
    worker down) get it now. Idempotent: a computed payment is never computed twice (one
    active reward per payment)."""
    from rewards.selectors import deals_with_unrewarded_payments
    from rewards.services import rewards_compute_batch

    ids = list(deals_with_unrewarded_payments().values_list("pk", flat=True))
    return rewards_compute_batch(deal_ids=ids, reason="定期巡检补算到账奖励").partials


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def sweep_cancelled_registrations() -> int:
    """Periodic: the rewards of deals whose registration was cancelled are voided or clawed back
    if the task sent on the cancellation was lost (idempotent: a done deal has no active reward,
    so it is not found again)."""
    from rewards.selectors import deals_rewarded_after_deregistration
    from rewards.services import reward_registration_cancelled

    ids = list(deals_rewarded_after_deregistration().values_list("pk", flat=True)[:500])
    for deal_id in ids:
        reward_registration_cancelled(
            deal_id=deal_id, actor=None, reason="定期巡检：合同登记已撤销"
        )
    return len(ids)
