"""Deal pipeline at 10,000 deals: queries per list request, list latency, request+approve latency.

Targets: queries per deal-list request constant whatever the page size and ≤ 7 (issue 2: ≤ 8);
on SQLite, median GET /api/v1/deals/?page_size=50 ≤ 23 ms and median request+approve of one move
≤ 14 ms: issue 2 asked for 50 and 30 ms, issue 8 for "not worse than the figures recorded on
2026-11-23" (22.9 and 13.9 ms on an idle machine). PostgreSQL is reported beside. Wall times move
with the machine's load, so the CPU time of the measuring process is printed too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal

N_DEALS = 10_000
QUERY_TARGET = 7  # 7 recorded on 2026-11-23 (issue 2 asked for ≤ 8)
LIST_TARGET_MS = 23.0
MOVE_TARGET_MS = 14.0
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/dealdesk_bench")


def _populate() -> dict:
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from brokers.models import BrokerProfile, Organisation, Role, User
    from deals.models import (
        Achievement,
        Deal,
        DealAchievement,
        DealBroker,
        DealState,
        Demand,
        RequestStatus,
        TransitionRequest,
    )

    # bulk_create bypasses the state machine and history: fine for a load fixture, never in app code.
    org = Organisation.objects.create(name="浙江省技术转移中心（基准）", region="330000")
    brokers = User.objects.bulk_create(
        [
            User(
                username=f"bench_broker{i}",
                role=Role.BROKER,
                organisation=org,
                display_name=f"经纪人{i}",
            )
            for i in range(200)
        ]
    )
    BrokerProfile.objects.bulk_create(
        [
            BrokerProfile(user=b, caseload_limit=100_000) for b in brokers
        ]  # a load test, not a caseload
    )
    supervisor = User.objects.create(username="bench_sup", role=Role.SUPERVISOR, organisation=org)
    demands = Demand.objects.bulk_create(
        [
            Demand(
                title=f"第{i}号企业技术需求：精密零件表面处理工艺改进",
                description="企业现有工艺良品率偏低，需要引进成熟技术。",
                enterprise=f"宁波某制造有限公司{i}",
                industry="2",
                region="330211",
                budget=Decimal("500000.00"),
            )
            for i in range(2_000)
        ]
    )
    achievements = Achievement.objects.bulk_create(
        [
            Achievement(
                title=f"成果{i}", description="一种改进工艺", owner="某大学", region="330100"
            )
            for i in range(500)
        ]
    )
    now = timezone.now()
    states = [s for s in DealState.values if s != DealState.REGISTERED]
    deals = Deal.objects.bulk_create(
        [
            Deal(
                title=f"项目{i}",
                demand=demands[i % len(demands)],
                organisation=org,
                state=states[i % len(states)],
                state_entered_at=now,
                due_at=now,
                lead_broker=brokers[i % len(brokers)],
            )
            for i in range(N_DEALS)
        ],
        batch_size=2000,
    )
    links = []
    for i, deal in enumerate(deals):
        lead = brokers[i % len(brokers)]
        if i % 3 == 0:
            other = brokers[(i + 1) % len(brokers)]
            links += [
                DealBroker(deal=deal, user=lead, share=Decimal("60.00")),
                DealBroker(deal=deal, user=other, share=Decimal("40.00")),
            ]
        else:
            links.append(DealBroker(deal=deal, user=lead, share=Decimal("100.00")))
    DealBroker.objects.bulk_create(links, batch_size=5000)
    DealAchievement.objects.bulk_create(
        [
            DealAchievement(deal=d, achievement=achievements[(i * 7 + j) % len(achievements)])
            for i, d in enumerate(deals)
            for j in range(2)
        ],
        batch_size=5000,
    )
    TransitionRequest.objects.bulk_create(
        [
            TransitionRequest(
                deal=d,
                organisation_id=d.organisation_id,
                from_state=d.state,
                target=DealState.LOST,
                comment="企业暂停",
                requested_by=d.lead_broker,
                status=RequestStatus.PENDING,
            )
            for d in deals[::10]
            if d.state != DealState.LOST
        ],
        batch_size=5000,
    )
    token = Token.objects.create(user=supervisor)
    from django.db import connection

    if connection.vendor == "postgresql":
        # A live database has statistics (autovacuum); a freshly bulk-loaded one has none, and
        # the planner then sorts every deal of the organisation for one page (32 ms vs 4 ms).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "token": token.key,
        "supervisor": supervisor,
        "brokers": brokers,
        "demands": demands,
        "achievements": achievements,
    }


def measure(label: str) -> bool:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from deals import services
    from deals.models import DealAchievement, DealState

    fixture = _populate()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {fixture['token']}")
    ok = True

    counts = {}
    for size in (10, 50, 200):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/deals/?page_size={size}")
        assert response.status_code == 200 and len(response.json()["results"]) == size
        counts[size] = len(ctx.captured_queries)
    constant = len(set(counts.values())) == 1
    worst = max(counts.values())
    ok &= constant and worst <= QUERY_TARGET
    print(
        f"[{label}] SQL queries per deal-list request (page_size 10/50/200): "
        f"{counts[10]}/{counts[50]}/{counts[200]}  target: constant, ≤ {QUERY_TARGET}  "
        f"{'OK' if constant and worst <= QUERY_TARGET else 'MISSED'}"
    )

    for _ in range(5):
        client.get("/api/v1/deals/?page_size=50")
    samples, cpu = [], []
    for page in range(1, 41):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(f"/api/v1/deals/?page_size=50&page={page}")
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200
    from bench.support import median_ms, verdict

    list_ms = median_ms(samples)
    target = LIST_TARGET_MS
    if label == "sqlite":
        ok &= list_ms <= target
    judged = verdict(list_ms, target) if label == "sqlite" else "(reported; the target is SQLite's)"
    print(
        f"[{label}] median GET /api/v1/deals/?page_size=50 over 40 pages of {N_DEALS} deals: "
        f"{list_ms:.1f} ms (CPU {median_ms(cpu):.1f} ms)  target ≤ {target:.0f} ms on SQLite  {judged}"
    )

    # request + approve of one move, through the HTTP API, as broker and supervisor do it
    supervisor = fixture["supervisor"]
    broker = fixture["brokers"][0]
    broker_client = APIClient()
    broker_client.force_authenticate(user=broker)
    sup_client = APIClient()
    sup_client.force_authenticate(user=supervisor)
    samples, cpu = [], []
    for i in range(60):
        deal = services.deal_create(actor=broker, demand=fixture["demands"][i])
        DealAchievement.objects.create(deal=deal, achievement=fixture["achievements"][i])
        started, started_cpu = time.perf_counter(), time.process_time()
        created = broker_client.post(
            f"/api/v1/deals/{deal.pk}/transition-requests/", {"target": "matched"}, format="json"
        )
        approved = sup_client.post(f"/api/v1/transition-requests/{created.json()['id']}/approve/")
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert approved.status_code == 200, approved.content
        deal.refresh_from_db()
        assert deal.state == DealState.MATCHED
    move_ms = median_ms(samples[10:])
    ok &= move_ms <= MOVE_TARGET_MS or label != "sqlite"
    judged = verdict(move_ms, MOVE_TARGET_MS) if label == "sqlite" else "(reported)"
    print(
        f"[{label}] median request+approve of one move (2 HTTP calls): {move_ms:.1f} ms "
        f"(CPU {median_ms(cpu[10:]):.1f} ms)  target ≤ {MOVE_TARGET_MS:.0f} ms  {judged}"
    )
    return ok


def run_one(database_url: str | None, label: str) -> bool:
    from bench.support import scratch_database, setup_django

    setup_django(database_url)
    with scratch_database():
        return measure(label)


def main() -> bool:
    ok = run_one(None, "sqlite")
    # PostgreSQL in its own process (Django is configured once per process).
    code = "import sys, bench.bench_deals as m; sys.exit(0 if m.run_one(m.PG_URL, 'postgresql') else 1)"
    pg = subprocess.run([sys.executable, "-c", code], env={**os.environ, "DATABASE_URL": PG_URL})
    if pg.returncode not in (0, 1):
        print("[postgresql] could not run (is PostgreSQL on 127.0.0.1:5432?)")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
