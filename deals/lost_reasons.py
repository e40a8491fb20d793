"""The configured reasons for closing a deal as lost (`settings.LOST_REASONS`): a stable code,
its label, and `other`, whose reason is given in words."""

from __future__ import annotations

from django.conf import settings

OTHER = "other"


def lost_reason_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in settings.LOST_REASONS]


def lost_reason_label(code: str) -> str:
    """The label of a code; an unknown (retired) code shows as itself, an empty one as ''."""
    if not code:  # most deals: no need to translate the whole list (a page lists 50 of them)
        return ""
    return dict(lost_reason_choices()).get(code, code)


def lost_reason_known(code: str) -> bool:
    return code in dict(lost_reason_choices())
