"""Rewards tell their brokers when a reward is computed, approved and paid, and the
organisation's finance people when one waits for approval (each once per reward and status)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from brokers.models import Role, User
from notifications import kinds
from notifications.services import Note, Recipients, finance_of, notify, notify_many
from rewards.models import Reward, RewardShare, RewardStatus

_TEXT = {
    RewardStatus.CALCULATED: (kinds.REWARD_COMPUTED, "“%(deal)s”的奖励已核算：%(amount)s 元。"),
    RewardStatus.APPROVED: (kinds.REWARD_APPROVED, "“%(deal)s”的奖励已审核：%(amount)s 元。"),
    RewardStatus.PAID: (kinds.REWARD_PAID, "“%(deal)s”的奖励已发放：%(amount)s 元。"),
}


def _computed_text(reward: Reward) -> str:
    facts = {"deal": reward.deal.title, "amount": f"{reward.amount:,.2f}"}
    if reward.payment_id is not None and reward.basis_amount is not None:
        # A partial reward: which money it rewards.
        return _("“%(deal)s”收到 %(received)s 元到账，对应奖励已核算：%(amount)s 元。") % {
            **facts,
            "received": f"{reward.basis_amount:,.2f}",
        }
    return _("“%(deal)s”的奖励已核算：%(amount)s 元。") % facts


def rewards_computed(*, reward_ids: list[int]) -> None:
    """Rewards the batch computation wrote with SQL (no post_save): three queries, one notify."""
    rewards = list(
        Reward.objects.filter(pk__in=reward_ids, status=RewardStatus.CALCULATED).select_related(
            "deal"
        )
    )
    if not rewards:
        return
    brokers: dict[int, list[int]] = {}
    for reward_id, user_id in RewardShare.objects.filter(reward__in=rewards).values_list(
        "reward_id", "user_id"
    ):
        brokers.setdefault(reward_id, []).append(user_id)
    finance: dict[int, list[int]] = {}
    orgs = {r.deal.organisation_id for r in rewards}
    for org_id, user_id in (
        User.objects.filter(organisation_id__in=orgs, role=Role.FINANCE, is_active=True)
    ).values_list("organisation_id", "pk"):
        finance.setdefault(org_id, []).append(user_id)
    url = reverse("ledger")
    items: list[tuple[Recipients, Note]] = []
    for r in rewards:
        facts = {"deal": r.deal.title, "amount": f"{r.amount:,.2f}"}
        items.append(
            (
                brokers.get(r.pk, []),
                Note(
                    kind=kinds.REWARD_COMPUTED,
                    text=_computed_text(r),
                    key=f"reward-{r.pk}-calculated",
                    deal_id=r.deal_id,
                    url=url,
                ),
            )
        )
        items.append(
            (
                finance.get(r.deal.organisation_id, []),
                Note(
                    kind=kinds.REWARD_WAITING,
                    text=_("“%(deal)s”的奖励 %(amount)s 元待审核。") % facts,
                    key=f"reward-{r.pk}-waiting",
                    deal_id=r.deal_id,
                    url=url,
                ),
            )
        )
    notify_many(items)


def reward_saved(sender: Any, instance: Reward, **kwargs: Any) -> None:
    entry = _TEXT.get(RewardStatus(instance.status)) if instance.status in _TEXT else None
    if entry is None:
        return
    kind, text = entry
    reward_id, deal = instance.pk, instance.deal
    facts = {"deal": deal.title, "amount": f"{instance.amount:,.2f}"}
    url = reverse("ledger")
    notify(
        # The shares are written after the reward row: read them when the transaction commits.
        recipients=lambda: RewardShare.objects.filter(reward_id=reward_id).values_list(
            "user_id", flat=True
        ),
        kind=kind,
        text=_(text) % facts,
        key=f"reward-{reward_id}-{instance.status}",
        deal_id=deal.pk,
        url=url,
    )
    if instance.status == RewardStatus.CALCULATED:
        notify(
            recipients=lambda: finance_of(deal.organisation_id),
            kind=kinds.REWARD_WAITING,
            text=_("“%(deal)s”的奖励 %(amount)s 元待审核。") % facts,
            key=f"reward-{reward_id}-waiting",
            deal_id=deal.pk,
            url=url,
        )
