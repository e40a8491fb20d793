"""The registration deadline (登记期限): a signed contract is registered within
`settings.REGISTRATION_DEADLINE_WORKDAYS` Chinese working days of its signing (default 30).

The signing day does not count; the deadline is the N-th working day after it (holidays and
adjusted working weekends from `common.workdays`), and the contract is overdue from the next day
on (Asia/Shanghai) while it has no registration. A deadline that falls past the holiday calendar's
last published year is *unknown*, never guessed: the deal page says so, nothing is flagged or
notified for it, and `manage.py check` warns that the data runs out. Installing a calendar with
the next year computes it (nothing is stored).

Only a contract that was signed and never registered has a running deadline: a contract whose
registration was cancelled waits for a new version, whose own signing starts a new deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common import workdays
from contracts.models import Contract, ContractStatus
from deals.models import DealState


class DeadlineStatus(StrEnum):
    RUNNING = "running"  # signed, not registered, deadline ahead (or today)
    OVERDUE = "overdue"  # signed, not registered, deadline passed
    UNKNOWN = "unknown"  # signed, not registered, deadline past the holiday calendar's data
    MET = "met"  # registered on or before the deadline
    LATE = "late"  # registered, after the deadline


@dataclass(frozen=True)
class RegistrationDeadline:
    contract_id: int
    deal_id: int
    signed_on: dt.date
    due_on: dt.date | None
    registered_on: dt.date | None
    status: DeadlineStatus

    @property
    def overdue(self) -> bool:
        return self.status == DeadlineStatus.OVERDUE

    def as_dict(self) -> dict[str, object]:
        return {
            "contract": self.contract_id,
            "signed_on": self.signed_on,
            "due_on": self.due_on,
            "registered_on": self.registered_on,
            "status": str(self.status),
            "overdue": self.overdue,
            "text": self.text(),
        }

    def text(self) -> str:
        if self.status == DeadlineStatus.UNKNOWN:
            return _(
                "登记期限未知：签署后第 %(n)s 个工作日超出节假日数据的范围（至 %(last)s），"
                "请升级 chinese-calendar。"
            ) % {"n": deadline_workdays(), "last": workdays.covered_range()[1]}
        if self.status == DeadlineStatus.OVERDUE:
            return _("合同登记超期（%(due)s 到期）") % {"due": self.due_on}
        if self.status == DeadlineStatus.RUNNING:
            return _("合同应于 %(due)s 前登记") % {"due": self.due_on}
        if self.status == DeadlineStatus.LATE:
            return _("逾期登记（期限 %(due)s，登记于 %(on)s）") % {
                "due": self.due_on,
                "on": self.registered_on,
            }
        if self.due_on is None:
            return _("已登记")
        return _("按期登记（期限 %(due)s）") % {"due": self.due_on}


def deadline_workdays() -> int:
    return int(getattr(settings, "REGISTRATION_DEADLINE_WORKDAYS", 30))


def registration_due_on(signed_on: dt.date) -> dt.date | None:
    """The last day to register a contract signed on `signed_on` (None: past the calendar)."""
    try:
        return workdays.nth_workday_after(signed_on, deadline_workdays())
    except workdays.WorkdaysOutOfRange:
        return None


def deadline_of(contract: Contract, today: dt.date | None = None) -> RegistrationDeadline | None:
    """The contract's registration deadline, or None when it has none (a draft, a cancelled
    contract, a signed contract whose registration was cancelled)."""
    if contract.signed_on is None or contract.status == ContractStatus.CANCELLED:
        return None
    today = today or timezone.localdate()
    try:
        registration = contract.registration
    except ObjectDoesNotExist:
        registration = None
    due_on = registration_due_on(contract.signed_on)
    if registration is not None:
        if not registration.is_active:
            return None
        registered_on = registration.registered_on
        # Registered: met unless the deadline is known and was passed.
        late = due_on is not None and registered_on > due_on
        status = DeadlineStatus.LATE if late else DeadlineStatus.MET
        return RegistrationDeadline(
            contract.pk, contract.deal_id, contract.signed_on, due_on, registered_on, status
        )
    if due_on is None:
        status = DeadlineStatus.UNKNOWN
    elif today > due_on:
        status = DeadlineStatus.OVERDUE
    else:
        status = DeadlineStatus.RUNNING
    return RegistrationDeadline(
        contract.pk, contract.deal_id, contract.signed_on, due_on, None, status
    )


def _current_contracts(deal_ids: list[int]) -> QuerySet[Contract]:
    return Contract.objects.filter(deal_id__in=deal_ids, is_current=True).select_related(
        "registration"
    )


def deadlines_for_deals(
    deal_ids: list[int], today: dt.date | None = None
) -> dict[int, RegistrationDeadline]:
    """{deal_id: deadline of its current contract} in one query (deals without one are absent)."""
    today = today or timezone.localdate()
    out: dict[int, RegistrationDeadline] = {}
    for contract in _current_contracts(deal_ids):
        found = deadline_of(contract, today)
        if found is not None:
            out[contract.deal_id] = found
    return out


def overdue_registrations(today: dt.date | None = None) -> list[RegistrationDeadline]:
    """Every signed, never registered, current contract of an open deal past its deadline.

    N working days take at least N calendar days, so only contracts signed more than N days ago
    are candidates; the working-day count runs on those few."""
    today = today or timezone.localdate()
    candidates = (
        Contract.objects.filter(
            status=ContractStatus.SIGNED,
            is_current=True,
            registration__isnull=True,
            signed_on__lt=today - dt.timedelta(days=deadline_workdays()),
        )
        .exclude(deal__state=DealState.LOST)
        .select_related("registration")
        .order_by("id")
    )
    found = [deadline_of(c, today) for c in candidates]
    return [d for d in found if d is not None and d.overdue]
