"""The pages people run their day on, rendered through Django's test client on SQLite.

Targets: a broker's board with 50 deals costs the same number of SQL queries as with 5 (no N+1),
at most 12; the supervisor's queue with 40 pending requests at most 8 queries; the deal page's
queries do not grow with its activities and links. Median render: board (50 deals) ≤ 150 ms,
queue (40 requests) ≤ 150 ms, deal page ≤ 150 ms.
"""

from __future__ import annotations

import sys
import time
from typing import Any


def _populate(n_deals: int, tag: str, *, busy: bool) -> dict[str, Any]:
    from django.utils import timezone

    from brokers.models import Organisation, Role, User
    from deals import services
    from deals.models import Achievement, Activity, DealState

    org = Organisation.objects.create(
        name=f"宁波市镇海区科技成果转移中心（基准{tag}）", region="330211"
    )
    broker = User.objects.create_user(
        username=f"bench_broker_{tag}", password="x", role=Role.BROKER, organisation=org
    )
    co = User.objects.create_user(
        username=f"bench_co_{tag}", password="x", role=Role.BROKER, organisation=org
    )
    supervisor = User.objects.create_user(
        username=f"bench_sup_{tag}", password="x", role=Role.SUPERVISOR, organisation=org
    )
    deals = []
    for i in range(n_deals):
        demand = services.demand_create(
            actor=broker,
            title=f"第{i}号需求：注塑件表面缩痕问题攻关",
            description="汽车内饰件注塑后表面出现缩痕和熔接线，希望引进工艺优化技术。",
            enterprise=f"宁波某汽车零部件有限公司{i}",
            industry="2",
            region="330211",
        )
        deal = services.deal_create(actor=broker, demand=demand)
        services.deal_set_brokers(
            deal=deal, actor=broker, shares=[(broker, "60.00"), (co, "40.00")]
        )
        achievement = services.achievement_create(
            actor=broker,
            title=f"第{i}号成果：注塑模具随形冷却流道",
            description="3D 打印随形冷却水路，缩短冷却时间。",
            owner="浙江大学宁波研究院",
            kind="patent",
            patent_number=f"ZL2099{tag}{i:05d}.X",
            industry="2",
            region="330100",
        )
        services.deal_link_achievement(deal=deal, achievement=achievement, actor=broker)
        if i % 5 != 4:  # most ask to move on; the rest stay in intake
            services.deal_request_transition(deal=deal, actor=broker, target=DealState.MATCHED)
        deals.append(deal)
    deal = deals[-1]
    for i in range(20 if busy else 1):
        Activity.objects.create(
            deal=deal,
            kind="online_talk",
            occurred_at=timezone.now(),
            participants="企业总工、课题组",
            minutes=f"第{i}次洽谈纪要",
            created_by=broker,
        )
    extra = Achievement.objects.filter(patent_number__startswith=f"ZL2099{tag}")[
        : 20 if busy else 0
    ]
    for achievement in extra:
        if not deal.achievement_links.filter(achievement=achievement).exists():
            services.deal_link_achievement(deal=deal, achievement=achievement, actor=broker)
    return {"broker": broker, "supervisor": supervisor, "deals": deals}


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: the matching index catches up with new achievements once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def _median_ms(client: Any, url: str, runs: int = 15) -> float:
    from bench.support import median_ms

    client.get(url)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200
    return median_ms(samples)


def measure() -> bool:
    from bench.support import verdict

    ok = True
    small = _populate(5, "s", busy=False)
    small_board = _queries(_client(small["broker"]), "/")
    small_deal = _queries(_client(small["broker"]), f"/deals/{small['deals'][-1].pk}/")
    big = _populate(50, "b", busy=True)
    broker_client = _client(big["broker"])
    board = _queries(broker_client, "/")
    good = board == small_board and board <= 12
    ok &= good
    print(
        f"SQL queries, broker board with 5 / 50 deals: {small_board} / {board}  "
        f"target: equal, ≤ 12  {'OK' if good else 'MISSED'}"
    )
    deal_url = f"/deals/{big['deals'][-1].pk}/"
    deal_queries = _queries(broker_client, deal_url)
    good = deal_queries == small_deal
    ok &= good
    print(
        f"SQL queries, deal page with 1 / 20+ activities and links: {small_deal} / {deal_queries}"
        f"  target: equal  {'OK' if good else 'MISSED'}"
    )
    sup_client = _client(big["supervisor"])
    queue = _queries(sup_client, "/")
    ok &= queue <= 8
    print(
        f"SQL queries, supervisor queue with 40 pending requests: {queue}  target ≤ 8  "
        f"{verdict(queue, 8)}"
    )

    for label, client, url in [
        ("broker board, 50 deals", broker_client, "/"),
        ("supervisor queue, 40 pending", sup_client, "/"),
        ("deal page, 20 activities", broker_client, deal_url),
    ]:
        ms = _median_ms(client, url)
        ok &= ms <= 150
        print(f"median render, {label}: {ms:.1f} ms  target ≤ 150 ms  {verdict(ms, 150)}")
    return ok


def main() -> bool:
    from bench.support import scratch_database, setup_django

    setup_django()
    with scratch_database():
        return measure()


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
