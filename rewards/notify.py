"""Rewards tell their brokers when a reward is computed, approved and paid, and the
organisation's finance people when one waits for approval (each once per reward and status)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from brokers.models import Role, User
from common.language import written_in_chinese
from notifications import kinds
from notifications.services import Note, Recipients, finance_of, notify, notify_many
from rewards.models import Reward, RewardShare, RewardStatus
from rewards.selectors import id_filter

_TEXT = {
    RewardStatus.CALCULATED: (kinds.REWARD_COMPUTED, "“%(deal)s”的奖励已核算：%(amount)s 元。"),
    RewardStatus.APPROVED: (kinds.REWARD_APPROVED, "“%(deal)s”的奖励已审核：%(amount)s 元。"),
    RewardStatus.PAID: (kinds.REWARD_PAID, "“%(deal)s”的奖励已发放：%(amount)s 元。"),
}


@written_in_chinese
def rewards_computed(*, reward_ids: list[int]) -> None:
    """Rewards the batch computation wrote with SQL (no post_save): three queries, one notify.
    Plain values, not model instances: a batch announces 10^5 rewards, and loading each one's
    explanation only to word a sentence cost more than computing it."""
    wanted = set(reward_ids)
    # A batch's new ids are (nearly) contiguous: a range, not 10^4 bound values (`id_filter`).
    rewards = [
        row
        for row in Reward.objects.filter(
            id_filter("pk", reward_ids), status=RewardStatus.CALCULATED
        ).values_list(
            "pk", "deal_id", "deal__title", "deal__organisation_id", "amount", "payment_id",
            "basis_amount",
        )
        if row[0] in wanted
    ]  # fmt: skip
    if not rewards:
        return
    brokers: dict[int, list[int]] = {}
    for reward_id, user_id in RewardShare.objects.filter(
        id_filter("reward_id", reward_ids)
    ).values_list("reward_id", "user_id"):
        if reward_id in wanted:
            brokers.setdefault(reward_id, []).append(user_id)
    finance: dict[int, list[int]] = {}
    orgs = {row[3] for row in rewards}
    for org_id, user_id in (
        User.objects.filter(organisation_id__in=orgs, role=Role.FINANCE, is_active=True)
    ).values_list("organisation_id", "pk"):
        finance.setdefault(org_id, []).append(user_id)
    url = reverse("ledger")
    # Looked up once per batch, not once per reward (10^5 gettext calls cost a second).
    whole_text = _("“%(deal)s”的奖励已核算：%(amount)s 元。")
    partial_text = _("“%(deal)s”收到 %(received)s 元到账，对应奖励已核算：%(amount)s 元。")
    waiting_text = _("“%(deal)s”的奖励 %(amount)s 元待审核。")
    items: list[tuple[Recipients, Note]] = []
    for pk, deal_id, title, org_id, amount, payment_id, basis_amount in rewards:
        facts = {"deal": title, "amount": f"{amount:,.2f}"}
        if payment_id is not None and basis_amount is not None:  # a partial reward
            text = partial_text % {**facts, "received": f"{basis_amount:,.2f}"}
        else:
            text = whole_text % facts
        items.append(
            (
                brokers.get(pk, []),
                Note(
                    kind=kinds.REWARD_COMPUTED,
                    text=text,
                    key=f"reward-{pk}-calculated",
                    deal_id=deal_id,
                    url=url,
                ),
            )
        )
        items.append(
            (
                finance.get(org_id, []),
                Note(
                    kind=kinds.REWARD_WAITING,
                    text=waiting_text % facts,
                    key=f"reward-{pk}-waiting",
                    deal_id=deal_id,
                    url=url,
                ),
            )
        )
    notify_many(items)


@written_in_chinese
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
