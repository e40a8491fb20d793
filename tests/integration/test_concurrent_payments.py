"""Payments recorded and reversed at once, on PostgreSQL with real parallel connections: the
deal's payments never exceed the contract amount, every payment that counts gets exactly one
reward, a reversed one none, and nothing deadlocks."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from deals.models import DealState
from deals.services import deal_set_brokers
from payments.models import Payment
from rewards import engine
from rewards.models import Reward
from rewards.services import policy_create
from rewards.services.computation import policy_terms
from tests.factories import BrokerFactory, DealFactory, DemandFactory, FinanceFactory
from tests.factories_contracts import ContractFactory, record_registration, sign_contract
from tests.helpers import move, walk_to

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

D = Decimal
PARALLEL = 8


def _run(jobs):  # type: ignore[no-untyped-def]
    """Run the callables at once (a barrier), each on its own connection; their results."""
    barrier = threading.Barrier(len(jobs))
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def run(job) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            response = job()
            outcome = (response.status_code, response.json())
        except Exception as exc:  # a deadlock surfaces here (psycopg's DeadlockDetected)
            outcome = (500, {"error": repr(exc)})
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == len(jobs), "a thread hung"
    return results


def _registered_deal(broker, supervisor, *, co=None, amount="2800000.00"):  # type: ignore[no-untyped-def]
    deal = DealFactory(lead_broker=broker, demand=DemandFactory(region="330211"))
    if co is not None:
        deal_set_brokers(deal=deal, actor=broker, shares=[(broker, "70"), (co, "30")])
    deal = walk_to(deal, DealState.AGREEMENT, supervisor)
    contract = ContractFactory(
        deal=deal, amount=D(amount), technology_amount=D(amount), valid_from=dt.date(2026, 1, 1)
    )
    contract = sign_contract(contract, signed_on=dt.date(2026, 3, 1))
    record_registration(contract, registered_on=dt.date(2026, 3, 5))
    deal.refresh_from_db()
    move(deal, DealState.REGISTERED, supervisor)
    return deal, contract


def _post(user, contract, amount, reference):  # type: ignore[no-untyped-def]
    def job():  # type: ignore[no-untyped-def]
        client = APIClient()
        client.force_authenticate(user=user)
        body = {
            "received_on": "2026-04-01",
            "amount": amount,
            "payer": "甲方",
            "reference": reference,
        }
        return client.post(f"/api/v1/contracts/{contract.pk}/payments/", body, format="json")

    return job


def test_parallel_payments_never_exceed_the_contract_amount(postgres, broker, supervisor, org):
    _deal, contract = _registered_deal(broker, supervisor)
    finance = FinanceFactory(username="fin-race", organisation=org)
    results = _run([_post(finance, contract, "1000000.00", f"RACE-{i}") for i in range(PARALLEL)])
    codes = sorted(code for code, _ in results)
    assert codes.count(201) == 2, results  # 2 × 1,000,000 fit in 2,800,000; a third does not
    assert codes.count(400) == PARALLEL - 2, results
    assert {b["code"] for c, b in results if c == 400} == {"exceeds_contract_amount"}
    assert sum(Payment.objects.values_list("amount", flat=True)) == D("2000000.00")


def test_payments_and_a_reversal_at_once_leave_one_reward_per_payment_that_counts(
    postgres, broker, supervisor, org, admin_user
):
    policy = policy_create(
        actor=admin_user,
        name="按到账（并发）",
        region="330211",
        basis="received_amount",
        tier_mode="marginal",
        tiers=[{"up_to": "1000000", "rate": "0.02"}, {"up_to": None, "rate": "0.01"}],
        cap_per_project="30000.00",
        effective_from=dt.date(2024, 1, 1),
    )
    co = BrokerFactory(username="co-race", organisation=org)
    deal, contract = _registered_deal(broker, supervisor, co=co)
    finance = FinanceFactory(username="fin-race2", organisation=org)
    first = _post(finance, contract, "500000.00", "FIRST")()
    assert first.status_code == 201
    assert Reward.objects.filter(payment_id=first.json()["id"], active=True).count() == 1

    def reverse():  # type: ignore[no-untyped-def]
        client = APIClient()
        client.force_authenticate(user=finance)
        return client.post(
            f"/api/v1/payments/{first.json()['id']}/reverse/", {"reason": "退票"}, format="json"
        )

    jobs = [_post(finance, contract, "300000.00", f"PAR-{i}") for i in range(PARALLEL - 1)]
    results = _run([*jobs, reverse])
    assert all(code in (200, 201) for code, _ in results), results

    counted = Payment.objects.filter(deal=deal, reversed_at__isnull=True)
    assert counted.count() == PARALLEL - 1
    for payment in counted:
        assert Reward.objects.filter(payment=payment, active=True).count() == 1
    assert not Reward.objects.filter(payment_id=first.json()["id"], active=True).exists()
    # Whichever order the computations and the reversal took: if a computation ran after the
    # reversal, it trued the deal up to the reward on what counts (2,100,000 → 30,000, capped);
    # if the reversal came last, exactly its part (10,000) is gone from the reward on 2,600,000.
    terms = policy_terms(policy)
    granted = sum(Reward.objects.filter(deal=deal, active=True).values_list("amount", flat=True))
    received = sum(counted.values_list("amount", flat=True))
    assert granted in (
        engine.compute(terms, received).amount,
        engine.compute(terms, received + D("500000")).amount - D("10000.00"),
    ), granted
