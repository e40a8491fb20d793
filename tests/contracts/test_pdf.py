"""The generated PDFs, read back with pypdf: what a registration office clerk would look for."""

import io
import re
from decimal import Decimal

import pytest
from django.test import override_settings
from pypdf import PdfReader

from contracts import services
from contracts.models import DocumentStatus
from contracts.pdf import contract_html, html_to_pdf, render_contract_pdf
from contracts.pdf.render import LocalOnlyFetcher
from tests.factories import DealFactory
from tests.factories_contracts import ContractFactory, party_data, render_pdf, sign_contract

pytestmark = pytest.mark.django_db

TYPES = [
    ("development", "commissioned", "技术开发（委托）合同"),
    ("development", "cooperative", "技术开发（合作）合同"),
    ("transfer", "patent_right", "专利权转让合同"),
    ("transfer", "know_how", "技术秘密转让合同"),
    ("license", "exclusive_patent", "专利实施许可合同"),
    ("license", "ordinary_know_how", "技术秘密使用许可合同"),
    ("consulting", "consulting", "技术咨询合同"),
    ("service", "service", "技术服务合同"),
    ("service", "brokerage", "技术中介合同"),
]


def pdf_text(data: bytes) -> str:
    """All pages' text with whitespace removed (wrapped lines break phrases)."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _clauses_for(contract_type):
    from contracts.clauses import clause_keys

    keys = [k for k in clause_keys(contract_type) if k not in ("price_payment", "patent")]
    return {keys[0]: "双方约定的第一项条款内容。", keys[-1]: "本合同未尽事宜，三方另行协商。"}


@pytest.mark.parametrize(("contract_type", "subtype", "heading"), TYPES)
def test_pdf_of_every_type_carries_parties_number_amounts_and_intermediary(
    deal, broker, contract_type, subtype, heading
):
    contract = ContractFactory(
        deal=deal,
        contract_type=contract_type,
        subtype=subtype,
        amount=Decimal("1234567.89"),
        technology_amount=Decimal("1034567.89"),
        clauses=_clauses_for(contract_type),
    )
    contract = sign_contract(contract)
    document = contract.documents.get(status=DocumentStatus.READY)
    with document.file.open("rb") as fh:
        data = fh.read()
    text = pdf_text(data)

    assert heading in text
    assert contract.number in text
    assert "宁波某汽车零部件有限公司" in text  # party A
    assert "浙江大学宁波研究院" in text  # party B
    assert "91330211MA2GXXXX1K" in text
    assert "¥1,234,567.89" in text
    assert "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分" in text
    assert "¥1,034,567.89" in text
    assert "壹佰零叁万肆仟伍佰陆拾柒元捌角玖分" in text
    # the intermediary block: the broker's organisation, the lead broker and their certificate
    assert "中介方（丙方）" in text
    assert deal.organisation.name in text
    assert "张伟" in text
    assert broker.broker_profile.certificate_number in text
    assert "双方约定的第一项条款内容。" in text
    assert "第1页共" in text  # page numbers "第 N 页 共 M 页"
    assert "草稿" not in text  # a signed contract's text is final
    # every glyph came from the CJK face: no fallback font stood in for a missing one
    assert embedded_fonts(data) == {"Noto-Serif-CJK-SC"}


def embedded_fonts(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_pdf_is_a4_with_the_cjk_font_embedded_as_a_subset(deal):
    contract = sign_contract(ContractFactory(deal=deal))
    document = contract.documents.get()
    reader = PdfReader(document.file.path)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all(re.match(r"/[A-Z]{6}\+Noto-Serif-CJK-SC", name) for name in fonts)
    assert document.pages == len(reader.pages)


def test_same_contract_and_template_give_the_same_bytes(deal):
    contract = sign_contract(ContractFactory(deal=deal))
    first = render_contract_pdf(contract, final=True).data
    second = render_contract_pdf(contract, final=True).data
    assert first == second
    stored = contract.documents.get()
    import hashlib

    assert hashlib.sha256(first).hexdigest() == stored.sha256


def test_a_draft_pdf_is_marked_as_draft_and_does_not_count_as_final(deal):
    contract = ContractFactory(deal=deal)
    document = render_pdf(contract)
    assert document.final is False
    with document.file.open("rb") as fh:
        assert "草稿" in pdf_text(fh.read())


def test_user_text_is_escaped_and_cannot_fetch_anything(deal):
    contract = ContractFactory(
        deal=deal,
        title='<img src="http://169.254.169.254/latest/meta-data/">项目',
        clauses={"breach": "<b>违约</b> & <script>alert(1)</script>"},
    )
    text = pdf_text(render_contract_pdf(contract, final=False).data)
    assert '<imgsrc="http://169.254.169.254/latest/meta-data/">项目' in text
    assert "<b>违约</b>&<script>alert(1)</script>" in text


def test_the_fetcher_refuses_network_and_files_outside_the_templates():
    fetcher = LocalOnlyFetcher(allowed_protocols=["file"])
    for url in ("http://169.254.169.254/", "https://example.org/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    # even an explicit <img> in the template HTML renders without fetching
    pdf = html_to_pdf('<html lang="zh-CN"><img src="http://127.0.0.1:9/x.png"><p>测试</p></html>')
    assert pdf.pages == 1


@override_settings(CONTRACT_PDF_FONTS=["Noto Serif CJK XX-Missing"])
def test_missing_cjk_font_fails_the_document_with_a_clear_message(deal):
    contract = ContractFactory(deal=deal)
    document = services.document_request(contract=contract, actor=deal.lead_broker)
    document = services.document_render(document_id=document.pk)
    assert document.status == DocumentStatus.FAILED
    assert "缺少中文字体" in document.error
    assert "Noto Serif CJK XX-Missing" in document.error
    assert "fonts-noto-cjk" in document.error
    assert not document.file


def test_a_failed_document_can_be_requested_again(deal):
    contract = ContractFactory(deal=deal)
    with override_settings(CONTRACT_PDF_FONTS=["Noto Serif CJK XX-Missing"]):
        failed = services.document_render(
            document_id=services.document_request(contract=contract, actor=deal.lead_broker).pk
        )
    assert failed.status == DocumentStatus.FAILED
    again = render_pdf(contract)
    assert again.pk != failed.pk and again.version == failed.version + 1


def test_rendering_is_idempotent(deal):
    contract = ContractFactory(deal=deal)
    document = render_pdf(contract)
    again = services.document_render(document_id=document.pk)
    assert (again.sha256, again.file.name, again.attempts) == (
        document.sha256,
        document.file.name,
        1,
    )


def _overflowing_text(html: str) -> list[str]:
    """Text boxes that reach past the right edge of the page's content area (CSS px)."""
    from weasyprint import HTML

    found = []
    for page in HTML(string=html).render().pages:
        box = page._page_box
        right = box.content_box_x() + box.width + 0.5

        def walk(b):  # type: ignore[no-untyped-def]
            yield b
            for child in getattr(b, "children", None) or []:
                yield from walk(child)

        for b in walk(box):
            if type(b).__name__ == "TextBox" and b.position_x + b.width > right:
                found.append(b.text[:20])
    return found


@pytest.mark.parametrize("contract_type", ["development", "transfer", "license", "service"])
def test_long_unbroken_text_wraps_inside_the_page(deal, contract_type):
    subtype = {"development": "commissioned", "transfer": "patent_right"}.get(
        contract_type, "exclusive_patent" if contract_type == "license" else "service"
    )
    contract = ContractFactory(
        deal=deal,
        contract_type=contract_type,
        subtype=subtype,
        title="超长项目名称" * 20,
        party_a=party_data(name="某" * 150, bank_account="6" * 120, address="A" * 150),
        clauses={"other": "甲" * 2000 + "x" * 500},
        payment_mode="instalments",
        payment_schedule=[
            {"due_on": "2026-04-01", "amount": "1400000.00", "note": "备注" * 40},
            {"due_on": "2026-10-01", "amount": "1400000.00", "note": "9" * 80},
        ],
    )
    assert _overflowing_text(contract_html(contract, final=False)) == []


def test_the_overflow_check_can_see_overflow():
    html = '<html lang="zh-CN"><p style="white-space: nowrap">' + "甲" * 200 + "</p></html>"
    assert _overflowing_text(html)


def test_the_sweep_renders_documents_whose_enqueue_was_lost(deal):
    import datetime as dt

    from django.utils import timezone

    from contracts.models import ContractDocument
    from contracts.tasks import sweep_pending_documents

    contract = ContractFactory(deal=deal)
    # requested inside a transaction whose on_commit never ran (broker down at commit)
    lost = services.document_request(contract=contract, actor=deal.lead_broker)
    fresh = ContractFactory(deal=DealFactory(lead_broker=deal.lead_broker))
    recent = services.document_request(contract=fresh, actor=deal.lead_broker)
    ContractDocument.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=6)
    )
    assert sweep_pending_documents() == 1
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.status == DocumentStatus.READY
    assert recent.status == DocumentStatus.PENDING  # may still be on its way: left alone


def test_a_character_no_font_can_draw_fails_the_document_instead_of_printing_a_box(deal):
    # 𪚥 (U+2A6A5, CJK Extension B) occurs in names; Noto CJK SC lacks it, and so does every
    # other font installed here: WeasyPrint would print an empty box.
    contract = ContractFactory(deal=deal, party_a=party_data(name="宁波𪚥业有限公司"))
    document = services.document_request(contract=contract, actor=deal.lead_broker)
    document = services.document_render(document_id=document.pk)
    assert document.status == DocumentStatus.FAILED
    assert "𪚥" in document.error and "U+2A6A5" in document.error
    assert "空白方框" in document.error


def test_missing_glyphs_are_counted_per_render():
    assert html_to_pdf('<html lang="zh-CN"><p>宁波𪚥</p></html>').missing_glyphs == ("𪚥",)
    assert html_to_pdf('<html lang="zh-CN"><p>宁波</p></html>').missing_glyphs == ()
