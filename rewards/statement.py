"""A broker's annual reward statement (年度奖励对账单) as a Chinese PDF (WeasyPrint)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from weasyprint import HTML

from brokers.models import User
from brokers.regions import region_name
from common.language import in_chinese
from contracts.amounts import amount_in_words
from contracts.pdf.render import LocalOnlyFetcher as ContractFetcher
from rewards.explain import explanation_text
from rewards.models import Basis, Clawback, Reward, RewardStatus

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "rewards"
FONT_FAMILY = "Noto Sans CJK SC"
ZERO = Decimal("0.00")


class LocalOnlyFetcher(ContractFetcher):
    """The statement carries user text (deal titles, names): the renderer may read this
    template directory's files and nothing else (no http://, no other file)."""

    root = TEMPLATE_DIR


def yuan(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f}"


def capitals(amount: Decimal) -> str:
    """人民币大写, e.g. 18518.52 → 壹万捌仟伍佰壹拾捌元伍角贰分 (the contracts' own function, so a
    statement and a contract never write the same amount two ways)."""
    return amount_in_words(amount)


@dataclass
class Statement:
    broker: User
    year: int
    lines: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)


def statement_build(*, broker: User, year: int, rewards: QuerySet[Reward]) -> Statement:
    """The broker's lines of `year` among `rewards` (already limited to what the viewer may see)."""
    # The statement is a Chinese document: its labels and explanations are worded here.
    with in_chinese():
        statement = Statement(broker=broker, year=year)
        totals = {
            "owed": ZERO,
            "pending": ZERO,
            "approved": ZERO,
            "paid": ZERO,
            "clawed_back": ZERO,
        }
        qs = rewards.filter(year=year, shares__user=broker).order_by("registered_on", "id")
        for reward in qs:
            share = next((s for s in reward.shares.all() if s.user_id == broker.pk), None)
            if share is None:
                continue
            try:
                clawback: Clawback | None = reward.clawback
            except Clawback.DoesNotExist:
                clawback = None
            amount = share.amount
            if reward.status in (RewardStatus.CALCULATED, RewardStatus.APPROVED, RewardStatus.PAID):
                totals["owed"] += amount
            if reward.status == RewardStatus.CALCULATED:
                totals["pending"] += amount
            if reward.status == RewardStatus.APPROVED:
                totals["approved"] += amount
            if reward.status == RewardStatus.PAID:
                totals["paid"] += amount
            if clawback is not None:
                totals["clawed_back"] += amount
                totals["owed"] -= amount
            statement.lines.append(
                {
                    "reward": reward,
                    "deal_title": reward.deal.title,
                    "region": region_name(reward.region),
                    "registered_on": reward.registered_on,
                    "policy": reward.policy.name if reward.policy else "",
                    "basis": Basis(reward.basis).label if reward.basis else "",
                    "basis_amount": yuan(reward.basis_amount),
                    "total": yuan(reward.amount),
                    "share": share.share,
                    "allocated": yuan(share.allocated),
                    "amount": yuan(amount),
                    "capped": amount != share.allocated,
                    "status": RewardStatus(reward.status).label,
                    "paid_on": reward.paid_on,
                    "reference": reward.payment_reference,
                    "clawback": clawback,
                    "explanation": explanation_text(reward.explanation),
                }
            )
        statement.totals = totals
        return statement


def statement_pdf(statement: Statement) -> bytes:
    # Chinese whatever the interface speaks; the lines' labels are lazy and resolve here.
    with in_chinese():
        html = render_to_string(
            "rewards/statement.html",
            {
                "s": statement,
                "totals": {key: yuan(value) for key, value in statement.totals.items()},
                "font_family": FONT_FAMILY,
                "owed_capitals": capitals(statement.totals["owed"]),
                "paid_capitals": capitals(statement.totals["paid"]),
            },
        )
    document = HTML(
        string=html,
        base_url=TEMPLATE_DIR.as_uri() + "/",
        url_fetcher=LocalOnlyFetcher(allowed_protocols=["file"]),
    ).render()
    buffer = io.BytesIO()
    # A fixed identifier: the same statement renders to the same bytes.
    document.write_pdf(buffer, pdf_identifier=f"{statement.broker.pk}:{statement.year}".encode())
    return buffer.getvalue()
