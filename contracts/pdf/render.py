"""From a contract to its HTML (a versioned Django template per type) and from HTML to PDF bytes."""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from common.language import in_chinese
from contracts.amounts import amount_in_figures, amount_in_words
from contracts.clause_texts import clause_defaults, facts
from contracts.clauses import CLAUSES, COOPERATIVE_ROLES, PARTY_ROLES, PATENT_FIELDS
from contracts.models import Contract, ContractType, PaymentMode
from contracts.pdf.fonts import FontMissing, check_cjk_fonts

# Bump when a template changes what a contract looks like: documents record the version they were
# rendered with, and an old version's bytes stay reproducible as long as its templates are kept.
TEMPLATE_VERSION = "v2"
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "contracts" / "pdf"
NONE_TEXT = "无"

DOCUMENT_TITLES: dict[tuple[str, str], str] = {
    (ContractType.DEVELOPMENT, "commissioned"): "技术开发（委托）合同",
    (ContractType.DEVELOPMENT, "cooperative"): "技术开发（合作）合同",
    (ContractType.TRANSFER, "patent_right"): "专利权转让合同",
    (ContractType.TRANSFER, "patent_application_right"): "专利申请权转让合同",
    (ContractType.TRANSFER, "know_how"): "技术秘密转让合同",
    (ContractType.TRANSFER, "other"): "技术转让合同",
    (ContractType.CONSULTING, "consulting"): "技术咨询合同",
    (ContractType.SERVICE, "service"): "技术服务合同",
    (ContractType.SERVICE, "training"): "技术培训合同",
    (ContractType.SERVICE, "brokerage"): "技术中介合同",
}
CN_NUMERALS = "零一二三四五六七八九"
TRANSFER_RIGHTS = {
    "patent_right": "专利权",
    "patent_application_right": "专利申请权",
    "know_how": "技术秘密",
}

# WeasyPrint reports every layout step at INFO; a worker's log is not the place for that.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class PdfError(Exception):
    """Rendering could not produce a correct document; the message says why and what to do."""


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    # Characters no installed font can draw: WeasyPrint prints an empty box for each.
    missing_glyphs: tuple[str, ...] = ()


class _MissingGlyphs(logging.Handler):
    """Collects WeasyPrint's ".notdef glyph rendered" warnings of this thread's render."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.chars: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if (
            record.thread == self.thread
            and str(record.msg).startswith(".notdef glyph")
            and isinstance(record.args, tuple)
            and record.args
        ):
            char = str(record.args[0])
            if char not in self.chars:
                self.chars.append(char)


class LocalOnlyFetcher(URLFetcher):
    """Contract HTML carries user text: never let it make the renderer fetch anything but the
    template directory's own files (an <img src="http://internal/"> would be an SSRF hole).
    Other documents (the rewards statement) subclass it with their own `root`."""

    root: Path = TEMPLATE_DIR

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith("file://"):
            path = Path(url[len("file://") :].split("?")[0]).resolve()
            if path.is_relative_to(self.root.resolve()):
                return super().fetch(url, headers)
        raise ValueError(f"blocked resource: {url[:100]}")


# One per process: building a URLFetcher sets up urllib handlers (an SSL context among them), which
# costs more CPU than anything else we add around WeasyPrint. Tasks run one at a time per process.
_FETCHER = LocalOnlyFetcher(allowed_protocols=["file"])


def template_name_for(contract_type: str) -> str:
    return f"contracts/pdf/{TEMPLATE_VERSION}/{contract_type}.html"


def cn_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 23 → 二十三 (clause numbers, 第X条)."""
    if n < 10:
        return CN_NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_NUMERALS[tens]) + "十" + (CN_NUMERALS[ones] if ones else "")


def cn_date(value: dt.date | str | None) -> str:
    if not value:
        return "____年__月__日"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return f"{value.year}年{value.month}月{value.day}日"


def document_title(contract: Contract) -> str:
    if contract.contract_type == ContractType.LICENSE:
        return "技术秘密使用许可合同" if "know_how" in contract.subtype else "专利实施许可合同"
    return DOCUMENT_TITLES.get((contract.contract_type, contract.subtype), "技术合同")


def _money(value: Decimal | str) -> dict[str, str]:
    amount = Decimal(value)
    return {"figures": amount_in_figures(amount), "words": "人民币" + amount_in_words(amount)}


def _party_rows(party: dict[str, str]) -> list[tuple[str, str]]:
    labels = [
        ("name", "名称"),
        ("credit_code", "统一社会信用代码"),
        ("address", "住所地"),
        ("representative", "法定代表人"),
        ("contact", "项目联系人"),
        ("phone", "联系电话"),
        ("bank_account", "开户银行及账号"),
    ]
    return [(label, party.get(key) or NONE_TEXT) for key, label in labels]


def contract_context(contract: Contract, *, final: bool) -> dict[str, Any]:
    if contract.contract_type == ContractType.DEVELOPMENT and contract.subtype == "cooperative":
        role_a, role_b = COOPERATIVE_ROLES
    else:
        role_a, role_b = PARTY_ROLES[contract.contract_type]
    # Every article is stored when drafted; one missing (a contract drafted before the model
    # texts) reads the model text filled with the contract's facts. An empty one reads 无.
    stored = contract.clauses or {}
    defaults = clause_defaults(contract)
    sections = []
    for index, (key, heading) in enumerate(CLAUSES[contract.contract_type], start=1):
        sections.append(
            {
                "key": key,
                "number": cn_ordinal(index),
                "heading": heading,
                "text": stored[key] if key in stored else defaults.get(key, ""),
            }
        )
    known = facts(contract)
    patent = contract.patent or {}
    # The patent office's registration date concerns transfers, the filing number licences.
    skip = (
        "filing_number"
        if contract.contract_type == ContractType.TRANSFER
        else "office_registered_on"
    )
    patent_rows = [
        (
            label,
            (cn_date(patent[key]) if key.endswith(("_on", "_until")) else patent[key])
            if patent.get(key)
            else NONE_TEXT,
        )
        for key, label in PATENT_FIELDS
        if key != skip
    ]
    schedule = [
        {
            "index": i,
            "due_on": cn_date(row["due_on"]),
            "amount": _money(row["amount"]),
            "note": row.get("note") or "",
        }
        for i, row in enumerate(contract.payment_schedule or [], start=1)
    ]
    intermediary = contract.intermediary or {}
    return {
        "contract": contract,
        "title": document_title(contract),
        "subject": known["subject"],
        "patent_ref": known["patent_ref"],
        "transfer_right": TRANSFER_RIGHTS.get(contract.subtype, "技术"),
        "type_label": ContractType(contract.contract_type).label,
        "subtype_label": contract.subtype_label,
        "role_a": role_a,
        "role_b": role_b,
        "party_a_rows": _party_rows(contract.party_a or {}),
        "party_b_rows": _party_rows(contract.party_b or {}),
        "party_a": contract.party_a or {},
        "party_b": contract.party_b or {},
        "intermediary": intermediary,
        "intermediary_rows": [
            ("机构名称", intermediary.get("organisation") or NONE_TEXT),
            ("所在地区", intermediary.get("region") or NONE_TEXT),
            ("技术经纪人", intermediary.get("broker") or NONE_TEXT),
            ("技术经纪人证书编号", intermediary.get("certificate_number") or NONE_TEXT),
        ],
        "amount": _money(contract.amount),
        "technology_amount": _money(contract.technology_amount),
        "non_technology_amount": _money(contract.amount - contract.technology_amount),
        "payment_mode": PaymentMode(contract.payment_mode).label,
        "schedule": schedule,
        "sections": sections,
        "patent_rows": patent_rows,
        "signed_on": cn_date(contract.signed_on),
        "valid_from": cn_date(contract.valid_from),
        "valid_to": cn_date(contract.valid_to),
        "final": final,
        "none_text": NONE_TEXT,
        # Only configured family names reach the CSS (settings, not user input), each quoted.
        "font_stack": ", ".join(f'"{family}"' for family in settings.CONTRACT_PDF_FONTS),
        "created_iso": (contract.signed_on or contract.valid_from).isoformat(),
        "template_version": TEMPLATE_VERSION,
    }


def contract_html(contract: Contract, *, final: bool) -> str:
    """The contract as HTML, in Chinese whatever language the interface speaks."""
    with in_chinese():
        return render_to_string(
            template_name_for(contract.contract_type), contract_context(contract, final=final)
        )


def html_to_pdf(html: str) -> RenderedPdf:
    watcher = _MissingGlyphs()
    weasyprint_logger = logging.getLogger("weasyprint")
    weasyprint_logger.addHandler(watcher)
    try:
        document = HTML(
            string=html,
            base_url=TEMPLATE_DIR.as_uri() + "/",
            url_fetcher=_FETCHER,
        ).render()
        buffer = io.BytesIO()
        # No /ID: it is optional (unencrypted, not PDF/A), and pydyf computes it by serialising and
        # compressing every object a second time (+20% CPU). Without it the bytes are still a pure
        # function of the HTML, the fonts and the library versions.
        document.write_pdf(buffer)
    finally:
        weasyprint_logger.removeHandler(watcher)
    return RenderedPdf(
        data=buffer.getvalue(), pages=len(document.pages), missing_glyphs=tuple(watcher.chars)
    )


def render_contract_pdf(contract: Contract, *, final: bool) -> RenderedPdf:
    try:
        check_cjk_fonts(list(settings.CONTRACT_PDF_FONTS))
    except FontMissing as exc:
        raise PdfError(str(exc)) from exc
    rendered = html_to_pdf(contract_html(contract, final=final))
    if rendered.missing_glyphs:
        chars = "、".join(f"“{c}”（U+{ord(c):04X}）" for c in rendered.missing_glyphs[:10])
        raise PdfError(
            _(
                "合同文本含有已安装字体无法显示的字符：%(chars)s，生成的 PDF 会在该处显示空白方框。"
                "请安装包含这些字符的字体（如 CJK 扩展区字体）后重新生成，或在合同中改写这些字符。"
            )
            % {"chars": chars}
        )
    if rendered.pages == 0:
        raise PdfError(_("合同文本渲染结果为空，请检查模板。"))
    return rendered
