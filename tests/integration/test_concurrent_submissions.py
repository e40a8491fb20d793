"""Public submissions under real parallel connections (PostgreSQL): every submission gets its own
reference, numbered without gaps, and of many supervisors deciding one submission at once exactly
one wins (the others 409 already_decided, one record in the library)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from deals.models import Demand
from intake.models import Submission, SubmissionStatus
from tests.factories import SupervisorFactory
from tests.intake.conftest import good_need

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PARALLEL = 12


def in_parallel(work: Callable[[int], tuple[int, dict]]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(PARALLEL)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcome = work(index)
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_parallel_submissions_each_get_their_own_reference_without_gaps(postgres, org):
    def submit(index: int) -> tuple[int, dict]:
        response = APIClient().post(
            "/api/v1/public/needs/",
            good_need(title=f"并发提交 {index}"),
            format="json",
            REMOTE_ADDR=f"10.9.0.{index + 1}",
        )
        return response.status_code, response.json()

    results = in_parallel(submit)
    assert sorted(code for code, _ in results) == [201] * PARALLEL, results
    numbers = sorted(int(body["reference"].rsplit("-", 1)[1]) for _, body in results)
    assert numbers == list(range(1, PARALLEL + 1))
    assert Submission.objects.count() == PARALLEL


def test_parallel_decisions_on_one_submission_have_exactly_one_winner(postgres, org):
    response = APIClient().post("/api/v1/public/needs/", good_need(), format="json")
    pk = Submission.objects.get(reference=response.json()["reference"]).pk
    supervisors = [SupervisorFactory(username=f"sup{i}", organisation=org) for i in range(PARALLEL)]

    def decide(index: int) -> tuple[int, dict]:
        client = APIClient()
        client.force_authenticate(user=supervisors[index])
        verb, body = ("accept", {}) if index % 2 == 0 else ("decline", {"reason": "重复提交"})
        answer = client.post(f"/api/v1/submissions/{pk}/{verb}/", body, format="json")
        return answer.status_code, answer.json()

    results = in_parallel(decide)
    codes = sorted(code for code, _ in results)
    assert codes.count(200) == 1 and codes.count(409) == PARALLEL - 1, results
    assert {body["code"] for code, body in results if code == 409} == {"already_decided"}
    submission = Submission.objects.get(pk=pk)
    assert submission.status in (SubmissionStatus.ACCEPTED, SubmissionStatus.DECLINED)
    assert Demand.objects.count() == (1 if submission.status == SubmissionStatus.ACCEPTED else 0)
    assert submission.history.count() == 2  # received, then exactly one decision
