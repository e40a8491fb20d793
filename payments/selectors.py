"""Reads of payments. Anything here is reached through the deal (`deal_get_for_user`: 404 for
what the user may not see)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import Http404

from brokers.models import User
from contracts.models import Contract
from deals.selectors import deal_get_for_user, on_visible_deal
from payments.models import Payment

ZERO = Decimal("0.00")


def payments_for_deal(deal_id: int) -> QuerySet[Payment]:
    """Every payment of the deal (every contract version), reversed ones included, in the order
    they were recorded."""
    return (
        Payment.objects.filter(deal_id=deal_id)
        .select_related("contract", "recorded_by", "reversed_by")
        .order_by("id")
    )


def payments_visible_to(user: User) -> QuerySet[Payment]:
    return Payment.objects.filter(on_visible_deal(user)).select_related(
        "deal", "contract", "recorded_by", "reversed_by"
    )


def payment_get_for_user(*, user: User, payment_id: int | str) -> Payment:
    """The payment if the user may see its deal; 404 otherwise."""
    try:
        payment = Payment.objects.select_related("contract", "deal").get(pk=int(payment_id))
    except (Payment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    deal_get_for_user(user=user, deal_id=payment.deal_id)
    return payment


def received_total(deal_id: int) -> Decimal:
    """What the deal has received: its payments that were not reversed."""
    total = Payment.objects.filter(deal_id=deal_id, reversed_at__isnull=True).aggregate(
        s=Sum("amount")
    )["s"]
    return total if total is not None else ZERO


@dataclass
class Instalment:
    """One row of the contract's payment schedule, and what has been received towards it."""

    number: int
    due_on: dt.date | None
    amount: Decimal
    note: str
    received: Decimal  # the part of the received money that covers this instalment
    status: str  # "paid", "partly_paid", "due", "overdue"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received


@dataclass
class ScheduleStatus:
    contract_amount: Decimal
    scheduled: Decimal
    received: Decimal
    instalments: list[Instalment] = field(default_factory=list)

    @property
    def outstanding(self) -> Decimal:
        return max(self.contract_amount - self.received, ZERO)

    @property
    def overdue(self) -> list[Instalment]:
        return [i for i in self.instalments if i.status == "overdue"]


def _schedule_rows(contract: Contract) -> list[tuple[dt.date | None, Decimal, str]]:
    rows: list[tuple[dt.date | None, Decimal, str]] = []
    for row in contract.payment_schedule or []:
        if not isinstance(row, dict):
            continue
        try:
            due = dt.date.fromisoformat(str(row.get("due_on"))) if row.get("due_on") else None
            amount = Decimal(str(row.get("amount")))
        except (ValueError, ArithmeticError):
            continue
        rows.append((due, amount, str(row.get("note") or "")))
    return rows


def schedule_status(contract: Contract, *, received: Decimal, today: dt.date) -> ScheduleStatus:
    """Scheduled against received. Money received pays the instalments in order (the earliest
    due first, as a bank statement would be read): an instalment is paid when the money received
    covers it and every instalment before it, overdue when its date has passed and it is not.
    A contract without a schedule (a lump sum) is one instalment of its whole amount, due on the
    day it was signed."""
    rows = _schedule_rows(contract)
    if not rows:
        rows = [(contract.signed_on, contract.amount, "")]
    rows.sort(key=lambda r: r[0] or dt.date.max)
    left = received
    instalments = []
    for number, (due, amount, note) in enumerate(rows, start=1):
        covered = min(amount, max(left, ZERO))
        left -= covered
        if covered >= amount:
            status = "paid"
        elif due is not None and due < today:
            status = "overdue"
        elif covered > 0:
            status = "partly_paid"
        else:
            status = "due"
        instalments.append(
            Instalment(
                number=number, due_on=due, amount=amount, note=note, received=covered, status=status
            )
        )
    return ScheduleStatus(
        contract_amount=contract.amount,
        scheduled=sum((r[1] for r in rows), ZERO),
        received=received,
        instalments=instalments,
    )
