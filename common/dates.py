"""Plausible dates: business dates (signatures, registrations, policies, payments) lie within
1949–2100. Year 1 or 9999 is a typing slip, and some databases and libraries fail on it later."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from common.exceptions import ValidationFailed

EARLIEST = dt.date(1949, 1, 1)
LATEST = dt.date(2100, 12, 31)


def check_plausible(value: dt.date, field: str) -> dt.date:
    """`value`, or a 400 naming the field when it lies outside 1949-01-01 … 2100-12-31."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationFailed(
            _("%(field)s: 日期 %(value)s 不在合理范围内（%(start)s 至 %(end)s），请检查年份。")
            % {"field": field, "value": day.isoformat(), "start": EARLIEST, "end": LATEST},
            code="implausible_date",
        )
    return value
