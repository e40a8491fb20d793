"""Reads of the follow-up. Everything is reached through the deal (`deal_get_for_user`: 404 for
what the user may not see) or, for the lists, through `deals_visible_to`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brokers.models import User
from common.language import stored_text
from contracts.models import Contract
from contracts.selectors import contract_for_deal
from deals.models import Deal, DealState
from deals.selectors import deals_visible_to
from followup.models import MILESTONE_ORDER, Milestone, MilestoneKind, Outcome, OutcomeResult, Visit
from payments.models import Payment
from payments.selectors import Instalment, schedule_status

# --- milestones ------------------------------------------------------------------------------------


@dataclass
class MilestoneRow:
    """One of the four milestones of a deal, recorded or not yet."""

    kind: str
    planned_on: dt.date | None = None
    actual_on: dt.date | None = None
    note: str = ""
    id: int | None = None
    updated_by: User | None = None
    updated_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        return str(MilestoneKind(self.kind).label)

    def overdue(self, today: dt.date) -> bool:
        return self.actual_on is None and self.planned_on is not None and self.planned_on < today


_AUTHOR = Milestone._meta.get_field("updated_by")


def milestone_rows(milestones: list[Milestone]) -> list[MilestoneRow]:
    """The four milestones in their order, recorded values filled in."""
    by_kind = {m.kind: m for m in milestones}
    rows = []
    for kind in MILESTONE_ORDER:
        m = by_kind.get(kind)
        rows.append(
            MilestoneRow(kind)
            if m is None
            else MilestoneRow(
                kind,
                m.planned_on,
                m.actual_on,
                m.note,
                m.pk,
                # Only when the query fetched it: a list of 10^4 deals must not load each author.
                m.updated_by if _AUTHOR.is_cached(m) else None,
                m.updated_at,
            )
        )
    return rows


def milestones_for_deal(deal: Deal) -> list[MilestoneRow]:
    return milestone_rows(list(Milestone.objects.filter(deal=deal).select_related("updated_by")))


def next_milestone(rows: list[MilestoneRow]) -> MilestoneRow | None:
    """The first milestone (in order) that has not happened yet."""
    return next((r for r in rows if r.actual_on is None), None)


def visits_for_deal(deal: Deal) -> list[Visit]:
    return list(Visit.objects.filter(deal=deal).select_related("created_by"))


def outcome_for_deal(deal: Deal) -> Outcome | None:
    return Outcome.objects.filter(deal=deal).select_related("updated_by").first()


# --- instalments -----------------------------------------------------------------------------------


def received_totals(deal_ids: list[int]) -> dict[int, Decimal]:
    """What each deal has received (its payments not reversed), in one query."""
    rows = (
        Payment.objects.filter(deal_id__in=deal_ids, reversed_at__isnull=True)
        .values("deal_id")
        .annotate(total=Sum("amount"))
    )
    out = dict.fromkeys(deal_ids, Decimal("0.00"))
    out.update({r["deal_id"]: r["total"] for r in rows})
    return out


def overdue_instalments(contract: Contract, received: Decimal, today: dt.date) -> list[Instalment]:
    """The contract's instalments past their date and not covered by the money received: the
    payments app's one rule (`payments.selectors.schedule_status`: money pays the instalments
    in the order they fall due; a lump sum without a schedule is due on the signing day), so the
    deal page's payments panel and the follow-up list always agree."""
    return schedule_status(contract, received=received, today=today).overdue


# --- the follow-up list ----------------------------------------------------------------------------


@dataclass
class FollowUpItem:
    deal: Deal
    contract: Contract | None
    next_milestone: MilestoneRow | None
    milestone_overdue: bool
    instalments: list[Instalment] = field(default_factory=list)

    @property
    def outstanding(self) -> Decimal:
        return sum((i.outstanding for i in self.instalments), Decimal("0.00"))


def follow_up_items(user: User, today: dt.date | None = None) -> list[FollowUpItem]:
    """Registered deals this user sees whose next milestone is past its planned date, or with an
    instalment due and not covered by the money received. Oldest lapse first.

    A deal whose outcome is recorded as completed or failed is no longer chased for milestones
    (there is nothing left to happen); its instalments still are."""
    today = today or timezone.localdate()
    # Plain values first (10^4 registered deals, 4·10^4 milestones); model instances only for the
    # deals that end up on the list.
    ids = list(
        deals_visible_to(user)
        .filter(state=DealState.REGISTERED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    contracts = {
        c.deal_id: c
        for c in Contract.objects.filter(deal_id__in=ids, is_current=True).only(
            "id", "deal_id", "number", "payment_schedule", "amount", "signed_on", "status"
        )
    }
    recorded: dict[int, dict[str, MilestoneRow]] = {}
    for deal_id, kind, planned_on, actual_on, note in Milestone.objects.filter(
        deal_id__in=ids
    ).values_list("deal_id", "kind", "planned_on", "actual_on", "note"):
        recorded.setdefault(deal_id, {})[kind] = MilestoneRow(kind, planned_on, actual_on, note)
    closed = set(
        Outcome.objects.filter(
            deal_id__in=ids, result__in=[OutcomeResult.COMPLETED, OutcomeResult.FAILED]
        ).values_list("deal_id", flat=True)
    )
    received = received_totals(ids)
    found = []
    for deal_id in ids:
        contract = contracts.get(deal_id)
        mine = recorded.get(deal_id, {})
        rows = [mine.get(kind) or MilestoneRow(kind) for kind in MILESTONE_ORDER]
        upcoming = next_milestone(rows) if deal_id not in closed else None
        late_milestone = upcoming is not None and upcoming.overdue(today)
        instalments = (
            overdue_instalments(contract, received[deal_id], today) if contract is not None else []
        )
        if late_milestone or instalments:
            found.append((deal_id, contract, upcoming, late_milestone, instalments))
    deals = Deal.objects.select_related("demand", "lead_broker").in_bulk([f[0] for f in found])
    items = [
        FollowUpItem(deals[deal_id], contract, upcoming, late, instalments)
        for deal_id, contract, upcoming, late, instalments in found
    ]

    def since(item: FollowUpItem) -> dt.date:
        dates = [i.due_on for i in item.instalments if i.due_on is not None]
        if item.milestone_overdue and item.next_milestone and item.next_milestone.planned_on:
            dates.append(item.next_milestone.planned_on)
        return min(dates, default=dt.date.max)

    items.sort(key=lambda i: (since(i), i.deal.pk))
    return items


# --- history ---------------------------------------------------------------------------------------


def _actor(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "username": user.username, "name": str(user)} if user else None


_EVENT_LABELS = {
    "milestone": gettext_lazy("实施里程碑"),
    "visit": gettext_lazy("回访"),
    "outcome": gettext_lazy("实施结果"),
}


def follow_up_history(deal: Deal) -> list[dict[str, Any]]:
    """Every recorded change of the deal's milestones, visits and outcome, oldest first:
    when, who, what (the values after the change) and why."""
    events: list[dict[str, Any]] = []
    for row in Milestone.history.filter(deal_id=deal.pk).select_related("history_user"):
        summary = _("%(kind)s：计划 %(planned)s，实际 %(actual)s") % {
            "kind": MilestoneKind(row.kind).label,
            "planned": row.planned_on or "—",
            "actual": row.actual_on or "—",
        }
        events.append(_event("milestone", row, summary))
    for row in Visit.history.filter(deal_id=deal.pk).select_related("history_user"):
        events.append(_event("visit", row, f"{row.visited_on} {row.visitors}"))
    for row in Outcome.history.filter(deal_id=deal.pk).select_related("history_user"):
        summary = _("%(result)s（%(date)s）") % {
            "result": OutcomeResult(row.result).label,
            "date": row.decided_on,
        }
        events.append(_event("outcome", row, summary))
    events.sort(key=lambda e: (e["at"], e["id"]))
    return events


def _event(kind: str, row: Any, summary: str) -> dict[str, Any]:
    return {
        "id": row.history_id,
        "at": row.history_date,
        "actor": _actor(row.history_user),
        "event": kind,
        "change": {"+": "created", "~": "changed", "-": "deleted"}[row.history_type],
        "summary": summary,
        "reason": stored_text(row.history_change_reason or ""),
    }


def deal_history_events(deal: Deal) -> list[dict[str, object]]:
    """The same changes in the shape of the deal's merged history (a registered source)."""
    return [
        {
            "at": e["at"],
            "actor": e["actor"],
            "event": f"follow_up_{e['event']}",
            "label": str(_EVENT_LABELS[e["event"]]),
            "from_state": None,
            "to_state": None,
            "comment": _("%(reason)s（%(summary)s）")
            % {"reason": e["reason"], "summary": e["summary"]}
            if e["reason"]
            else e["summary"],
        }
        for e in follow_up_history(deal)
    ]


def current_contract(deal: Deal) -> Contract | None:
    return contract_for_deal(deal.pk)
