"""Template helpers of the contract pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("contracts/_panel_messages.html", takes_context=True)
def panel_messages(context: Any, tag: str) -> dict[str, Any]:
    """The messages of one form (tagged "panel-<form>"), shown at that form; none: no list."""
    found = [m for m in context.get("messages") or [] if tag in m.extra_tags.split()]
    return {"panel_messages": found}
