"""Stage budgets and the request-answer rule, counted in Chinese working days (common.workdays).

A stage's budget (settings.STAGE_BUDGET_DAYS, working days) starts when the deal enters the stage;
time while the stage is paused does not count. `due_at` is the moment the budget runs out; when
that moment lies past the holiday calendar's last published year it is unknown (None) until the
calendar is upgraded: the sweep fills it in then, and fails loudly once *today* is past the data.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings

from common import workdays

logger = logging.getLogger(__name__)


def stage_budget_seconds(state: str) -> float | None:
    days = settings.STAGE_BUDGET_DAYS.get(state)
    return days * workdays.DAY if days else None


def stage_due_at(
    state: str, entered_at: dt.datetime, paused_seconds: float = 0.0
) -> dt.datetime | None:
    """When the stage's budget runs out (None: no budget, or past the holiday calendar)."""
    budget = stage_budget_seconds(state)
    if budget is None:
        return None
    try:
        return workdays.add_working_seconds(entered_at, budget + paused_seconds)
    except workdays.WorkdaysOutOfRange as exc:
        logger.warning("stage deadline unknown: %s", exc)
        return None


def paused_seconds(pauses: Iterable[object], now: dt.datetime) -> float:
    """Working time covered by these pauses (an open pause counts up to `now`)."""
    total = 0.0
    for pause in pauses:
        start = pause.started_at  # type: ignore[attr-defined]
        end = pause.ended_at or now  # type: ignore[attr-defined]
        total += workdays.working_seconds(start, end)
    return total


def request_is_unanswered(requested_at: dt.datetime, now: dt.datetime) -> bool:
    """A request waits too long once REQUEST_ANSWER_BUDGET_HOURS of working time have passed."""
    budget = settings.REQUEST_ANSWER_BUDGET_HOURS * 3600
    return workdays.working_seconds(requested_at, now) >= budget
