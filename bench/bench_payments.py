"""Partial rewards on money received for 100,000 payments in one batch (issue 13).

25,000 registered deals under policies that pay on money received, four payments each (one of
every 20 deals has a reversed payment, which earns nothing). Targets: ≤ 20 s for the batch on
SQLite (a throw-away file database); queries per chunk constant whatever the chunk size
(printed for two chunk sizes); the partial rewards of every deal add up, to the fen, to the
reward on its total received; a re-run computes nothing.

The data is made with bulk_create: fine for a benchmark, never in app code (it bypasses the
services, their checks and the history).
"""

from __future__ import annotations

import os
import sqlite3
import time
from decimal import Decimal

from bench.registered import Office, Terms, queries_per_chunk, registered_deals, scratch_sqlite

N_DEALS = 25_000
PER_DEAL = 4
EXTRA = 2_500  # deals for the query-count measurement (chunks of 500 and 2,000)
CHUNK = 2_000
TARGET_SECONDS = 20.0
# Nanjing (flat 1% of money received, a yearly cap per person) and Fuqing (marginal tiers with a
# project cap), both on money received.
REGIONS = ["320102", "320113", "350181"]


def _populate() -> tuple[list[int], list[int]]:
    import datetime as dt

    from django.utils import timezone

    from brokers.models import Organisation, Role, User
    from deals.models import Demand
    from payments.models import Payment
    from rewards.services import policy_create

    for spec in (
        {
            "name": "南京市（按到账）",
            "region": "320100",
            "rate": "0.01",
            "cap_per_person_year": "50000",
        },
        {
            "name": "福清市（按到账）",
            "region": "350181",
            "tier_mode": "marginal",
            "tiers": [
                {"up_to": "1000000", "rate": "0.02"},
                {"up_to": "3000000", "rate": "0.01"},
                {"up_to": None, "rate": "0.005"},
            ],
            "cap_per_project": "40000",
        },
    ):
        policy_create(
            actor=None,
            effective_from=dt.date(2024, 1, 1),
            basis="received_amount",
            **spec,  # type: ignore[arg-type]
        )

    org = Organisation.objects.create(name="江苏省技术转移中心（到账基准）", region="320000")
    brokers = User.objects.bulk_create(
        [
            User(username=f"pb{i}", role=Role.BROKER, organisation=org, display_name=f"经纪人{i}")
            for i in range(300)
        ]
    )
    demands = Demand.objects.bulk_create(
        [
            Demand(title=f"需求{i}", description="工艺改进", enterprise=f"企业{i}", region=r)
            for i, r in enumerate(REGIONS * 50)
        ]
    )
    total = N_DEALS + EXTRA
    start = dt.date(2024, 1, 2)

    def terms(i: int) -> Terms:
        amount = Decimal(400_000 + (i * 7919) % 8_000_000) + Decimal(i % 100) / 100
        return Terms(amount, amount, start + dt.timedelta(days=i % 600), 730)

    contracts = registered_deals(
        organisation=org,
        brokers=brokers,
        demands=demands,
        total=total,
        shares=lambda i: [(0, "100.00")] if i % 2 == 0 else [(0, "60.00"), (7, "40.00")],
        terms=terms,
        office=Office("P", "南京", "南京技术市场", "32010220"),
    )
    now = timezone.now()
    payments = []
    for i, c in enumerate(contracts):
        # four instalments: 30%, 30%, 25%, 15% of the contract (the last one rounded so they
        # add up to the amount exactly)
        parts = [c.amount * Decimal(p) / 100 for p in (30, 30, 25)]
        parts = [p.quantize(Decimal("0.01")) for p in parts]
        parts.append(c.amount - sum(parts))
        for k, part in enumerate(parts):
            payments.append(
                Payment(
                    deal_id=c.deal_id,
                    contract=c,
                    received_on=c.signed_on + dt.timedelta(days=30 * (k + 1)),
                    amount=part,
                    payer="南京某企业",
                    reference=f"BANK{i:08d}-{k}",
                    reversed_at=now if (i % 20 == 0 and k == 1) else None,
                    reverse_reason="退票" if (i % 20 == 0 and k == 1) else "",
                )
            )
    Payment.objects.bulk_create(payments, batch_size=5000)
    ids = [c.deal_id for c in contracts]
    return ids[:N_DEALS], ids[N_DEALS:]


def _queries_per_chunk(deal_ids: list[int]) -> tuple[int, int]:
    """(the chunk's queries, the statements of the notifications delivered after its commit)."""
    computation, delivery, result = queries_per_chunk(deal_ids)
    if result.partials <= len(deal_ids) * (PER_DEAL - 1):
        raise RuntimeError(f"too few partial rewards: {result}")
    return computation, delivery


def main() -> bool:
    with scratch_sqlite("bench_payments_"):
        from config.celery import app

        # As deployed: the batch runs in a worker and the notifications' e-mail task it sends
        # goes to the queue (here the in-memory broker, never consumed) instead of running inline.
        app.conf.task_always_eager = False
        started = time.perf_counter()
        ids, extra = _populate()
        from payments.models import Payment

        n_payments = Payment.objects.filter(deal_id__in=ids).count()
        print(
            f"data: {len(ids) + len(extra):,} registered deals, {n_payments:,} payments in the "
            f"batch, in {time.perf_counter() - started:.1f} s (SQLite {sqlite3.sqlite_version})"
        )

        (q500, n500), (q2000, n2000) = (
            _queries_per_chunk(extra[:500]),
            _queries_per_chunk(extra[500:2500]),
        )
        same = q500 == q2000
        print(
            f"queries per chunk: {q500} for 500 deals ({500 * PER_DEAL:,} payments), {q2000} for "
            f"2,000 deals ({2000 * PER_DEAL:,} payments) (target: the same) "
            f"{'OK' if same else 'MISSED'}"
        )
        print(
            f"  then, after commit, the notifications app delivers the announcements in "
            f"statements of 500 rows: {n500} and {n2000}"
        )

        from rewards.services import rewards_compute_batch

        started, cpu_started = time.perf_counter(), time.process_time()
        result = rewards_compute_batch(deal_ids=ids, chunk_size=CHUNK)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        ok_time = seconds <= TARGET_SECONDS
        print(f"computed {result.partials:,} partial rewards ({result.skipped} deals skipped)")
        print(
            f"batch of {n_payments:,} payments ({len(ids):,} deals, chunks of {CHUNK:,} deals): "
            f"{seconds:.1f} s (target ≤ {TARGET_SECONDS:.0f} s) {'OK' if ok_time else 'MISSED'}"
        )
        print(
            f"  CPU time of this process: {cpu:.1f} s; load average {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} cores"
        )

        started = time.perf_counter()
        again = rewards_compute_batch(deal_ids=ids, chunk_size=CHUNK)
        print(
            f"re-run (idempotent): {again.unchanged:,} deals unchanged, {again.partials} computed, "
            f"{time.perf_counter() - started:.1f} s"
        )
        bad = _check_sums(ids)
        print(f"deals whose partial rewards do not add up to the reward on the total: {bad}")
        return same and ok_time and bad == 0 and again.partials == 0


def _check_sums(deal_ids: list[int]) -> int:
    """Every deal: its partial rewards before the yearly caps (the shares' parts) add up to the
    reward on what it received."""
    from django.db.models import Sum

    from deals.models import Deal
    from payments.models import Payment
    from rewards import engine
    from rewards.models import RewardPolicy, RewardShare
    from rewards.services.computation import policy_terms

    terms = {p.region: policy_terms(p) for p in RewardPolicy.objects.all()}
    region_of = dict(Deal.objects.filter(pk__in=deal_ids).values_list("pk", "demand__region"))
    received = dict(
        Payment.objects.filter(deal_id__in=deal_ids, reversed_at__isnull=True)
        .values("deal_id")
        .annotate(s=Sum("amount"))
        .values_list("deal_id", "s")
    )
    granted = dict(
        RewardShare.objects.filter(reward__deal_id__in=deal_ids, reward__active=True)
        .values("reward__deal_id")
        .annotate(s=Sum("allocated"))
        .values_list("reward__deal_id", "s")
    )
    bad = 0
    for deal_id in deal_ids:
        region = region_of[deal_id]
        policy_region = "350181" if region == "350181" else "320100"
        owed = engine.compute(terms[policy_region], received.get(deal_id, Decimal(0))).amount
        if granted.get(deal_id, Decimal(0)) != owed:
            bad += 1
    return bad


if __name__ == "__main__":
    main()
