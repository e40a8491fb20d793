"""The deal page's payments panel: scheduled against received with the overdue instalment in
red, recording with a confirmation step, reversing with a reason, refusals next to their field
with what the user typed, nothing for strangers."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments.models import Payment
from tests.payments.conftest import payment_body

pytestmark = pytest.mark.django_db


def field_block(page: str, field_id: str) -> str:
    """The `_field.html` block of one field: its label, input and errors."""
    match = re.search(
        r'<div class="field[^"]*">\s*<label for="' + field_id + r'".*?</div>\s*(?=<div|</div>)',
        page,
        re.S,
    )
    assert match, f"no field {field_id} on the page"
    return match.group(0)


def deal_page(client, contract) -> str:
    response = client.get(reverse("deal-detail", args=[contract.deal_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_shows_scheduled_against_received_with_the_overdue_instalment_in_red(
    client, finance, signed_contract
):
    Payment.objects.create(
        deal=signed_contract.deal,
        contract=signed_contract,
        received_on=signed_contract.signed_on,
        amount="400000.00",
        payer="甲方",
        reference="R-1",
    )
    client.force_login(finance)
    page = deal_page(client, signed_contract)
    panel = page[page.index('id="payments"') :]
    rows = re.findall(r'<tr class="([^"]*)" data-status="(\w+)"', panel)
    assert rows == [("overdue", "overdue"), ("", "due"), ("", "due")]
    assert "逾期，欠 600,000.00 元" in panel
    assert "400,000.00" in panel and "2,400,000.00" in panel  # received, outstanding
    assert "录入一笔到账" in panel  # finance may record


def test_recording_shows_the_figures_for_confirmation_then_records(
    client, finance, signed_contract
):
    client.force_login(finance)
    url = reverse("payment-record", args=[signed_contract.pk])
    confirm = client.post(url, payment_body(amount="1000000.00"))
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "确认录入 1,000,000.00 元" in text
    assert "1,800,000.00" in text  # left after this payment
    assert not Payment.objects.exists()
    done = client.post(url, {**payment_body(amount="1000000.00"), "confirmed": "1"})
    assert done.status_code == 302
    assert done["Location"].endswith(f"/deals/{signed_contract.deal_id}/#payments")
    payment = Payment.objects.get()
    assert payment.recorded_by == finance
    assert "已录入到账 1,000,000.00 元" in deal_page(client, signed_contract)


def test_a_bad_amount_comes_back_next_to_its_field_with_what_was_typed(
    client, finance, signed_contract
):
    client.force_login(finance)
    url = reverse("payment-record", args=[signed_contract.pk])
    response = client.post(url, payment_body(amount="12.345", payer="宁波甲方"))
    assert response.status_code == 302
    page = deal_page(client, signed_contract)
    amount = field_block(page, "id_amount")
    assert "has-error" in amount and 'value="12.345"' in amount
    assert 'value="宁波甲方"' in field_block(page, "id_payer")
    assert not Payment.objects.exists()


def test_an_overpayment_is_refused_next_to_the_amount(client, finance, signed_contract):
    client.force_login(finance)
    url = reverse("payment-record", args=[signed_contract.pk])
    client.post(url, {**payment_body(amount="2800000.00"), "confirmed": "1"})
    client.post(url, {**payment_body(amount="0.01", reference="R-2"), "confirmed": "1"})
    page = deal_page(client, signed_contract)
    amount = field_block(page, "id_amount")
    assert "has-error" in amount and "不能超过合同成交额" in amount
    assert 'value="0.01"' in amount
    assert Payment.objects.count() == 1


def test_a_scan_that_is_not_a_pdf_or_image_is_refused_on_the_confirmation_page(
    client, finance, signed_contract, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(finance)
    url = reverse("payment-record", args=[signed_contract.pk])
    upload = SimpleUploadedFile("slip.pdf", b"MZ\x90\x00 not a pdf")
    response = client.post(url, {**payment_body(), "confirmed": "1", "scan": upload})
    assert response.status_code == 400
    assert "has-error" in field_block(response.content.decode(), "id_scan")
    assert not Payment.objects.exists()
    pdf = SimpleUploadedFile("slip.pdf", b"%PDF-1.7\n%%EOF\n")
    response = client.post(url, {**payment_body(), "confirmed": "1", "scan": pdf})
    assert response.status_code == 302
    assert Payment.objects.get().scan_content_type == "application/pdf"


def test_reversing_needs_a_reason_next_to_its_field(client, finance, signed_contract):
    client.force_login(finance)
    client.post(
        reverse("payment-record", args=[signed_contract.pk]), {**payment_body(), "confirmed": "1"}
    )
    payment = Payment.objects.get()
    url = reverse("payment-reverse", args=[payment.pk])
    client.post(url, {"reason": ""})
    reason = field_block(deal_page(client, signed_contract), f"id_reverse_{payment.pk}")
    assert "has-error" in reason
    payment.refresh_from_db()
    assert payment.reversed_at is None
    client.post(url, {"reason": "银行退票"})
    payment.refresh_from_db()
    assert payment.reverse_reason == "银行退票"
    page = deal_page(client, signed_contract)
    assert "已冲销" in page and "银行退票" in page


def test_a_co_broker_reads_the_panel_but_has_no_form_and_is_refused(
    client, broker, co_broker, signed_contract
):
    from deals.services import deal_set_brokers

    deal_set_brokers(
        deal=signed_contract.deal, actor=broker, shares=[(broker, "60"), (co_broker, "40")]
    )
    client.force_login(co_broker)
    page = deal_page(client, signed_contract)
    assert 'id="payments"' in page and "录入一笔到账" not in page
    response = client.post(
        reverse("payment-record", args=[signed_contract.pk]),
        {**payment_body(), "confirmed": "1"},
        follow=True,
    )
    assert (
        "只有本机构的财务人员、本项目的主办经纪人或管理员可以录入到账" in response.content.decode()
    )
    assert not Payment.objects.exists()


def test_another_organisation_gets_404(client, other_broker, finance, signed_contract):
    client.force_login(finance)
    client.post(
        reverse("payment-record", args=[signed_contract.pk]), {**payment_body(), "confirmed": "1"}
    )
    payment = Payment.objects.get()
    client.force_login(other_broker)
    assert client.get(reverse("deal-detail", args=[signed_contract.deal_id])).status_code == 404
    for url, body in (
        (reverse("payment-record", args=[signed_contract.pk]), payment_body()),
        (reverse("payment-reverse", args=[payment.pk]), {"reason": "x"}),
    ):
        assert client.post(url, body).status_code == 404
    payment.refresh_from_db()
    assert payment.reversed_at is None
