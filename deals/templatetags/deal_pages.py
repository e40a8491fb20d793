"""Small display helpers for the pages: money, regions, state badges, a form's messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from brokers.industries import industry_label
from brokers.regions import region_name as _region_name
from deals import permissions
from deals.models import DealState

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """1234567.8 → "1,234,567.80" (money is shown exactly, never through float)."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount:,.2f}"


@register.filter
def region_name(code: str) -> str:
    if not code:
        return "—"
    name = _region_name(code)
    if not name or name == code:
        return code
    return gettext("%(name)s（%(code)s）") % {"name": name, "code": code}


@register.filter
def industry_name(code: str) -> str:
    """An industry code as its label in the page's language ("—" when there is none)."""
    return industry_label(code) if code else "—"


@register.simple_tag
def state_badge(state: str) -> SafeString:
    label: str
    try:
        label = str(DealState(state).label)
    except ValueError:
        label = state
    return format_html('<span class="badge state-{}">{}</span>', state, label)


@register.filter
def days_ago(value: dt.datetime | None) -> int:
    """Whole days since a moment: stage ages read better in days than as "1 周，5 日"."""
    if value is None:
        return 0
    return max((timezone.now() - value).days, 0)


@register.filter
def percent(value: Any) -> str:
    """A 0..1 score as a whole percentage (for the match score bar)."""
    try:
        return f"{round(float(value) * 100)}"
    except (TypeError, ValueError):
        return "0"


@register.filter
def may_see_queue(user: Any) -> bool:
    """The navigation asks deals.permissions, like every other door (never `user.role` inline)."""
    return bool(getattr(user, "is_authenticated", False)) and permissions.may_see_queue(user)


@register.filter
def may_edit_record(user: Any, record: Any) -> bool:
    """Offer "编辑" on a need or achievement only to who may edit it (the same predicate)."""
    return bool(getattr(user, "is_authenticated", False)) and permissions.may_edit_catalogue_record(
        user, record
    )


@register.filter
def may_write_catalogue(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and permissions.may_write_catalogue(user)


@register.inclusion_tag("_panel_messages.html", takes_context=True)
def panel_messages(context: Any, tag: str) -> dict[str, Any]:
    """The messages of one form (tagged "panel-<form>", `common.pages.panel_tags`), shown at that
    form; none: no list."""
    found = [m for m in context.get("messages") or [] if tag in m.extra_tags.split()]
    return {"panel_messages": found}
