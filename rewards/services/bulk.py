"""The batch computation's hand-written SQL, in one place: new rewards, their history rows,
their shares, and the running yearly totals.

Deliberately not bulk_create: Django's insert compiler costs ~20 µs per value and simple
history's bulk path doubles it, which puts a province's 10^5 registered deals at minutes. The
values here are already what the database stores (quantized Decimals, dates, adapted datetimes
and JSON), so the driver's executemany writes them directly, one statement per table.

Because these statements bypass the models, every column is named here, NULLs included, and
`tests/rewards/test_bulk.py` checks each list against its model's concrete fields: a field added
to Reward, its history or RewardShare without a matching change here fails that test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import Model

from rewards.models import Reward, RewardShare, RewardStatus, RewardYearTotal
from rewards.selectors import id_filter

YearKey = tuple[int, int, str]  # user, year, policy region
ShareRow = tuple[int, Decimal, bool, Decimal, Decimal]  # user, share, lead, allocated, amount
# A new reward's key: its deal, and its payment for a partial reward (None for a whole one).
RewardKey = tuple[int, int | None]


# The order of the values `NewReward.row` produces.
REWARD_COLUMNS = (
    "deal_id", "policy_id", "contract_id", "payment_id", "status", "region", "registered_on", "year",
    "basis", "basis_amount", "amount", "explanation", "computed_at",
    "approved_by_id", "approved_at", "paid_by_id", "paid_on", "payment_reference",
    "voided_at", "void_reason", "active",
)  # fmt: skip
# The history keeps the reward's own id and every column but the ones it excludes.
HISTORY_EXCLUDED = ("explanation",)
HISTORY_META_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")
_HISTORY_FROM_REWARD = tuple(c for c in REWARD_COLUMNS if c not in HISTORY_EXCLUDED)
REWARD_HISTORY_COLUMNS = ("id", *_HISTORY_FROM_REWARD, *HISTORY_META_COLUMNS)
SHARE_COLUMNS = ("reward_id", "user_id", "share", "is_lead", "allocated", "amount")
YEAR_TOTAL_COLUMNS = ("user_id", "year", "region", "amount")

_history_values = itemgetter(*(REWARD_COLUMNS.index(c) for c in _HISTORY_FROM_REWARD))


def new_reward_row(
    *,
    deal_id: int,
    policy_id: int | None,
    contract_id: int | None,
    status: RewardStatus,
    payment_id: int | None = None,
    region: str,
    registered_on: dt.date,
    year: int,
    basis: str,
    basis_amount: Decimal | None,
    amount: Decimal,
    explanation: Any,
    computed_at: Any,
) -> tuple[Any, ...]:
    """One freshly computed reward, in REWARD_COLUMNS order (`explanation` and `computed_at`
    already adapted for the database). Nobody has approved, paid or voided it yet."""
    return (
        deal_id, policy_id, contract_id, payment_id, status.value, region, registered_on, year,
        basis, basis_amount, amount, explanation, computed_at,
        None, None, None, None, "",
        None, "", True,
    )  # fmt: skip


def _executemany(model: type[Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """One INSERT statement run for all rows."""
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 -- names from the models' meta, values bound
        quote(model._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


_DEAL = REWARD_COLUMNS.index("deal_id")
_PAYMENT = REWARD_COLUMNS.index("payment_id")


def insert_rewards(
    rows: list[tuple[Any, ...]],
    shares: dict[RewardKey, list[ShareRow]],
    *,
    actor_id: int | None,
    reason: str,
    when: Any,
) -> list[int]:
    """Insert new rewards (rows of `new_reward_row`), their history rows ("+", with actor and
    reason, at `when`: an adapted datetime) and their shares (by reward key); their ids."""
    _executemany(Reward, REWARD_COLUMNS, rows)
    wanted = {(row[_DEAL], row[_PAYMENT]) for row in rows}
    ids: dict[RewardKey, int] = {
        (deal_id, payment_id): pk
        for deal_id, payment_id, pk in Reward.objects.filter(
            id_filter("deal_id", [row[_DEAL] for row in rows]), active=True
        ).values_list("deal_id", "payment_id", "id")
        if (deal_id, payment_id) in wanted
    }
    meta = (when, reason[:100], "+", actor_id)
    history = [(ids[(row[_DEAL], row[_PAYMENT])], *_history_values(row), *meta) for row in rows]
    _executemany(Reward.history.model, REWARD_HISTORY_COLUMNS, history)
    share_rows = [
        (ids[key], user, share, lead, allocated, amount)
        for key, reward_shares in shares.items()
        for user, share, lead, allocated, amount in reward_shares
    ]
    if share_rows:
        _executemany(RewardShare, SHARE_COLUMNS, share_rows)
    return list(ids.values())


def add_year_totals(deltas: dict[YearKey, Decimal]) -> None:
    """Add to the running totals, one statement. Increments, not absolute values, so a void or
    clawback committed meanwhile (which takes its amounts off) is never overwritten."""
    if not deltas:
        return
    quote = connection.ops.quote_name
    table = quote(RewardYearTotal._meta.db_table)
    user, year, region, amount = (quote(c) for c in YEAR_TOTAL_COLUMNS)
    # ON CONFLICT … DO UPDATE: the same statement on SQLite (≥ 3.24) and PostgreSQL.
    sql = (
        f"INSERT INTO {table} ({user}, {year}, {region}, {amount}) VALUES (%s, %s, %s, %s) "  # noqa: S608 -- names from the models' meta, values bound
        f"ON CONFLICT ({user}, {year}, {region}) "
        f"DO UPDATE SET {amount} = {table}.{amount} + excluded.{amount}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(u, y, r, delta) for (u, y, r), delta in deltas.items()])
