"""Many supervisors deciding one request at once, on PostgreSQL with real parallel connections:
exactly one wins, the others get 409 already_decided, and the deal moves once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from deals.models import DealState, RequestStatus
from deals.selectors import deal_history
from tests.factories import SupervisorFactory
from tests.helpers import satisfy

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PARALLEL = 12


def test_parallel_approvals_of_one_request_have_exactly_one_winner(
    postgres, api, deal, broker, org
):
    satisfy(deal, DealState.MATCHED)
    created = api(broker).post(
        f"/api/v1/deals/{deal.pk}/transition-requests/", {"target": "matched"}, format="json"
    )
    assert created.status_code == 201
    request_id = created.json()["id"]
    supervisors = [SupervisorFactory(username=f"sup{i}", organisation=org) for i in range(PARALLEL)]

    barrier = threading.Barrier(PARALLEL)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def decide(index: int) -> None:
        client = APIClient()
        client.force_authenticate(user=supervisors[index])
        # Half approve, half reject: whichever decision lands first wins, the rest are too late.
        verb, body = ("approve", {}) if index % 2 == 0 else ("reject", {"reason": "条件不成熟"})
        barrier.wait()
        try:
            response = client.post(
                f"/api/v1/transition-requests/{request_id}/{verb}/", body, format="json"
            )
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    codes = sorted(code for code, _ in results)
    assert len(results) == PARALLEL
    assert codes.count(200) == 1, results
    assert codes.count(409) == PARALLEL - 1, results
    assert {body["code"] for code, body in results if code == 409} == {"already_decided"}

    deal.refresh_from_db()
    request = deal.transition_requests.get(pk=request_id)
    assert request.status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    events = [e["event"] for e in deal_history(deal)]
    assert events.count("approved") + events.count("rejected") == 1
    expected_moves = 1 if request.status == RequestStatus.APPROVED else 0
    assert events.count("moved") == expected_moves
    assert deal.state == (DealState.MATCHED if expected_moves else DealState.INTAKE)
    assert request.history.count() == 2  # created, then exactly one decision


def test_parallel_requests_on_one_deal_leave_one_pending(postgres, api, deal, broker, co_broker):
    deal.broker_links.all().delete()
    from deals.models import DealBroker

    DealBroker.objects.create(deal=deal, user=broker, share=50)
    DealBroker.objects.create(deal=deal, user=co_broker, share=50)
    satisfy(deal, DealState.MATCHED)
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def ask(user) -> None:  # type: ignore[no-untyped-def]
        client = APIClient()
        client.force_authenticate(user=user)
        barrier.wait()
        try:
            response = client.post(
                f"/api/v1/deals/{deal.pk}/transition-requests/",
                {"target": "matched"},
                format="json",
            )
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(u,)) for u in (broker, co_broker)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [201, 409]
    assert deal.transition_requests.filter(status=RequestStatus.PENDING).count() == 1
