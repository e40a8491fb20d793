"""Shared set-up of the reward benchmarks (bench_rewards, bench_payments): a throw-away SQLite
file database, and registered deals (deal, broker shares, signed contract, registration) made
with bulk_create: fine for a benchmark, never in app code (it bypasses the state machine, the
services' checks and the history)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@contextmanager
def scratch_sqlite(prefix: str) -> Iterator[int]:
    """Set Django up on a migrated SQLite file in a temporary folder; yield SQLite's real limit of
    bound parameters per statement, which the connection now uses."""
    workdir = tempfile.mkdtemp(prefix=prefix)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    from bench.support import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        connection.ensure_connection()
        # Django 5.2 assumes SQLite's old limit of 999 bound parameters per statement, which
        # splits every bulk INSERT into ~50-row statements; this build allows far more. Use the
        # real limit so a chunk's writes are one statement per table (PostgreSQL has no limit).
        real_limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        connection.features.max_query_params = real_limit
        yield real_limit
    finally:
        connection.close()
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass(frozen=True)
class Terms:
    """One deal's contract: its amounts and dates."""

    amount: Decimal
    technology_amount: Decimal
    signed_on: dt.date
    valid_days: int


@dataclass(frozen=True)
class Office:
    """Where the contracts are signed and registered, and how their numbers start."""

    number_prefix: str  # contract numbers: prefix + 8 digits
    sign_place: str
    exchange: str
    registration_prefix: str  # 8 digits: with 8 more, a 16-digit registration number


def registered_deals(
    *,
    organisation: Any,
    brokers: Sequence[Any],
    demands: Sequence[Any],
    total: int,
    shares: Callable[[int], Sequence[tuple[int, str]]],
    terms: Callable[[int], Terms],
    office: Office,
) -> list[Any]:
    """`total` registered deals, the i-th led by brokers[i % len(brokers)], split as
    `shares(i)` ((broker index offset, share) pairs), under the contract `terms(i)`.
    Returns the contracts (their `deal_id` and `signed_on` set)."""
    from django.utils import timezone

    from contracts.models import Contract, ExchangeRegistration
    from deals.models import Deal, DealBroker, DealState

    now = timezone.now()
    deals = Deal.objects.bulk_create(
        [
            Deal(
                title=f"项目{i}",
                demand=demands[i % len(demands)],
                organisation=organisation,
                state=DealState.REGISTERED,
                state_entered_at=now,
                lead_broker=brokers[i % len(brokers)],
            )
            for i in range(total)
        ],
        batch_size=5000,
    )
    DealBroker.objects.bulk_create(
        [
            DealBroker(deal=deal, user=brokers[(i + offset) % len(brokers)], share=Decimal(share))
            for i, deal in enumerate(deals)
            for offset, share in shares(i)
        ],
        batch_size=5000,
    )
    contracts = []
    for i, deal in enumerate(deals):
        t = terms(i)
        contracts.append(
            Contract(
                deal=deal,
                number=f"{office.number_prefix}{i:08d}",
                contract_type="transfer",
                subtype="patent_right",
                title=deal.title,
                amount=t.amount,
                technology_amount=t.technology_amount,
                sign_place=office.sign_place,
                signed_on=t.signed_on,
                valid_from=t.signed_on,
                valid_to=t.signed_on + dt.timedelta(days=t.valid_days),
                status="registered",
            )
        )
    contracts = Contract.objects.bulk_create(contracts, batch_size=3000)
    ExchangeRegistration.objects.bulk_create(
        [
            ExchangeRegistration(
                contract=c,
                exchange=office.exchange,
                registration_number=f"{office.registration_prefix}{i:08d}",
                registered_on=c.signed_on,
            )
            for i, c in enumerate(contracts)
        ],
        batch_size=5000,
    )
    return contracts


def queries_per_chunk(deal_ids: list[int]) -> tuple[int, int, Any]:
    """Compute one chunk of rewards: (its SQL statements, the statements of the notifications
    delivered after its commit, its result)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from rewards.models import RewardPolicy
    from rewards.services.computation import _compute_chunk, _Policy

    policies = [_Policy.of(p) for p in RewardPolicy.objects.all()]
    # The inner capture ends before the atomic block commits (and delivers the notifications).
    with (
        CaptureQueriesContext(connection) as everything,
        transaction.atomic(),
        CaptureQueriesContext(connection) as chunk,
    ):
        result = _compute_chunk(deal_ids, policies, None, "基准")
    computation = len(chunk.captured_queries)
    return computation, len(everything.captured_queries) - computation, result
