"""A broker's contract in a real browser: draft it from the deal page without typing a clause,
edit one article, sign, see a refused registration come back at its form with the input kept,
then register it with the office's certificate attached. Screenshots: docs/screens/contract-*.png
(E2E_SCREENSHOTS=docs/screens)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from contracts.models import Contract, ContractAttachment, ContractStatus
from deals.models import DealState
from tests.e2e.conftest import sign_in
from tests.factories import DealFactory
from tests.helpers import walk_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pdf_text(page, url: str) -> str:  # type: ignore[no-untyped-def]
    response = page.request.get(url)
    assert response.status == 200
    reader = PdfReader(io.BytesIO(response.body()))
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))


def test_a_broker_drafts_edits_signs_and_registers_a_contract_with_its_certificate(
    new_page, live_server, screens, tmp_path: Path, broker, supervisor
):
    deal = walk_to(
        DealFactory(lead_broker=broker, title="注塑件表面缩痕问题攻关"),
        DealState.AGREEMENT,
        supervisor,
    )
    page = new_page()
    sign_in(page, live_server, "zhangwei")
    page.goto(f"{live_server.url}/deals/{deal.pk}/#contract")

    # Draft: the form comes prefilled from the deal; the broker completes the parties and amounts.
    page.click("#contract-form summary")
    page.select_option("#contract-form select[name=kind]", "license:exclusive_patent")
    page.fill("#contract-form input[name=subject]", "一种注塑模具随形冷却流道设计方法")
    page.fill("#contract-form input[name=a_address]", "宁波市镇海区民和路 100 号")
    page.fill("#contract-form input[name=a_representative]", "王建国")
    page.fill("#contract-form input[name=b_name]", "浙江大学宁波研究院")
    page.fill("#contract-form input[name=b_address]", "宁波市鄞州区首南街道 888 号")
    page.fill("#contract-form input[name=b_representative]", "李明")
    page.fill("#contract-form input[name=amount]", "2800000")
    page.fill("#contract-form input[name=technology_amount]", "2500000")
    page.fill("#contract-form input[name=patent_number]", "ZL202110000001.X")
    page.fill("#contract-form input[name=patent_title]", "一种注塑模具随形冷却流道设计方法")
    page.click("#contract-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "合同草稿已保存" in page.locator("#contract .messages").inner_text()
    contract = Contract.objects.get(deal=deal)

    # Every article has its model text; one is edited, and the PDF rendered again carries it.
    page.click("text=查看和逐条修改条款")
    page.wait_for_url(f"**/contracts/{contract.pk}/clauses/")
    breach = page.locator("textarea[name=clause_breach]")
    assert "万分之五" in breach.input_value()
    breach.fill("甲方逾期付款的，每逾期一日按应付款的千分之一支付违约金。")
    page.screenshot(path=str(screens / "contract-1-clauses.png"), full_page=False)
    page.click("#clauses button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "已保存 1 条条款" in page.locator("#clauses .messages").inner_text()

    page.goto(f"{live_server.url}/deals/{deal.pk}/#contract")
    page.click("#contract button:has-text('生成 PDF')")
    page.wait_for_load_state("domcontentloaded")
    text = pdf_text(page, f"{live_server.url}/api/v1/contracts/{contract.pk}/pdf/")
    assert "按应付款的千分之一支付违约金" in text and "一种注塑模具随形冷却流道设计方法" in text

    # Sign, then a registration with two mistakes: both shown at their fields, input kept.
    page.click("#sign-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "合同已签署" in page.locator("#contract .messages").inner_text()
    page.click("#registration-form summary")
    page.fill("input[name=exchange]", "宁波科技大市场")
    page.fill("input[name=registration_number]", "2026-33-0211")
    page.fill("input[name=registered_on]", "2099-01-01")
    page.click("#registration-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith("#registration-form")
    form = page.locator("#registration-form")
    assert form.locator(".errors li").count() == 2
    assert page.locator("input[name=registered_on]").input_value() == "2099-01-01"
    assert page.locator("input[name=exchange]").input_value() == "宁波科技大市场"
    form.scroll_into_view_if_needed()
    page.screenshot(path=str(screens / "contract-2-registration-errors.png"), full_page=False)

    scan = tmp_path / "登记证明.png"
    Image.new("RGB", (400, 280), (250, 250, 245)).save(scan)
    page.fill("input[name=registration_number]", "20263302110001")
    page.fill("input[name=registered_on]", contract.valid_from.isoformat())
    page.set_input_files("input[name=certificate]", str(scan))
    page.click("#registration-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "已录入合同登记" in page.locator("#contract .messages").inner_text()
    assert page.locator("#contract-attachments a", has_text="登记证明.png").count() == 1
    page.locator("#contract").scroll_into_view_if_needed()
    page.screenshot(path=str(screens / "contract-3-registered.png"), full_page=False)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.REGISTERED
    attachment = ContractAttachment.objects.get(contract=contract)
    download = page.request.get(f"{live_server.url}/contracts/attachments/{attachment.pk}/")
    assert download.status == 200 and download.headers["content-type"] == "image/png"
