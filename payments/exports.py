"""Payments received as an XLSX workbook: amounts typed as numbers, dates as dates, and every
text cell (payer, reference, reasons: typed by people) through `common.spreadsheet` so that
none is ever a formula."""

from __future__ import annotations

import io

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from common.spreadsheet import xlsx_cell
from payments.models import Payment

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


def _columns() -> list[tuple[str, str]]:
    return [
        (_("到账编号"), "int"),
        (_("项目编号"), "int"),
        (_("项目名称"), "text"),
        (_("合同编号"), "text"),
        (_("到账日期"), "date"),
        (_("到账金额（元）"), "money"),
        (_("付款方"), "text"),
        (_("银行流水号"), "text"),
        (_("录入人"), "text"),
        (_("录入时间"), "date"),
        (_("状态"), "text"),
        (_("冲销日期"), "date"),
        (_("冲销原因"), "text"),
    ]


def payments_xlsx(payments: QuerySet[Payment]) -> bytes:
    columns = _columns()
    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:
        raise RuntimeError("invariant: sheet is not None")
    sheet.title = str(_("合同到账"))
    sheet.append([title for title, _kind in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for excel_row, p in enumerate(payments.iterator(chunk_size=2000), start=2):
        values = [
            p.pk,
            p.deal_id,
            p.deal.title,
            p.contract.number,
            p.received_on,
            p.amount,
            p.payer,
            p.reference,
            str(p.recorded_by) if p.recorded_by else "",
            timezone.localdate(p.recorded_at),
            str(_("已冲销")) if p.is_reversed else str(_("有效")),
            timezone.localdate(p.reversed_at) if p.reversed_at else None,
            p.reverse_reason,
        ]
        for index, (value, (_title, kind)) in enumerate(zip(values, columns, strict=True), 1):
            cell = sheet.cell(row=excel_row, column=index)
            xlsx_cell(cell, value)
            if kind == "money":
                cell.number_format = MONEY_FORMAT
            elif kind == "date":
                cell.number_format = DATE_FORMAT
    widths = {"text": 20, "int": 10, "money": 16, "date": 12}
    for index, (_title, kind) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths[kind]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
