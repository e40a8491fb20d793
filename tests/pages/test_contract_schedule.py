"""Issue 15: the contract's payment schedule (the instalments of its price article, the plan the
payments panel compares the money received with) is entered on the deal page's draft form, not
only through the API; its errors sit at the row and field they concern, all at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from contracts.models import Contract, PaymentMode
from deals.models import DealState
from tests.factories import DealFactory
from tests.helpers import walk_to
from tests.pages.test_contract_desk import errors_of
from tests.pages.test_contract_panel import draft_data
from tests.pages.test_deal_forms import field_errors, section

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def test_a_broker_enters_the_instalments_on_the_page_and_they_reach_the_contract(
    broker, supervisor
):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'name="s1_due_on"' in html and 'name="s4_amount"' in html
    response = client.post(
        f"/deals/{deal.pk}/contract/",
        draft_data(
            payment_mode=PaymentMode.INSTALMENTS,
            s1_due_on=days(30),
            s1_amount="1000000",
            s1_note="首付款",
            s2_due_on=days(180),
            s2_amount="1800000.00",
            s2_note="验收后",
        ),
    )
    assert response["Location"].endswith("#contract")
    contract = Contract.objects.get(deal=deal)
    assert contract.payment_mode == PaymentMode.INSTALMENTS
    assert contract.payment_schedule == [
        {"due_on": days(30), "amount": "1000000.00", "note": "首付款"},
        {"due_on": days(180), "amount": "1800000.00", "note": "验收后"},
    ]
    assert "分二期" in contract.clauses["price_payment"]
    # The edit form shows the plan again; editing it changes the contract.
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    edit = section(html, "contract-edit")
    assert f'value="{days(180)}"' in edit and 'value="1800000.00"' in edit
    client.post(
        f"/contracts/{contract.pk}/edit/",
        draft_data(
            payment_mode=PaymentMode.INSTALMENTS,
            s1_due_on=days(30),
            s1_amount="800000",
            s2_due_on=days(90),
            s2_amount="1000000",
            s3_due_on=days(180),
            s3_amount="1000000",
        ),
    )
    contract.refresh_from_db()
    assert [Decimal(r["amount"]) for r in contract.payment_schedule] == [
        Decimal("800000"),
        Decimal("1000000"),
        Decimal("1000000"),
    ]


def test_schedule_mistakes_are_shown_at_their_rows_all_at_once_with_the_input_kept(
    broker, supervisor
):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    response = client.post(
        f"/deals/{deal.pk}/contract/",
        draft_data(
            payment_mode=PaymentMode.INSTALMENTS,
            s1_due_on=days(30),
            s1_amount="1000000",
            s2_note="验收后付清",  # a started row without its date and amount
            s3_due_on="2026-13-40",
            s3_amount="-5",
        ),
    )
    assert response["Location"].endswith("#contract-form")
    html = client.get(response["Location"]).content.decode()
    errors = field_errors(html)
    assert errors["s2_due_on"] == ["请填写第 2 期的日期。"]
    assert errors["s2_amount"] == ["请填写第 2 期的金额。"]
    assert "s3_due_on" in errors and "s3_amount" in errors
    assert "payment_mode" not in errors  # totals are judged once every row is complete
    assert len(errors_of(html)) == 4
    assert 'value="验收后付清"' in html and 'value="2026-13-40"' in html
    assert not Contract.objects.filter(deal=deal).exists()


def test_instalments_that_do_not_add_up_are_refused_at_the_payment_mode(broker, supervisor):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    response = client.post(
        f"/deals/{deal.pk}/contract/",
        draft_data(
            payment_mode=PaymentMode.INSTALMENTS,
            s1_due_on=days(30),
            s1_amount="1000000",
            s2_due_on=days(60),
            s2_amount="1000000",
        ),
    )
    html = client.get(response["Location"]).content.decode()
    assert field_errors(html) == {
        "payment_mode": ["各期金额合计 2000000 元，应等于成交额 2800000 元。"]
    }
    response = client.post(
        f"/deals/{deal.pk}/contract/", draft_data(payment_mode=PaymentMode.INSTALMENTS)
    )
    html = client.get(response["Location"]).content.decode()
    assert field_errors(html) == {"payment_mode": ["分期支付请填写各期的日期和金额。"]}
    assert not Contract.objects.filter(deal=deal).exists()


def test_a_schedule_entered_through_the_api_with_more_rows_survives_an_edit_on_the_page(
    broker, supervisor
):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    client.post(f"/deals/{deal.pk}/contract/", draft_data())
    contract = Contract.objects.get(deal=deal)
    rows = [{"due_on": days(10 * i), "amount": "400000.00", "note": ""} for i in range(1, 8)]
    contract.payment_schedule = rows
    contract.save(update_fields=["payment_schedule"])
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'name="s7_amount"' in section(html, "contract-edit")
    data = draft_data(payment_mode=PaymentMode.INSTALMENTS)
    for i, row in enumerate(rows, start=1):
        data.update({f"s{i}_due_on": row["due_on"], f"s{i}_amount": row["amount"]})
    client.post(f"/contracts/{contract.pk}/edit/", data)
    contract.refresh_from_db()
    assert contract.payment_schedule == rows
