"""The bank slip of a payment (checked by content, private) and the XLSX export (no formulas)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from payments.models import Payment
from tests.payments.conftest import payment_body

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post_with_scan(client, contract, upload, **overrides):
    return client.post(
        f"/api/v1/contracts/{contract.pk}/payments/",
        {**payment_body(**overrides), "scan": upload},
        format="multipart",
    )


def test_a_png_scan_is_kept_and_served_only_to_those_who_see_the_deal(
    api, finance, other_broker, signed_contract
):
    upload = SimpleUploadedFile("回单.png", PNG, content_type="application/pdf")
    response = post_with_scan(api(finance), signed_contract, upload)
    assert response.status_code == 201, response.json()
    scan = response.json()["scan"]
    assert scan["content_type"] == "image/png"  # by content, not by what the client said
    assert scan["name"] == "回单.png"
    payment = Payment.objects.get()
    assert "回单" not in payment.scan.name  # stored under a random name
    got = api(finance).get(f"/api/v1/payments/{payment.pk}/scan/")
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PNG
    assert got["Content-Type"] == "image/png"
    assert api(other_broker).get(f"/api/v1/payments/{payment.pk}/scan/").status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("slip.pdf", b"<html><script>alert(1)</script></html>"),
        ("slip.png", b"GIF89a......"),
        ("slip.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # a PNG header, no image
        ("slip.exe", b"%PDF-1.7 but named .exe"),
        ("empty.pdf", b""),
    ],
)
def test_a_scan_that_is_not_a_pdf_or_an_image_is_refused(
    api, finance, signed_contract, name, content
):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = post_with_scan(api(finance), signed_contract, upload)
    assert response.status_code == 400
    assert "scan" in str(response.json())
    assert not Payment.objects.exists()


def test_a_scan_over_the_size_limit_is_refused(api, finance, signed_contract, settings):
    settings.PAYMENT_SCAN_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 2048)
    response = post_with_scan(api(finance), signed_contract, upload)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_scan"


def test_the_export_writes_amounts_as_numbers_and_text_never_as_a_formula(
    api, finance, other_broker, signed_contract
):
    api(finance).post(
        f"/api/v1/contracts/{signed_contract.pk}/payments/",
        payment_body(payer='=HYPERLINK("http://evil")', reference="+86-1"),
        format="json",
    )
    response = api(finance).get("/api/v1/payments/export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["到账金额（元）"].value == 1000000
    assert row["付款方"].data_type == "s"
    assert row["付款方"].value.startswith("'=")
    assert row["银行流水号"].value == "'+86-1"
    others = load_workbook(io.BytesIO(api(other_broker).get("/api/v1/payments/export/").content))
    assert others.active.max_row == 1
    assert api(finance).get("/api/v1/payments/export/?deal=abc").status_code == 400
