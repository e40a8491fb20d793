"""Chinese working days (工作日): public holidays and the adjusted working weekends (调休).

The calendar comes from the `chinese-calendar` package (the State Council's yearly schedule); this
module is the only place that reads it, so the source can be swapped. The package knows the years
up to the last schedule published: a question about a later date raises `WorkdaysOutOfRange`
(never a guess), and `manage.py check` reports when the data is about to run out or has.

Working time is counted in whole calendar days of Asia/Shanghai: a working day contributes the
part of its 24 hours that lies inside the interval, a weekend or a holiday contributes nothing.
"""

from __future__ import annotations

import bisect
import datetime as dt
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.core.checks import CheckMessage
from django.core.checks import Warning as CheckWarning

DAY = 86400
TZ = ZoneInfo("Asia/Shanghai")


class WorkdaysOutOfRange(Exception):
    """The holiday calendar does not cover this date: upgrade `chinese-calendar`."""

    def __init__(self, day: dt.date):
        first, last = covered_range()
        super().__init__(
            f"节假日数据只覆盖 {first.year}–{last.year} 年，无法判断 {day.isoformat()} 是否为工作日："
            f"请升级 chinese-calendar（国务院公布新一年的放假安排后发布）。"
        )
        self.day = day


@cache
def covered_range() -> tuple[dt.date, dt.date]:
    """The first and last day the calendar knows (whole years)."""
    from chinese_calendar import constants

    known = [*constants.holidays, *constants.workdays]
    return dt.date(min(known).year, 1, 1), dt.date(max(known).year, 12, 31)


@cache
def _workday_ordinals() -> list[int]:
    """Every working day in the covered range, as sorted date ordinals."""
    import chinese_calendar

    first, last = covered_range()
    return [
        d.toordinal() for d in chinese_calendar.get_workdays(first, last, include_weekends=True)
    ]


def _check(day: dt.date) -> None:
    first, last = covered_range()
    if not first <= day <= last:
        raise WorkdaysOutOfRange(day)


def is_workday(day: dt.date) -> bool:
    _check(day)
    ordinals = _workday_ordinals()
    i = bisect.bisect_left(ordinals, day.toordinal())
    return i < len(ordinals) and ordinals[i] == day.toordinal()


def _workdays_before(ordinal: int) -> int:
    """How many working days come strictly before this date (within the covered range)."""
    return bisect.bisect_left(_workday_ordinals(), ordinal)


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("working time needs aware datetimes")
    return moment.astimezone(TZ)


def working_seconds(start: dt.datetime, end: dt.datetime) -> float:
    """Working time between two moments, in seconds (0 when end is not after start)."""
    start, end = _local(start), _local(end)
    if end <= start:
        return 0.0
    s_day, e_day = start.date(), end.date()
    _check(s_day)
    _check(e_day)
    if s_day == e_day:
        return (end - start).total_seconds() if is_workday(s_day) else 0.0
    total = 0.0
    if is_workday(s_day):
        midnight = dt.datetime.combine(s_day + dt.timedelta(days=1), dt.time(), TZ)
        total += (midnight - start).total_seconds()
    if is_workday(e_day):
        total += (end - dt.datetime.combine(e_day, dt.time(), TZ)).total_seconds()
    full = _workdays_before(e_day.toordinal()) - _workdays_before(s_day.toordinal() + 1)
    return total + full * DAY


def add_working_seconds(start: dt.datetime, seconds: float) -> dt.datetime:
    """The moment when `seconds` of working time have passed since `start`."""
    start = _local(start)
    day = start.date()
    _check(day)
    if seconds <= 0:
        return start
    if is_workday(day):
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), TZ)
        left_today = (midnight - start).total_seconds()
        if seconds <= left_today:
            return start + dt.timedelta(seconds=seconds)
        seconds -= left_today
    # The remaining time falls on the following working days, whole days first.
    whole, rest = divmod(seconds, DAY)
    ordinals = _workday_ordinals()
    first_after = _workdays_before(day.toordinal() + 1)
    if rest == 0:
        index = first_after + int(whole) - 1
        if index >= len(ordinals):
            raise WorkdaysOutOfRange(covered_range()[1] + dt.timedelta(days=1))
        last = dt.date.fromordinal(ordinals[index])
        return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), TZ)
    index = first_after + int(whole)
    if index >= len(ordinals):
        raise WorkdaysOutOfRange(covered_range()[1] + dt.timedelta(days=1))
    target = dt.date.fromordinal(ordinals[index])
    return dt.datetime.combine(target, dt.time(), TZ) + dt.timedelta(seconds=rest)


def add_workdays(start: dt.datetime, days: float) -> dt.datetime:
    return add_working_seconds(start, days * DAY)


def calendar_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """`manage.py check`: say so when the holiday data runs out within 60 days, or has."""
    today = dt.datetime.now(TZ).date()
    last = covered_range()[1]
    if today > last:
        return [
            CheckWarning(
                f"chinese-calendar has no holiday data for {today.year}: stage deadlines stay "
                "unknown and the stalled-deal sweep fails until the package is upgraded.",
                id="common.W002",
            )
        ]
    if (last - today).days < 60:
        return [
            CheckWarning(
                f"chinese-calendar's holiday data ends on {last}: deadlines past it are unknown "
                "until a release with the next year's schedule is installed.",
                id="common.W001",
            )
        ]
    return []


def nth_workday_after(day: dt.date, n: int) -> dt.date:
    """The `n`-th working day after `day` (`day` itself never counts): "within 30 working days of
    signing" ends on `nth_workday_after(signed_on, 30)`. Raises `WorkdaysOutOfRange` when that day
    lies past the calendar's data (or `day` outside it): the answer would be a guess."""
    _check(day)
    if n <= 0:
        return day
    ordinals = _workday_ordinals()
    index = _workdays_before(day.toordinal() + 1) + n - 1
    if index >= len(ordinals):
        raise WorkdaysOutOfRange(covered_range()[1] + dt.timedelta(days=1))
    return dt.date.fromordinal(ordinals[index])
