"""A cancelled registration: an unpaid reward is voided, a paid one gets a clawback (the paid
row itself stays as it was). Either way the reward stops counting towards yearly caps."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from brokers.models import User
from common.history import stamp
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


def reward_registration_cancelled(
    *, deal_id: int, actor: User | None, reason: str
) -> Reward | None:
    """Void the deal's unpaid reward, or record the clawback of its paid one. Idempotent."""
    reason = (reason or "").strip() or "合同登记已撤销"
    with transaction.atomic():
        reward = Reward.objects.select_for_update().filter(deal_id=deal_id, active=True).first()
        if reward is None:
            return Reward.objects.filter(deal_id=deal_id).order_by("-id").first()
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
