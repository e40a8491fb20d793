"""A cancelled registration or a reversed payment: an unpaid reward is voided, a paid one gets a
clawback (the paid row itself stays as it was). Either way the reward stops being active and
stops counting towards yearly caps."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from brokers.models import User
from common.history import stamp
from deals.models import DealBroker
from rewards.models import Clawback, Reward, RewardStatus, RewardYearTotal


def _take_off_year_totals(reward: Reward) -> None:
    """A voided or clawed-back reward no longer counts towards its people's yearly caps."""
    if reward.policy_id is None:
        return
    region = reward.policy.region if reward.policy else ""
    for share in reward.shares.all():
        RewardYearTotal.objects.filter(
            user_id=share.user_id, year=reward.year, region=region
        ).update(amount=F("amount") - share.amount)


def _deactivate(reward: Reward, actor: User | None, reason: str) -> Reward:
    """Void the (locked) reward if unpaid, or record the clawback of all of it if paid. Idempotent."""
    reward.active = False
    if reward.status == RewardStatus.VOID:
        stamp(reward, actor, reason)
        reward.save()
        return reward
    if reward.status == RewardStatus.PAID:
        if Clawback.objects.filter(reward=reward).exists():
            stamp(reward, actor, reason)
            reward.save()
        else:
            _take_off_year_totals(reward)
            clawback = Clawback(
                reward=reward, amount=reward.amount, reason=reason, created_by=actor
            )
            stamp(clawback, actor, reason)
            clawback.save()
            stamp(reward, actor, f"已追回：{reason}")
            reward.save()
        return reward
    if reward.status != RewardStatus.NEEDS_POLICY:
        _take_off_year_totals(reward)
    reward.void()
    reward.voided_at = timezone.now()
    reward.void_reason = reason
    stamp(reward, actor, reason)
    reward.save()
    return reward


def reward_registration_cancelled(
    *, deal_id: int, actor: User | None, reason: str
) -> Reward | None:
    """Void the deal's unpaid rewards, or record the clawback of its paid ones (the whole reward,
    or every partial reward on money received). Idempotent."""
    reason = (reason or "").strip() or "合同登记已撤销"
    with transaction.atomic():
        rewards = list(
            Reward.objects.select_for_update().filter(deal_id=deal_id, active=True).order_by("id")
        )
        if not rewards:
            return Reward.objects.filter(deal_id=deal_id).order_by("-id").first()
        for reward in rewards:
            _deactivate(reward, actor, reason)
    return rewards[-1]


def reward_payment_reversed(*, payment_id: int, actor: User | None, reason: str) -> Reward | None:
    """A payment was reversed: its partial reward is voided, or clawed back if already paid —
    exactly its own amount; the next payment's reward trues the deal up to the reward on what
    it has really received. Runs in the reversal's transaction (a reversal and its clawback are
    one fact). Idempotent."""
    reason = (reason or "").strip() or "到账已冲销"
    with transaction.atomic():
        reward = Reward.objects.filter(payment_id=payment_id, active=True).first()
        deal_id = reward.deal_id if reward is not None else None
        if deal_id is None:
            from payments.models import Payment

            deal_id = (
                Payment.objects.filter(pk=payment_id).values_list("deal_id", flat=True).first()
            )
        if deal_id is None:
            return None
        # The same people's locks the computation takes before it reads the payments: a reward
        # being computed for this payment right now is committed before we look, or sees the
        # payment reversed and is not computed (`computation._lock_people`).
        users = DealBroker.objects.filter(deal_id=deal_id).values_list("user_id", flat=True)
        list(User.objects.select_for_update().filter(pk__in=users).order_by("pk").values_list("pk"))
        reward = (
            Reward.objects.select_for_update().filter(payment_id=payment_id, active=True).first()
        )
        if reward is None:
            return None
        return _deactivate(reward, actor, f"到账冲销：{reason}")
