"""Brokers of two organisations opening one need at the same moment, on PostgreSQL with real
parallel connections: no deal misses its rivals (each detection waits for the one before it on
the need's enterprise record), every pair is flagged exactly once."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from deals.assignment.models import BrokeringConflict, ConflictKind
from deals.models import Deal
from deals.services import demand_create
from tests.factories import BrokerFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PARALLEL = 8


def test_parallel_openings_of_one_need_flag_every_pair_once(postgres, org, other_org, broker):
    demand = demand_create(
        actor=broker,
        title="注塑件缩痕工艺攻关",
        description="汽车内饰件注塑后表面出现缩痕，希望引进随形冷却技术。",
        enterprise="宁波华翔汽车零部件有限公司",
        region="330211",
    )
    brokers = [
        BrokerFactory(username=f"rival{i}", organisation=org if i % 2 else other_org)
        for i in range(PARALLEL)
    ]
    barrier = threading.Barrier(PARALLEL)
    codes: list[int] = []
    lock = threading.Lock()

    def open_deal(index: int) -> None:
        client = APIClient()
        client.force_authenticate(user=brokers[index])
        barrier.wait()
        try:
            response = client.post("/api/v1/deals/", {"demand": demand.pk}, format="json")
            with lock:
                codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_deal, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert codes == [201] * PARALLEL
    deals = sorted(Deal.objects.filter(demand=demand).values_list("pk", flat=True))
    flagged = sorted(
        BrokeringConflict.objects.filter(kind=ConflictKind.SAME_NEED).values_list(
            "deal_a_id", "deal_b_id"
        )
    )
    assert flagged == sorted(itertools.combinations(deals, 2))
