"""Small database expressions the statistics share: exact sums in fen, month buckets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    F,
    Func,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round

from stats.scope import Month

FEN = Decimal("0.01")


def fen_sum(field: str, *, filter: Q | None = None) -> Any:
    """The exact sum of a money column, in fen (an integer). SQLite keeps decimals as binary
    floating point, so summing them there drifts at 10^5 rows; each amount is rounded to whole
    fen first and integers add up exactly (PostgreSQL's numeric is exact either way)."""
    cents = Cast(Round(F(field) * 100), BigIntegerField())
    return Coalesce(Sum(cents, filter=filter), Value(0), output_field=BigIntegerField())


def yuan(fen: int | None) -> Decimal:
    return (Decimal(int(fen or 0)) / 100).quantize(FEN)


class ShanghaiMonth(Func):
    """ "YYYY-MM" of a datetime column in Asia/Shanghai, computed by the database's own date
    functions (SQLite stores UTC text: +8 hours, China has kept UTC+8 without summer time since
    1992; PostgreSQL converts with the zone). Cheaper than comparing each row with every month
    boundary; `month_bucket` falls back to those comparisons on other databases."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="strftime('%%%%Y-%%%%m', %(expressions)s, '+8 hours')",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')",
            **extra,
        )


class DateMonth(Func):
    """ "YYYY-MM" of a date column (a calendar date has no time zone)."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 7)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM')", **extra
        )


def month_bucket(field: str, months: list[Month], *, dates: bool = False) -> Any:
    """The month label ("2026-03") of a datetime (or date) column in Asia/Shanghai: a deal
    registered at 2026-03-31 23:30 Shanghai time (15:30 UTC) falls in March. Rows outside the
    period are filtered out by the callers."""
    from django.db import connection

    if connection.vendor in ("sqlite", "postgresql"):
        return DateMonth(F(field)) if dates else ShanghaiMonth(F(field))
    whens = [
        When(
            Q(**{f"{field}__gte": m.first_day if dates else m.start})
            & Q(**{f"{field}__{'lte' if dates else 'lt'}": m.last_day if dates else m.end}),
            then=Value(m.label),
        )
        for m in months
    ]
    return Case(*whens, default=Value(""), output_field=CharField())
