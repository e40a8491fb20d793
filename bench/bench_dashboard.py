"""The supervisor dashboard and the statistics endpoint over 10^5 deals (SQLite, the default
database): median time of `GET /dashboard/` and `GET /api/v1/stats/` for a supervisor (one
organisation, 9 in 10 of the deals) and an admin (every organisation), target ≤ 300 ms each;
their SQL query counts, which must be the same with 10^3 deals as with 10^5."""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from decimal import Decimal
from typing import Any

N_DEALS = 100_000
TARGET_MS = 300
RUNS = 5


def _populate(n_deals: int, tag: str) -> dict[str, Any]:
    from django.db import transaction
    from django.db.models import F

    from brokers.models import BrokerProfile, Organisation, Role, User
    from common.workdays import TZ
    from contracts.models import Contract
    from deals.models import (
        ACTIVE_STATES,
        Deal,
        DealBroker,
        DealState,
        Demand,
        RequestStatus,
        TransitionRequest,
        days_between,
    )
    from records.models import Enterprise
    from rewards.models import Reward, RewardPolicy, RewardShare, RewardStatus

    rng = random.Random(11)
    regions = ["330211", "330206", "330203", "330212", "330281", "330106", "330110", "320102"]
    industries = ["1", "1.5", "2", "2.1", "3", "3.6", "4.1", "5", "6.3", "7"]
    forward = [*ACTIVE_STATES, DealState.REGISTERED]
    start = dt.datetime(2026, 1, 1, 9, tzinfo=TZ)
    with transaction.atomic():
        main = Organisation.objects.create(name=f"宁波市科技成果转移中心{tag}", region="330200")
        other = Organisation.objects.create(name=f"杭州市技术市场{tag}", region="330100")
        users = User.objects.bulk_create(
            User(
                username=f"b{tag}_{i}",
                display_name=f"经纪人{i}",
                role=Role.BROKER,
                organisation=main if i % 10 else other,
                password="!",
            )
            for i in range(200)
        )
        BrokerProfile.objects.bulk_create(BrokerProfile(user=u, caseload_limit=600) for u in users)
        supervisor = User.objects.create_user(
            username=f"sup{tag}", password="x", role=Role.SUPERVISOR, organisation=main
        )
        admin = User.objects.create_user(username=f"adm{tag}", password="x", role=Role.ADMIN)
        enterprises = Enterprise.objects.bulk_create(
            Enterprise(name=f"基准企业{tag}-{i}") for i in range(max(n_deals // 10, 10))
        )
        demands = Demand.objects.bulk_create(
            (
                Demand(
                    title=f"需求{i}",
                    description="工艺优化",
                    enterprise=enterprises[i % len(enterprises)].name,
                    enterprise_record=enterprises[i % len(enterprises)],
                    region=regions[i % len(regions)],
                    industry=industries[i % len(industries)],
                    created_by=users[i % len(users)],
                )
                for i in range(n_deals // 5)
            ),
            batch_size=2000,
        )
        # Needs recorded through the period (on the 1st of a month), not "now".
        for month in range(1, 12):
            ids = [n.pk for n in demands[month - 1 :: 11]]
            for k in range(0, len(ids), 900):
                Demand.objects.filter(pk__in=ids[k : k + 900]).update(
                    created_at=dt.datetime(2026, month, 1, 10, tzinfo=TZ)
                )
        deals = []
        for i in range(n_deals):
            created = start + dt.timedelta(minutes=rng.randrange(0, 330 * 24 * 60))
            roll = rng.random()
            if roll < 0.15:
                state = DealState.LOST
            elif roll < 0.40:
                state = DealState.REGISTERED
            else:
                state = ACTIVE_STATES[i % len(ACTIVE_STATES)]
            broker = users[i % len(users)]
            deals.append(
                Deal(
                    title=f"项目{i}",
                    demand=demands[i % len(demands)],
                    organisation_id=broker.organisation_id,
                    lead_broker=broker,
                    state=state,
                    state_entered_at=created + dt.timedelta(days=rng.randrange(1, 30)),
                    due_at=created + dt.timedelta(days=rng.randrange(5, 60)),
                    lost_reason=rng.choice(["价格谈不拢", "企业转产", "技术不成熟"])
                    if state == DealState.LOST
                    else "",
                )
            )
        deals = Deal.objects.bulk_create(deals, batch_size=2000)
        Deal.objects.update(created_at=start)  # then spread by month below, in one statement each
        for month in range(1, 12):
            ids = [d.pk for d in deals[month - 1 :: 11]]
            for k in range(0, len(ids), 900):
                Deal.objects.filter(pk__in=ids[k : k + 900]).update(
                    created_at=dt.datetime(2026, month, 5, 10, tzinfo=TZ)
                )
        DealBroker.objects.bulk_create(
            (DealBroker(deal=d, user_id=d.lead_broker_id, share=100) for d in deals),
            batch_size=2000,
        )
        requests = []
        for position, d in enumerate(deals):
            target_index = forward.index(DealState(d.state)) if d.state != DealState.LOST else 1
            moment = d.state_entered_at - dt.timedelta(days=3 * target_index)
            entered = dt.datetime(2026, position % 11 + 1, 5, 10, tzinfo=TZ)  # created_at above
            for step in range(1, target_index + 1):
                moment += dt.timedelta(days=3, hours=d.pk % 7)
                requests.append(
                    TransitionRequest(
                        deal=d,
                        organisation_id=d.organisation_id,
                        from_state=forward[step - 1],
                        target=forward[step],
                        requested_by_id=d.lead_broker_id,
                        status=RequestStatus.APPROVED,
                        decided_by=supervisor,
                        decided_at=moment,
                        days_in_stage=days_between(entered, moment),
                    )
                )
                entered = moment
        TransitionRequest.objects.bulk_create(requests, batch_size=2000)
        # Asked a day before the decision (not "now", outside the period, as `auto_now_add` left it).
        TransitionRequest.objects.filter(decided_at__isnull=False).update(
            requested_at=F("decided_at") - dt.timedelta(days=1)
        )
        registered = [d for d in deals if d.state == DealState.REGISTERED]
        Contract.objects.bulk_create(
            (
                Contract(
                    deal=d,
                    number=f"HT{tag}{d.pk:08d}",
                    contract_type="transfer",
                    subtype="patent_right",
                    title=d.title,
                    amount=Decimal(rng.randrange(10_000_00, 9_000_000_00)) / 100,
                    technology_amount=Decimal(rng.randrange(5_000_00, 10_000_00)) / 100,
                    sign_place="宁波",
                    valid_from=dt.date(2026, 1, 1),
                    valid_to=dt.date(2027, 1, 1),
                )
                for d in registered
            ),
            batch_size=2000,
        )
        policy = RewardPolicy.objects.create(
            name="基准政策", region="330200", rate="0.015", effective_from=dt.date(2024, 1, 1)
        )
        rewards = Reward.objects.bulk_create(
            (
                Reward(
                    deal=d,
                    policy=policy,
                    status=[RewardStatus.CALCULATED, RewardStatus.APPROVED, RewardStatus.PAID][
                        d.pk % 3
                    ],
                    region=regions[d.pk % len(regions)],
                    registered_on=d.state_entered_at.date(),
                    year=2026,
                    amount=Decimal("15000.00"),
                    computed_at=d.state_entered_at,
                    approved_by=supervisor if d.pk % 3 else None,
                    paid_on=d.state_entered_at.date() + dt.timedelta(days=20)
                    if d.pk % 3 == 2
                    else None,
                    payment_reference="PAY" if d.pk % 3 == 2 else "",
                )
                for d in registered
            ),
            batch_size=2000,
        )
        RewardShare.objects.bulk_create(
            (
                RewardShare(
                    reward=r,
                    user_id=r.deal.lead_broker_id,
                    share=100,
                    is_lead=True,
                    allocated=r.amount,
                    amount=r.amount,
                )
                for r in rewards
            ),
            batch_size=2000,
        )
    return {"supervisor": supervisor, "admin": admin}


def _time(client: Any, url: str) -> tuple[float, float, int]:
    """Median wall and CPU time of the request, and its SQL statements. SQLite runs inside this
    process, so CPU time is the work done, whatever else loads the machine; wall time is what a
    user waits for on it."""
    import statistics

    from django.db import connection

    executed = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal executed
        executed += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
    walls, cpus = [], []
    for _ in range(RUNS):
        started, cpu = time.perf_counter(), time.process_time()
        client.get(url)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000, executed


def measure() -> bool:
    from django.test import Client

    from bench.support import load_note, verdict

    urls = {
        "GET /dashboard/": "/dashboard/?from=2026-01-01&to=2026-11-30",
        "GET /api/v1/stats/": "/api/v1/stats/?from=2026-01-01&to=2026-11-30",
    }
    small = _populate(1_000, "s")
    counts_small: dict[tuple[str, str], int] = {}
    for role in ("supervisor", "admin"):
        client = Client()
        client.force_login(small[role])
        for label, url in urls.items():
            counts_small[(role, label)] = _time(client, url)[2]
    started = time.perf_counter()
    big = _populate(N_DEALS - 1_000, "b")
    print(f"set-up: {N_DEALS:,} deals in {time.perf_counter() - started:.0f} s")
    ok = True
    for role in ("supervisor", "admin"):
        client = Client()
        client.force_login(big[role])
        for label, url in urls.items():
            ms, cpu, queries = _time(client, url)
            same = queries == counts_small[(role, label)]
            ok &= cpu <= TARGET_MS and same
            print(
                f"{label} as {role}, {N_DEALS:,} deals: median {ms:.0f} ms wall, {cpu:.0f} ms CPU"
                f"  target ≤ {TARGET_MS} ms (CPU, the idle-machine figure) {verdict(cpu, TARGET_MS)};"
                f" {queries} queries (1,000 deals: {counts_small[(role, label)]}) "
                f"{'constant' if same else 'GREW'}  ({load_note()})"
            )
    return ok


def main() -> bool:
    from bench.support import scratch_database, setup_django

    setup_django()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    with scratch_database():
        return measure()


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
