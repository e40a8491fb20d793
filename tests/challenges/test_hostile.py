"""Acceptance 3: hostile input on the public proposal form and its uploads — oversized files,
wrong types disguised by their extension, script in the text, bots — gets a clear error and
leaves nothing stored (no proposal, no attachment, no file)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from challenges.models import Attachment, Proposal
from tests.challenges.conftest import PROPOSALS, docx_bytes, pdf_file
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _nothing_stored(settings) -> None:  # type: ignore[no-untyped-def]
    assert Proposal.objects.count() == 0
    assert Attachment.objects.count() == 0
    root = Path(settings.MEDIA_ROOT)
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]


DISGUISED = [
    ("plan.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "an executable named .pdf"),
    ("plan.pdf", b"<html><script>alert(1)</script></html>", "HTML named .pdf"),
    ("plan.docx", b"%PDF-1.4 but called docx", "a PDF named .docx"),
    ("plan.docx", docx_bytes(with_document=False), "a ZIP without a Word document inside"),
    ("plan.docx", docx_bytes(macro=True), "a Word document with macros"),
    ("plan.pdf", OLE2 + b"\x00" * 200, "a legacy Office file named .pdf"),
    ("plan.exe", b"%PDF-1.4 real pdf, wrong extension", "an extension that is not allowed"),
    ("plan.xlsx", b"PK\x03\x04 broken zip", "a broken ZIP named .xlsx"),
]


@pytest.mark.parametrize(("name", "content", "why"), DISGUISED, ids=[d[2] for d in DISGUISED])
def test_a_file_whose_content_is_not_its_extension_is_refused(
    challenge, settings, name, content, why
):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client_for(None).post(
        f"/api/v1/public/challenges/{challenge.pk}/proposals/",
        {**PROPOSALS[0], "attachments": upload},
    )
    assert response.status_code == 400, why
    assert response.json()["code"] in ("attachment_type", "bad_attachment")
    assert name in response.json()["detail"]
    _nothing_stored(settings)


def test_an_oversized_file_is_refused_with_the_limit(challenge, settings):
    settings.CHALLENGE_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    big = pdf_file(size=2 * 1024 * 1024 + 1)
    response = client_for(None).post(
        f"/api/v1/public/challenges/{challenge.pk}/proposals/",
        {**PROPOSALS[0], "attachments": [pdf_file("ok.pdf"), big]},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "attachment_too_large"
    assert "2 MB" in response.json()["detail"]
    _nothing_stored(settings)


def test_too_many_files_are_refused(challenge, settings):
    settings.CHALLENGE_ATTACHMENT_MAX_FILES = 2
    files = [pdf_file(f"{i}.pdf") for i in range(3)]
    response = client_for(None).post(
        f"/api/v1/public/challenges/{challenge.pk}/proposals/",
        {**PROPOSALS[0], "attachments": files},
    )
    assert response.status_code == 400 and response.json()["code"] == "too_many_attachments"
    _nothing_stored(settings)


def test_real_pdf_and_office_files_are_accepted(challenge, settings):
    files = [
        pdf_file("方案.pdf"),
        SimpleUploadedFile("预算.docx", docx_bytes()),
        SimpleUploadedFile("旧版.doc", OLE2 + b"\x00" * 512),
    ]
    response = client_for(None).post(
        f"/api/v1/public/challenges/{challenge.pk}/proposals/",
        {**PROPOSALS[0], "attachments": files},
    )
    assert response.status_code == 201, response.json()
    stored = Attachment.objects.order_by("id")
    assert [a.content_type for a in stored] == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/msword",
    ]
    assert all(
        Path(a.file.path).is_relative_to(Path(settings.MEDIA_ROOT) / "private") for a in stored
    )


SCRIPTS = [
    ("plan", "<script>alert(1)</script>"),
    ("institution", '<img src=x onerror="alert(1)">'),
    ("team", "javascript:alert(1)"),
    ("schedule", "第一阶段 <a href=x>点我</a>"),
    ("contact", "王老师\x07"),
]


@pytest.mark.parametrize(("field", "value"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_markup_or_script_in_the_text_is_refused(challenge, settings, field, value):
    response = client_for(None).post(
        f"/api/v1/public/challenges/{challenge.pk}/proposals/",
        {**PROPOSALS[0], field: value},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body.get("code") == "markup_not_allowed" or field in body, body
    _nothing_stored(settings)


def test_plain_text_with_comparison_signs_is_fine(challenge):
    response = client_for(None).post(
        f"/api/v1/public/challenges/{challenge.pk}/proposals/",
        {**PROPOSALS[0], "plan": "孔隙率 <0.5%，温度 > 650℃，a<5 时成立"},
        format="json",
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "-1"),
        ("price", "abc"),
        ("price", "1e30"),
        ("email", "not-an-email"),
        ("plan", ""),
        ("institution", "x" * 201),
    ],
)
def test_bad_fields_are_400_with_the_field_named(challenge, settings, field, value):
    response = client_for(None).post(
        f"/api/v1/public/challenges/{challenge.pk}/proposals/",
        {**PROPOSALS[0], field: value},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json() or "detail" in response.json()
    _nothing_stored(settings)


def test_the_honeypot_refuses_bots(challenge, settings):
    response = client_for(None).post(
        f"/api/v1/public/challenges/{challenge.pk}/proposals/",
        {**PROPOSALS[0], "website": "http://spam.example"},
        format="json",
    )
    assert response.status_code == 400
    _nothing_stored(settings)


def test_proposals_are_limited_per_address_and_the_limit_passes(challenge, settings):
    settings.CHALLENGE_PROPOSAL_RATE = "3/hour"
    url = f"/api/v1/public/challenges/{challenge.pk}/proposals/"
    public = client_for(None)
    with time_machine.travel("2026-12-01 10:00:00+08:00", tick=False) as clock:
        for _i in range(3):
            assert public.post(url, PROPOSALS[1], format="json").status_code == 201
        refused = public.post(url, PROPOSALS[1], format="json")
        assert refused.status_code == 429
        other_address = public.post(url, PROPOSALS[1], format="json", REMOTE_ADDR="10.0.0.9")
        assert other_address.status_code == 201
        clock.shift(dt.timedelta(hours=1, seconds=1))
        assert public.post(url, PROPOSALS[1], format="json").status_code == 201
    assert Proposal.objects.count() == 5


def test_the_page_form_reports_a_disguised_file_and_stores_nothing(challenge, settings):
    browser = Client()
    page = browser.post(
        f"/challenges/{challenge.pk}/",
        {**PROPOSALS[0], "attachments": SimpleUploadedFile("plan.pdf", b"MZ\x90\x00")},
    )
    assert page.status_code == 400
    assert "plan.pdf" in page.content.decode() and "不是扩展名所示" in page.content.decode()
    _nothing_stored(settings)


def test_the_page_form_keeps_script_out(challenge, settings):
    page = Client().post(
        f"/challenges/{challenge.pk}/", {**PROPOSALS[0], "plan": "<script>alert(1)</script>"}
    )
    assert page.status_code == 400
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "纯文本" in page.content.decode()
    _nothing_stored(settings)


def test_the_page_form_accepts_a_proposal_and_shows_the_reference(challenge):
    browser = Client()
    response = browser.post(
        f"/challenges/{challenge.pk}/", {**PROPOSALS[0], "attachments": pdf_file()}, follow=True
    )
    assert response.status_code == 200
    proposal = Proposal.objects.get()
    assert proposal.reference in response.content.decode()
    assert proposal.attachments.count() == 1
