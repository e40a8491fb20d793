"""What the followup app adds to the deals' board, list and API (registered in apps.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from followup.registration import DeadlineStatus, deadlines_for_deals


def registration_flags(deal_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """A red flag on each deal whose contract is past its registration deadline, a grey one where
    the deadline is unknown (past the holiday calendar)."""
    out: dict[int, list[dict[str, str]]] = {}
    for deal_id, deadline in deadlines_for_deals(deal_ids).items():
        if deadline.status == DeadlineStatus.OVERDUE:
            text = _("登记超期（%(due)s 到期）") % {"due": deadline.due_on}
            out[deal_id] = [{"level": "overdue", "text": text, "code": "registration_overdue"}]
        elif deadline.status == DeadlineStatus.UNKNOWN:
            text = _("登记期限未知")
            out[deal_id] = [{"level": "muted", "text": text, "code": "registration_unknown"}]
    return out


def registration_field(deal_ids: list[int]) -> dict[int, Any]:
    """The deal API's `registration_deadline`: {"due_on", "status", "overdue", ...} or null."""
    return {deal_id: d.as_dict() for deal_id, d in deadlines_for_deals(deal_ids).items()}
