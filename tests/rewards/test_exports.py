"""Ledger exports (CSV, XLSX with real types) and the broker's annual statement PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from rewards.services import reward_approve, reward_compute, reward_pay
from tests.factories import FinanceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(zhenhai, register, broker, co_broker, finance):
    a = reward_compute(
        deal_id=register(
            broker,
            "1234567.89",
            registered_on=dt.date(2026, 2, 3),
            co=[(broker, "60.00"), (co_broker, "40.00")],
        ).pk
    )
    b = reward_compute(deal_id=register(broker, "2500000.00", registered_on=dt.date(2025, 7, 1)).pk)
    reward_approve(reward_id=a.pk, actor=finance)
    reward_pay(reward_id=a.pk, actor=finance, paid_on=timezone.localdate(), reference="PZ-2026-001")
    return a, b


def test_csv_export_filters_by_year_and_keeps_exact_amounts(
    api, ledger, finance, broker, co_broker
):
    response = api(finance).get("/api/v1/rewards/export/", {"year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["经纪人用户名"], r["应发金额（元）"]) for r in rows] == [
        (broker.username, "11111.11"),  # 18518.52 × 60% = 11111.112
        (co_broker.username, "7407.41"),  # the odd fen: remainder .408 beats .112
    ]
    assert {r["项目奖励合计（元）"] for r in rows} == {"18518.52"}
    assert rows[0]["登记日期"] == "2026-02-03" and rows[0]["状态"] == "已发放"
    assert rows[0]["付款凭证号"] == "PZ-2026-001"


def test_csv_export_filters_by_broker_and_status(api, ledger, finance, co_broker):
    client = api(finance)
    body = client.get("/api/v1/rewards/export/", {"broker": co_broker.pk}).content.decode(
        "utf-8-sig"
    )
    assert len(list(csv.DictReader(io.StringIO(body)))) == 1
    body = client.get("/api/v1/rewards/export/", {"status": "calculated"}).content.decode(
        "utf-8-sig"
    )
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["应发金额（元）"] for r in rows] == ["37500.00"]


def test_xlsx_export_has_numbers_as_numbers_and_dates_as_dates(api, ledger, finance):
    for url, params in (
        ("/api/v1/rewards/export/", {"year": 2026, "format": "xlsx"}),
        ("/api/v1/rewards/export.xlsx", {"year": 2026}),
    ):
        response = api(finance).get(url, params)
        assert response.status_code == 200, url
        assert "spreadsheetml" in response["Content-Type"]
        sheet = load_workbook(io.BytesIO(response.content)).active
        header = [c.value for c in sheet[1]]
        row = {h: c for h, c in zip(header, sheet[2], strict=True)}
        amount = row["应发金额（元）"]
        assert amount.data_type == "n" and amount.number_format == "#,##0.00"
        assert D(str(amount.value)) == D("11111.11")
        assert row["基数金额（元）"].value == pytest.approx(1234567.89)
        assert row["分成比例（%）"].data_type == "n" and row["分成比例（%）"].value == 60
        registered = row["登记日期"]
        assert registered.is_date and registered.number_format == "yyyy-mm-dd"
        assert registered.value.date() == dt.date(2026, 2, 3)
        assert row["年度"].value == 2026 and row["年度"].data_type == "n"
        assert row["经纪人"].data_type == "s"
        assert sheet.max_row == 3


def test_export_shows_only_what_the_user_may_see(api, ledger, broker, co_broker, other_org):
    body = api(FinanceFactory(organisation=other_org)).get("/api/v1/rewards/export/").content
    assert len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) == 1  # header only
    body = api(co_broker).get("/api/v1/rewards/export/").content.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(body)))) == 2  # both lines of the shared reward
    assert api(broker).get("/api/v1/rewards/export/", {"format": "pdf"}).status_code == 400


def test_annual_statement_is_a_chinese_pdf_with_the_brokers_lines(api, ledger, broker, finance):
    response = api(finance).get("/api/v1/rewards/statement/", {"broker": broker.pk, "year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    assert "2026年度技术经纪人奖励对账单" in text
    assert "张伟" in text and "11,111.11" in text and "PZ-2026-001" in text
    assert "壹万壹仟壹佰壹拾壹元壹角壹分" in text  # the year's total in capitals
    assert "37,500.00" not in text  # 2025's reward is not on the 2026 statement
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Noto-Sans-CJK-SC" in f for f in fonts), fonts
    assert not any("Serif" in f for f in fonts), fonts


def test_the_statement_is_the_same_chinese_pdf_when_the_interface_is_english(
    api, ledger, broker, finance
):
    from django.conf import settings

    query = {"broker": broker.pk, "year": 2026}
    chinese = api(finance).get("/api/v1/rewards/statement/", query).content
    client = api(finance)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/api/v1/rewards/statement/", query)
    assert english["Content-Language"] == "en"  # the interface around it is English
    assert english.content == chinese


def test_statement_visibility(api, ledger, broker, co_broker, other_broker, other_org):
    assert api(broker).get("/api/v1/rewards/statement/", {"year": 2026}).status_code == 200
    assert (
        api(co_broker)
        .get("/api/v1/rewards/statement/", {"year": 2026, "broker": broker.pk})
        .status_code
        == 404
    )
    other_finance = FinanceFactory(organisation=other_org)
    assert (
        api(other_finance)
        .get("/api/v1/rewards/statement/", {"year": 2026, "broker": broker.pk})
        .status_code
        == 404
    )
    assert api(broker).get("/api/v1/rewards/statement/").status_code == 400


def test_statement_renderer_fetches_nothing_remote():
    from rewards.statement import LocalOnlyFetcher

    with pytest.raises(ValueError):
        LocalOnlyFetcher().fetch("http://169.254.169.254/latest/meta-data")
    with pytest.raises(ValueError):
        LocalOnlyFetcher().fetch("file:///etc/passwd")
