"""Issue 15, contracts: a draft made from the deal page has real text in every article (the model
texts' structure, the deal's facts filled in), each article can be edited and rendered again, a
signed contract changes only through a new version; attachments are checked and private; the
contract and registration forms show every error next to its field, in words, keeping the input."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from contracts import services
from contracts.clauses import CLAUSES
from contracts.models import Contract, ContractAttachment, ContractStatus, DocumentStatus
from deals.models import DealState
from tests.conftest import client_for
from tests.factories import DealFactory
from tests.factories_contracts import ContractFactory, complete_agreement, sign_contract
from tests.helpers import walk_to
from tests.pages.test_contract_panel import draft_data

pytestmark = pytest.mark.django_db

KINDS = [
    "development:commissioned",
    "development:cooperative",
    "transfer:patent_right",
    "transfer:know_how",
    "license:exclusive_patent",
    "license:ordinary_know_how",
    "consulting:consulting",
    "service:service",
    "service:brokerage",
]
SUBJECT = "一种注塑模具随形冷却流道设计方法"


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(client: Client, contract: Contract) -> str:
    client.post(f"/contracts/{contract.pk}/pdf/")
    document = contract.documents.order_by("-version").first()
    assert document is not None
    # The render task runs after commit, which a test's transaction never reaches: run it.
    document = services.document_render(document_id=document.pk)
    assert document.status == DocumentStatus.READY, document.error
    response = client.get(f"/api/v1/contracts/{contract.pk}/pdf/")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return flat("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def article_bodies(text: str, contract_type: str) -> dict[str, str]:
    """{article key: the text between its heading and the next one} of a PDF's flat text."""
    headings = [(key, flat(heading)) for key, heading in CLAUSES[contract_type]]
    bodies: dict[str, str] = {}
    position = text.index("协议")  # past the cover and the parties (the preamble's end)
    for i, (key, heading) in enumerate(headings):
        start = text.index(heading, position) + len(heading)
        nxt = headings[i + 1][1] if i + 1 < len(headings) else "本合同一式"
        end = text.index(nxt, start)
        bodies[key] = text[start:end]
        position = end
    return bodies


@pytest.mark.parametrize("kind", KINDS)
def test_a_draft_made_on_the_page_has_model_text_with_the_deals_facts_in_every_article(
    kind, broker, supervisor
):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    data = draft_data(kind=kind, subject=SUBJECT, payment_terms="")
    if "patent" not in kind:
        data.update(patent_number="", patent_title="")
    response = client.post(f"/deals/{deal.pk}/contract/", data)
    assert response.status_code == 302, response
    contract = Contract.objects.get(deal=deal)
    contract_type = kind.split(":")[0]
    assert list(contract.clauses) == [key for key, _h in CLAUSES[contract_type]]

    text = pdf_text(client, contract)
    for key, body in article_bodies(text, contract_type).items():
        assert len(body) > 20 and body != "无", (key, body)
    assert SUBJECT in text
    assert "宁波某汽车零部件有限公司" in text and "浙江大学宁波研究院" in text
    assert "¥2,800,000.00" in text and "贰佰捌拾万元整" in text
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in text
    # The recital names the subject, not the deal's title, as what is transferred or licensed.
    if contract_type in ("transfer", "license"):
        assert f"“{SUBJECT}”" in text.split("第一条")[0]


def test_an_edited_article_is_in_the_pdf_rendered_again(broker, supervisor):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    client.post(f"/deals/{deal.pk}/contract/", draft_data(kind="license:exclusive_patent"))
    contract = Contract.objects.get(deal=deal)
    before = pdf_text(client, contract)
    assert "逾期部分的万分之五" in before

    page = client.get(f"/contracts/{contract.pk}/clauses/").content.decode()
    assert "第 15 条" in page and "逾期部分的万分之五" in page
    form = {f"clause_{key}": text for key, text in contract.clauses.items()}
    form["clause_breach"] = "甲方逾期付款的，每逾期一日按应付款的千分之一支付违约金。"
    response = client.post(f"/contracts/{contract.pk}/clauses/", form, follow=True)
    assert "已保存 1 条条款" in response.content.decode()

    after = pdf_text(client, contract)
    assert "按应付款的千分之一支付违约金" in after
    assert "逾期部分的万分之五" not in after
    contract.refresh_from_db()
    assert contract.documents.count() == 2
    history = [h.history_change_reason for h in contract.history.order_by("history_id")]
    assert "修改合同条款" in history


def test_articles_never_edited_follow_a_changed_amount_and_edited_ones_stay(broker, supervisor):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    client.post(f"/deals/{deal.pk}/contract/", draft_data(kind="transfer:patent_right"))
    contract = Contract.objects.get(deal=deal)
    api = client_for(broker)
    api.patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"clauses": {"disputes": "提交宁波仲裁委员会仲裁。"}},
        format="json",
    )
    response = api.patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"amount": "3000000.00", "technology_amount": "2600000.00"},
        format="json",
    )
    clauses = response.json()["clauses"]
    assert "¥3,000,000.00" in clauses["price_payment"]
    assert clauses["disputes"] == "提交宁波仲裁委员会仲裁。"
    # null puts an article back to the model text; "" prints 无 on purpose.
    clauses = api.patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"clauses": {"disputes": None, "other": ""}},
        format="json",
    ).json()["clauses"]
    assert "人民法院" in clauses["disputes"] and clauses["other"] == ""


def test_a_signed_contract_changes_only_through_a_new_version_on_the_page(
    broker, supervisor, django_capture_on_commit_callbacks
):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    client.post(f"/deals/{deal.pk}/contract/", draft_data(kind="consulting:consulting"))
    contract = Contract.objects.get(deal=deal)
    with django_capture_on_commit_callbacks(execute=True):
        sign_contract(contract, broker)
    form = {f"clause_{key}": text for key, text in contract.clauses.items()}
    form["clause_deliverables"] = "乙方于三十日内提交咨询报告。"

    refused = client.post(f"/contracts/{contract.pk}/clauses/", form)
    assert refused.status_code == 400
    assert "请说明变更原因" in refused.content.decode()  # the reason, next to its field

    response = client.post(
        f"/contracts/{contract.pk}/clauses/", {**form, "reason": "交付期限调整"}, follow=True
    )
    assert "已创建新版本" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED and not contract.is_current
    assert contract.clauses["deliverables"] != "乙方于三十日内提交咨询报告。"
    new = Contract.objects.get(deal=deal, is_current=True)
    assert new.version == 2 and new.status == ContractStatus.DRAFT
    assert new.clauses["deliverables"] == "乙方于三十日内提交咨询报告。"


# --- attachments --------------------------------------------------------------------------------


def png_file(name: str = "盖章页.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 0, 0)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue())


def test_attachments_upload_checked_and_private(
    broker, supervisor, other_broker, finance, settings
):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    contract = complete_agreement(deal, supervisor)
    api = client_for(broker)
    url = f"/api/v1/contracts/{contract.pk}/attachments/"

    ok = api.post(url, {"kind": "signed_scan", "file": png_file(), "note": "三方盖章页"})
    assert ok.status_code == 201, ok.json()
    assert ok.json()["content_type"] == "image/png"
    stored = ContractAttachment.objects.get()
    assert Path(stored.file.path).is_relative_to(Path(settings.MEDIA_ROOT) / "private")

    disguised = api.post(
        url, {"kind": "signed_scan", "file": SimpleUploadedFile("scan.pdf", b"MZ\x90\x00" * 50)}
    )
    assert disguised.status_code == 400
    assert (
        disguised.json()["code"] == "attachment_type" and "scan.pdf" in disguised.json()["detail"]
    )

    settings.CONTRACT_ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 4096)
    oversize = api.post(url, {"kind": "signed_scan", "file": big})
    assert oversize.status_code == 400 and oversize.json()["code"] == "attachment_too_large"
    assert "不超过 1 KB" in oversize.json()["detail"] or "不超过" in oversize.json()["detail"]
    assert ContractAttachment.objects.count() == 1

    download = f"/api/v1/contracts/{contract.pk}/attachments/{stored.pk}/"
    assert api.get(download).status_code == 200
    assert signed_in(broker).get(f"/contracts/attachments/{stored.pk}/").status_code == 200
    assert client_for(other_broker).get(download).status_code == 404
    assert client_for(other_broker).get(url).status_code == 404
    assert signed_in(other_broker).get(f"/contracts/attachments/{stored.pk}/").status_code == 404
    assert client_for(finance).post(url, {"kind": "other", "file": png_file()}).status_code == 403


def signed_contract(broker, supervisor) -> Contract:  # type: ignore[no-untyped-def]
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    return sign_contract(ContractFactory(deal=deal))


def test_a_certificate_needs_a_registration_and_comes_with_it_on_the_page(broker, supervisor):
    contract = signed_contract(broker, supervisor)
    early = client_for(broker).post(
        f"/api/v1/contracts/{contract.pk}/attachments/",
        {"kind": "registration_certificate", "file": png_file("证书.png")},
    )
    assert early.status_code == 409 and early.json()["code"] == "not_registered"
    response = signed_in(broker).post(
        f"/contracts/{contract.pk}/registration/",
        {
            "exchange": "宁波科技大市场",
            "registration_number": "20263302110009",
            "registered_on": timezone.localdate().isoformat(),
            "certificate": png_file("登记证明.png"),
        },
        follow=True,
    )
    html = response.content.decode()
    assert "已录入合同登记" in html and "登记证明.png" in html
    attachment = ContractAttachment.objects.get()
    assert attachment.registration is not None and attachment.kind == "registration_certificate"


# --- errors where the eye is --------------------------------------------------------------------


def errors_of(html: str) -> list[str]:
    return re.findall(r'<ul class="errors"><li>(.*?)</li>', html)


def test_the_registration_form_shows_every_error_at_its_field_and_keeps_the_input(
    broker, supervisor
):
    contract = signed_contract(broker, supervisor)
    client = signed_in(broker)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        f"/contracts/{contract.pk}/registration/",
        {"exchange": "", "registration_number": "12AB", "registered_on": future},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#registration-form")
    html = client.get(response["Location"]).content.decode()
    errors = errors_of(html)
    assert len(errors) == 3, errors
    assert any("登记编号应为 14 或 16 位数字" in e for e in errors)
    assert any("登记日期不能在将来" in e for e in errors)
    assert f'value="{future}"' in html and 'value="12AB"' in html  # the date is not wiped
    assert "registered_on:" not in html and "registration_number:" not in html
    assert "有 3 处需要修改" in html.split('id="registration-form"')[1]


def test_a_refusal_only_the_service_finds_lands_at_its_field_in_words(broker, supervisor):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    today = timezone.localdate()
    client.post(
        f"/deals/{deal.pk}/contract/",
        draft_data(
            valid_from=(today - dt.timedelta(days=30)).isoformat(),
            valid_to=(today - dt.timedelta(days=10)).isoformat(),
        ),
    )
    contract = Contract.objects.get(deal=deal)
    late = (today - dt.timedelta(days=1)).isoformat()
    response = client.post(f"/contracts/{contract.pk}/sign/", {"signed_on": late})
    assert response["Location"].endswith("#sign-form")
    html = client.get(response["Location"]).content.decode()
    errors = errors_of(html)
    assert len(errors) == 1 and "晚于合同有效期截止日" in errors[0]
    assert "signed_on:" not in html
    assert f'value="{late}"' in html


def test_the_draft_form_shows_all_its_errors_at_once_with_the_input_kept(broker, supervisor):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    today = timezone.localdate()
    response = client.post(
        f"/deals/{deal.pk}/contract/",
        draft_data(
            a_name="",
            amount="100000",
            technology_amount="250000",
            valid_to=(today - dt.timedelta(days=1)).isoformat(),
            a_credit_code="123",
        ),
    )
    assert response["Location"].endswith("#contract-form")
    html = client.get(response["Location"]).content.decode()
    errors = errors_of(html)
    assert len(errors) == 4, errors
    assert any("技术交易额" in e for e in errors) and any("有效期截止日" in e for e in errors)
    assert any("统一社会信用代码" in e for e in errors)
    assert f'value="{(today - dt.timedelta(days=1)).isoformat()}"' in html
    assert 'value="250000"' in html
    assert not Contract.objects.filter(deal=deal).exists()


def test_a_draft_edited_on_the_page_refills_the_articles_never_edited(broker, supervisor):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    client.post(f"/deals/{deal.pk}/contract/", draft_data(kind="service:brokerage"))
    contract = Contract.objects.get(deal=deal)
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert f'action="/contracts/{contract.pk}/edit/"' in html
    assert 'value="2800000.00"' in html  # the edit form shows the draft

    response = client.post(
        f"/contracts/{contract.pk}/edit/",
        draft_data(kind="service:brokerage", amount="3000000", technology_amount="2700000"),
    )
    assert response["Location"].endswith("#contract")
    contract.refresh_from_db()
    assert contract.amount == 3000000 and contract.revision == 2
    assert "¥3,000,000.00" in contract.clauses["price_payment"]
    assert "寻找、联系技术合作方" in contract.clauses["subject"]


def test_an_attachment_refused_on_the_page_says_why_at_the_file_field(broker, supervisor):
    contract = signed_contract(broker, supervisor)
    client = signed_in(broker)
    response = client.post(
        f"/contracts/{contract.pk}/attachments/",
        {"kind": "signed_scan", "file": SimpleUploadedFile("盖章页.jpg", b"GIF89a" + b"0" * 99)},
    )
    assert response["Location"].endswith("#contract-attachments")
    html = client.get(response["Location"]).content.decode()
    errors = errors_of(html)
    assert len(errors) == 1 and "盖章页.jpg" in errors[0] and "扩展名" in errors[0]
    assert "未保存" in html.split('id="contract-attachments"')[1]
    assert not ContractAttachment.objects.exists()

    ok = client.post(
        f"/contracts/{contract.pk}/attachments/",
        {"kind": "signed_scan", "file": png_file(), "note": "三方盖章页"},
        follow=True,
    )
    assert "附件已上传" in ok.content.decode().split('id="contract-attachments"')[1]
    assert ContractAttachment.objects.get().note == "三方盖章页"
