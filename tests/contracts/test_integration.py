"""PostgreSQL and a real Celery worker: the database constraints hold under a real engine, and the
PDF task renders after commit on a worker, idempotently."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from contracts import services
from contracts.models import Contract, ContractDocument, DocumentStatus
from tests.factories_contracts import ContractFactory, contract_data

pytestmark = [pytest.mark.integration]


@pytest.mark.django_db
def test_postgres_enforces_the_amount_constraints(postgres, deal):
    contract = ContractFactory(deal=deal)
    for update in (
        {"technology_amount": contract.amount + Decimal("0.01")},
        {"amount": Decimal("-1.00"), "technology_amount": Decimal("-2.00")},
        {"valid_to": contract.valid_from - dt.timedelta(days=1)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Contract.objects.filter(pk=contract.pk).update(**update)


@pytest.mark.django_db
def test_postgres_keeps_money_exact(postgres, deal):
    contract = ContractFactory(
        deal=deal, amount=Decimal("9999999999999999.99"), technology_amount=Decimal("0.01")
    )
    contract.refresh_from_db()
    assert contract.amount == Decimal("9999999999999999.99")
    assert contract.technology_amount == Decimal("0.01")


@pytest.mark.django_db(transaction=True)
def test_two_parallel_drafts_leave_one_current_contract(postgres, deal):
    """Two brokers press "create" at once: the deal row lock serialises them; one gets a 409."""
    results: list[str] = []
    barrier = threading.Barrier(2)

    def draft() -> None:
        try:
            barrier.wait(timeout=10)
            services.contract_create(deal=deal, actor=deal.lead_broker, **contract_data())
            results.append("created")
        except Exception as exc:  # the loser's error is the point of the test
            results.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=draft) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["Conflict", "created"]
    assert Contract.objects.filter(deal=deal, is_current=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_signed_contract_after_commit(real_worker, deal):
    from contracts.tasks import render_contract_document, sweep_pending_documents

    contract = ContractFactory(deal=deal)
    contract = services.contract_sign(
        contract=contract, actor=deal.lead_broker, signed_on=timezone.localdate()
    )
    document = ContractDocument.objects.get(contract=contract)
    deadline = timezone.now() + dt.timedelta(seconds=60)
    while timezone.now() < deadline:
        document.refresh_from_db()
        if document.status != DocumentStatus.PENDING:
            break
        threading.Event().wait(0.2)
    assert document.status == DocumentStatus.READY, document.error
    assert document.final and len(document.sha256) == 64

    # idempotent: a redelivered task leaves the document as it is
    assert render_contract_document.delay(document.pk).get(timeout=30) == "ready"
    again = ContractDocument.objects.get(pk=document.pk)
    assert (again.sha256, again.attempts, again.file.name) == (
        document.sha256,
        1,
        document.file.name,
    )
    # a lost enqueue: the sweep finds old pending documents and hands them to the worker
    lost = ContractDocument.objects.create(
        contract=contract,
        version=2,
        contract_revision=contract.revision,
        final=True,
        template_name="contracts/pdf/v1/transfer.html",
        template_version="v1",
    )
    ContractDocument.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert sweep_pending_documents.delay().get(timeout=30) == 1
    deadline = timezone.now() + dt.timedelta(seconds=60)
    while timezone.now() < deadline:
        lost.refresh_from_db()
        if lost.status != DocumentStatus.PENDING:
            break
        threading.Event().wait(0.2)
    assert lost.status == DocumentStatus.READY
    assert lost.sha256 == document.sha256  # same contract, same template: same bytes
