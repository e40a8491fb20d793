"""The interface language: Chinese by default, English by the header's switch (a cookie); the
contract documents stay Chinese whatever the interface speaks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django"


@pytest.fixture(autouse=True)
def compiled_catalogue() -> None:
    po, mo = CATALOGUE.with_suffix(".po"), CATALOGUE.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
        "the English catalogue is not compiled (or older than django.po): `make install` runs "
        "compilemessages"
    )


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, html[:200]
    return found.group(1)


def test_a_new_visitor_gets_chinese_even_from_an_english_browser():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert _lang(html) == "zh-CN"
    assert "登录" in html and "Sign in" not in html
    assert response["Content-Language"] == "zh-hans"
    # The switch offers English, named in English, posting to set_language with this page.
    assert f'action="{reverse("set_language")}"' in html
    assert re.search(
        r'<button type="submit" name="language" value="en" lang="en"[^>]*>English<', html
    )
    assert 'name="next" value="/"' in html


def test_the_switch_sets_a_lasting_cookie_and_comes_back_in_english_then_in_chinese():
    client = Client(enforce_csrf_checks=True)
    submit = reverse("demand-submit")  # a public page: the switch works before signing in
    token = client.get(submit).cookies["csrftoken"].value
    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": submit, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and response["Location"] == submit
    cookie = response.cookies[COOKIE]
    assert cookie.value == "en" and int(cookie["max-age"]) >= 300 * 24 * 3600
    assert cookie["httponly"] and cookie["samesite"] == "Lax"

    html = client.get(submit).content.decode()
    assert _lang(html) == "en"
    assert "Submit a technology need" in html and "提交技术需求" not in html
    assert re.search(r'value="zh-hans" lang="zh-Hans"[^>]*>简体中文<', html)

    client.post(
        reverse("set_language"),
        {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": token},
    )
    html = client.get("/").content.decode()
    assert _lang(html) == "zh-CN" and "登录" in html


def test_the_switch_refuses_a_post_without_the_csrf_token():
    response = Client(enforce_csrf_checks=True).post(reverse("set_language"), {"language": "en"})
    assert response.status_code == 403


def test_an_unknown_language_in_the_cookie_falls_back_to_chinese():
    client = Client()
    client.cookies[COOKIE] = "fr"
    assert _lang(client.get("/").content.decode()) == "zh-CN"


def test_a_signed_in_broker_sees_the_header_and_board_in_english(broker):
    client = Client()
    client.force_login(broker)
    client.cookies[COOKIE] = "en"
    html = client.get(reverse("board")).content.decode()
    assert _lang(html) == "en"
    assert "Log out" in html and "退出" not in html
    assert "简体中文" in html  # the way back, named in Chinese


def test_the_contract_document_stays_chinese_when_the_interface_is_english(deal):
    from contracts.models import PaymentMode
    from contracts.pdf import contract_html
    from tests.contracts.test_pdf import pdf_text
    from tests.factories_contracts import ContractFactory, sign_contract

    with translation.override("en"):
        # Proof the interface really is English here: the same label the document prints.
        assert str(PaymentMode.LUMP_SUM.label) != "一次总付"
        contract = sign_contract(ContractFactory(deal=deal, payment_mode=PaymentMode.LUMP_SUM))
        english_html = contract_html(contract, final=True)
        document = contract.documents.get(final=True)
        with document.file.open("rb") as fh:
            text = pdf_text(fh.read())
    with translation.override("zh-hans"):
        assert english_html == contract_html(contract, final=True)
    assert "支付方式：一次总付" in text and "专利权转让合同" in text
    assert "Lump" not in text and "Technology" not in text
    assert translation.get_language() == settings.LANGUAGE_CODE  # the override was undone


def test_a_notification_written_by_an_english_speaking_broker_is_stored_in_chinese(
    broker, supervisor, django_capture_on_commit_callbacks
):
    from deals import services as deal_services
    from deals.models import DealState
    from notifications.models import Notification
    from tests.factories import DealFactory
    from tests.helpers import satisfy

    deal = DealFactory(lead_broker=broker, title="注塑件表面缩痕问题攻关")
    satisfy(deal, DealState.MATCHED)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        deal_services.deal_request_transition(
            deal=deal, actor=broker, target=DealState.MATCHED, comment="申请进入成果匹配"
        )
    text = Notification.objects.get(user=supervisor).text
    assert text == "“注塑件表面缩痕问题攻关”申请变更到“成果匹配”，等待您审批。"


def test_a_reason_the_code_stored_is_shown_in_the_readers_language():
    from common.language import stored_text

    with translation.override("en"):
        assert stored_text("创建项目") == "Create deal"
        assert stored_text("经纪人协商确定分成比例") == "经纪人协商确定分成比例"  # typed: as stored
        assert stored_text("") == ""
    assert stored_text("创建项目") == "创建项目"
