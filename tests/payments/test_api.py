"""Payments received through the API: who may record and reverse, the ceiling, bad input, and
what other organisations see (nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contracts import services as contract_services
from payments.models import Payment
from tests.factories import FinanceFactory
from tests.factories_contracts import ContractFactory
from tests.payments.conftest import payment_body

pytestmark = pytest.mark.django_db


def url(contract):
    return f"/api/v1/contracts/{contract.pk}/payments/"


def test_finance_records_a_payment_against_the_signed_contract(api, finance, signed_contract):
    response = api(finance).post(url(signed_contract), payment_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "1000000.00"
    assert body["reversed"] is False
    assert body["recorded_by"] == finance.pk
    payment = Payment.objects.get()
    assert payment.history.get().history_user == finance
    listed = api(finance).get(url(signed_contract)).json()
    assert [p["id"] for p in listed] == [payment.pk]


def test_lead_broker_records_a_payment(api, broker, signed_contract):
    response = api(broker).post(url(signed_contract), payment_body(), format="json")
    assert response.status_code == 201


def test_co_broker_and_supervisor_may_read_but_not_record(
    api, broker, co_broker, supervisor, signed_contract
):
    from deals.services import deal_set_brokers

    deal_set_brokers(
        deal=signed_contract.deal, actor=broker, shares=[(broker, "60"), (co_broker, "40")]
    )
    for user in (co_broker, supervisor):
        response = api(user).post(url(signed_contract), payment_body(), format="json")
        assert response.status_code == 403, user
        assert response.json()["code"] == "permission_denied"
        assert api(user).get(url(signed_contract)).status_code == 200
    assert not Payment.objects.exists()


def test_another_organisation_gets_404_everywhere(
    api, finance, other_broker, other_supervisor, other_org, signed_contract
):
    payment_id = api(finance).post(url(signed_contract), payment_body(), format="json").json()["id"]
    other_finance = FinanceFactory(username="qianfeng", organisation=other_org)
    for user in (other_broker, other_supervisor, other_finance):
        client = api(user)
        assert client.get(url(signed_contract)).status_code == 404
        assert client.post(url(signed_contract), payment_body(), format="json").status_code == 404
        assert client.get(f"/api/v1/payments/{payment_id}/").status_code == 404
        reverse = client.post(
            f"/api/v1/payments/{payment_id}/reverse/", {"reason": "x"}, format="json"
        )
        assert reverse.status_code == 404
        exported = client.get("/api/v1/payments/export/")
        assert exported.status_code == 200
    assert Payment.objects.count() == 1
    assert Payment.objects.get().reversed_at is None


def test_anonymous_is_told_to_sign_in(client, signed_contract):
    response = client.post(url(signed_contract), payment_body(), content_type="application/json")
    assert response.status_code == 401
    assert client.get(url(signed_contract)).status_code == 401


def test_the_total_may_not_exceed_the_contract_amount(api, finance, signed_contract):
    client = api(finance)
    assert client.post(url(signed_contract), payment_body(amount="2000000.00"), format="json")
    over = client.post(
        url(signed_contract), payment_body(amount="800000.01", reference="B-2"), format="json"
    )
    assert over.status_code == 400
    assert over.json()["code"] == "exceeds_contract_amount"
    assert "800,000.00" in over.json()["detail"]  # what is still allowed
    exact = client.post(
        url(signed_contract), payment_body(amount="800000.00", reference="B-3"), format="json"
    )
    assert exact.status_code == 201


def test_a_reversed_payment_no_longer_counts_towards_the_ceiling(api, finance, signed_contract):
    client = api(finance)
    first = client.post(url(signed_contract), payment_body(amount="2800000.00"), format="json")
    reversed_ = client.post(
        f"/api/v1/payments/{first.json()['id']}/reverse/", {"reason": "退票"}, format="json"
    )
    assert reversed_.status_code == 200
    assert reversed_.json()["reversed"] is True
    assert reversed_.json()["reverse_reason"] == "退票"
    # the same bank reference is free again once its entry is reversed
    again = client.post(url(signed_contract), payment_body(amount="2800000.00"), format="json")
    assert again.status_code == 201


def test_reversing_needs_a_reason_and_happens_once(api, finance, signed_contract):
    client = api(finance)
    payment_id = client.post(url(signed_contract), payment_body(), format="json").json()["id"]
    reverse = f"/api/v1/payments/{payment_id}/reverse/"
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = client.post(reverse, body, format="json")
        assert response.status_code == 400, body
    assert client.post(reverse, {"reason": "重复录入"}, format="json").status_code == 200
    twice = client.post(reverse, {"reason": "再次"}, format="json")
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_reversed"
    payment = Payment.objects.get()
    assert payment.reverse_reason == "重复录入"
    assert payment.history.first().history_change_reason == "冲销：重复录入"


def test_co_broker_may_not_reverse(api, broker, co_broker, finance, signed_contract):
    from deals.services import deal_set_brokers

    deal_set_brokers(
        deal=signed_contract.deal, actor=broker, shares=[(broker, "60"), (co_broker, "40")]
    )
    payment_id = api(finance).post(url(signed_contract), payment_body(), format="json").json()["id"]
    response = api(co_broker).post(
        f"/api/v1/payments/{payment_id}/reverse/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert Payment.objects.get().reversed_at is None


def test_a_payment_is_never_deleted_or_edited(api, finance, admin_user, signed_contract):
    payment_id = api(finance).post(url(signed_contract), payment_body(), format="json").json()["id"]
    for user in (finance, admin_user):
        client = api(user)
        assert client.delete(f"/api/v1/payments/{payment_id}/").status_code == 405
        assert (
            client.patch(
                f"/api/v1/payments/{payment_id}/", {"amount": "1"}, format="json"
            ).status_code
            == 405
        )
    assert Payment.objects.get().amount == 1000000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "-5.00"),
        ("amount", "0"),
        ("amount", "0.00"),
        ("amount", "12.345"),
        ("amount", "NaN"),
        ("amount", "Infinity"),
        ("amount", "1e400"),
        ("amount", "abc"),
        ("amount", ""),
        ("received_on", "0001-01-01"),
        ("received_on", "9999-12-31"),
        ("received_on", "2026-02-30"),
        ("received_on", "yesterday"),
        ("payer", ""),
        ("payer", "x" * 201),
        ("reference", ""),
        ("reference", "r" * 101),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, finance, signed_contract, field, value):
    response = api(finance).post(
        url(signed_contract), payment_body(**{field: value}), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in str(response.json())
    assert not Payment.objects.exists()


def test_a_nul_byte_is_a_400(api, finance, signed_contract):
    response = api(finance).post(
        url(signed_contract), payment_body(payer="宁波\x00公司"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "nul_byte"


def test_dates_must_lie_between_signing_and_today(api, finance, signed_contract):
    client = api(finance)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    before = (signed_contract.signed_on - dt.timedelta(days=1)).isoformat()
    for on in (tomorrow, before):
        response = client.post(url(signed_contract), payment_body(received_on=on), format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_received_on"


def test_a_draft_contract_takes_no_payment(api, finance, deal):
    draft = ContractFactory(deal=deal)
    response = api(finance).post(url(draft), payment_body(), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "contract_not_signed"


def test_a_superseded_version_takes_no_payment_and_the_deal_keeps_its_payments(
    api, finance, broker, signed_contract
):
    client = api(finance)
    assert client.post(url(signed_contract), payment_body(), format="json").status_code == 201
    new = contract_services.contract_new_version(
        contract=signed_contract, actor=broker, reason="补充条款"
    )
    old = client.post(url(signed_contract), payment_body(reference="X-2"), format="json")
    assert old.status_code == 409
    assert old.json()["code"] == "not_current"
    assert len(client.get(url(new)).json()) == 1


def test_the_same_bank_reference_is_refused_twice(api, finance, signed_contract):
    client = api(finance)
    assert client.post(url(signed_contract), payment_body(amount="1.00"), format="json")
    twice = client.post(url(signed_contract), payment_body(amount="2.00"), format="json")
    assert twice.status_code == 409
    assert twice.json()["code"] == "duplicate_reference"


def test_summary_shows_scheduled_against_received_with_the_overdue_instalment(
    api, finance, signed_contract
):
    client = api(finance)
    client.post(url(signed_contract), payment_body(amount="400000.00"), format="json")
    summary = client.get(f"/api/v1/contracts/{signed_contract.pk}/payments/summary/").json()
    assert summary["contract_amount"] == "2800000.00"
    assert summary["received"] == "400000.00"
    assert summary["outstanding"] == "2400000.00"
    assert [i["status"] for i in summary["instalments"]] == ["overdue", "due", "due"]
    assert summary["instalments"][0]["received"] == "400000.00"
    assert summary["instalments"][0]["outstanding"] == "600000.00"
    client.post(
        url(signed_contract), payment_body(amount="1100000.00", reference="B-2"), format="json"
    )
    summary = client.get(f"/api/v1/contracts/{signed_contract.pk}/payments/summary/").json()
    assert [i["status"] for i in summary["instalments"]] == ["paid", "partly_paid", "due"]
