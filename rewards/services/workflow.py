"""The finance workflow: approve a calculated reward, record its payment.

Four eyes: whoever approves or pays is finance of the deal's organisation (or an admin) and
never one of the reward's beneficiaries (`rewards.permissions`). Paid is final.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_fsm import ConcurrentTransition

from brokers.models import User
from common.dates import check_plausible
from common.exceptions import ConcurrentUpdate
from common.history import stamp
from rewards.exceptions import (
    PaymentInvalid,
    PaymentReferenceRequired,
    RewardImmutable,
    RewardStateConflict,
)
from rewards.models import Reward, RewardStatus
from rewards.permissions import decider_refusal, may_approve_reward, may_pay_reward


def _lock(reward_id: int) -> Reward:
    try:
        return Reward.objects.select_for_update().select_related("deal").get(pk=reward_id)
    except Reward.DoesNotExist as exc:
        raise Http404 from exc


def _refuse_paid(reward: Reward) -> None:
    if reward.status == RewardStatus.PAID:
        raise RewardImmutable(_("奖励已发放，不能再修改。"), blockers=[])


def reward_approve(*, reward_id: int, actor: User, comment: str = "") -> Reward:
    """Finance approves a calculated reward; never one they share in."""
    try:
        with transaction.atomic():
            reward = _lock(reward_id)
            if not may_approve_reward(actor, reward):
                raise decider_refusal(actor, reward)
            _refuse_paid(reward)
            if reward.status != RewardStatus.CALCULATED:
                raise RewardStateConflict(
                    _("只有“已核算”的奖励可以审核，当前为“%(s)s”。")
                    % {"s": RewardStatus(reward.status).label},
                    blockers=[],
                )
            reward.approve()
            reward.approved_by = actor
            reward.approved_at = timezone.now()
            stamp(reward, actor, comment.strip() or gettext_noop("财务审核通过"))
            reward.save()
    except ConcurrentTransition as exc:
        raise ConcurrentUpdate(_("奖励刚被别人处理过，请刷新后重试。")) from exc
    return reward


def reward_pay(
    *, reward_id: int, actor: User, paid_on: dt.date, reference: str, comment: str = ""
) -> Reward:
    """Record the payment of an approved reward (date, reference); from then on it never changes."""
    reference = (reference or "").strip()
    try:
        with transaction.atomic():
            reward = _lock(reward_id)
            # Who asks comes first: someone who may not pay learns nothing from the body.
            if not may_pay_reward(actor, reward):
                raise decider_refusal(actor, reward)
            if not reference:
                raise PaymentReferenceRequired(_("请填写付款凭证号（reference）。"))
            if len(reference) > 100:
                raise PaymentInvalid(_("付款凭证号不能超过 100 个字符。"))
            check_plausible(paid_on, "paid_on")
            if paid_on > timezone.localdate():
                raise PaymentInvalid(_("发放日期不能晚于今天。"))
            _refuse_paid(reward)
            if reward.status != RewardStatus.APPROVED:
                raise RewardStateConflict(
                    _("只有“已审核”的奖励可以发放，当前为“%(s)s”。")
                    % {"s": RewardStatus(reward.status).label},
                    blockers=[],
                )
            if reward.approved_at and paid_on < timezone.localdate(reward.approved_at):
                raise PaymentInvalid(_("发放日期不能早于审核日期。"))
            reward.pay()
            reward.paid_by = actor
            reward.paid_on = paid_on
            reward.payment_reference = reference
            stamp(reward, actor, comment.strip() or f"已发放，凭证 {reference}")
            reward.save()
    except ConcurrentTransition as exc:
        raise ConcurrentUpdate(_("奖励刚被别人处理过，请刷新后重试。")) from exc
    return reward
