"""Statistics and dashboard tables as files: XLSX (typed numbers, two-place money) and CSV
(UTF-8 with a BOM for Excel). Every text cell goes through `common.spreadsheet`: never a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from common.spreadsheet import csv_cell, xlsx_cell

MONEY_FORMAT = "#,##0.00"


@dataclass
class Table:
    """One table: what a chart draws, what the page shows beside it, what the CSV holds."""

    key: str
    title: str
    columns: list[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)
    note: str = ""


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return csv_cell(value)


def table_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def tables_xlsx(tables: list[Table]) -> bytes:
    workbook = Workbook()
    first = workbook.active
    if first is not None:
        workbook.remove(first)
    for table in tables:
        sheet = workbook.create_sheet(title=table.title[:31])
        for index, title in enumerate(table.columns, start=1):
            cell = sheet.cell(row=1, column=index)
            xlsx_cell(cell, title)
            cell.font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(index)].width = 18
        sheet.freeze_panes = "A2"
        for r, row in enumerate(table.rows, start=2):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c)
                xlsx_cell(cell, value)
                if isinstance(value, Decimal):
                    cell.number_format = MONEY_FORMAT
        if table.note:
            xlsx_cell(sheet.cell(row=len(table.rows) + 3, column=1), table.note)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Marked for the catalogue here, translated where shown (`_(FIGURE_LABELS[key])`).
FIGURE_LABELS = {
    "needs": gettext_noop("收集需求（项）"),
    "achievements": gettext_noop("发布成果（项）"),
    "enterprises_served": gettext_noop("服务企业（家）"),
    "deals_opened": gettext_noop("新建项目（个）"),
    "deals_registered": gettext_noop("登记项目（个）"),
    "contract_amount": gettext_noop("合同成交额（元）"),
    "technology_amount": gettext_noop("技术交易额（元）"),
    "rewards_paid": gettext_noop("已发放奖励（元）"),
    "rewards_paid_count": gettext_noop("已发放奖励（笔）"),
    "rewards_clawed_back": gettext_noop("追回奖励（元）"),
    "brokers_active": gettext_noop("活跃经纪人（人）"),
}
BREAKDOWN_KEYS = [
    "needs",
    "deals_opened",
    "deals_registered",
    "contract_amount",
    "technology_amount",
]
MONTH_KEYS = ["needs", "achievements", *BREAKDOWN_KEYS[1:], "rewards_paid"]


def stats_tables(stats: dict[str, Any]) -> list[Table]:
    """The statistics as four tables: totals, by month, by region, by industry."""
    scope_note = _("统计区间 %(start)s 至 %(end)s（北京时间）") % {
        "start": stats["from"],
        "end": stats["to"],
    }
    totals = Table(
        "totals",
        _("总览"),
        [_("指标"), _("数值")],
        [(_(FIGURE_LABELS[k]), stats[k]) for k in FIGURE_LABELS],
        note=scope_note,
    )
    month = Table(
        "by_month",
        _("按月"),
        [_("月份"), *(_(FIGURE_LABELS[k]) for k in MONTH_KEYS)],
        [(row["month"], *(row[k] for k in MONTH_KEYS)) for row in stats["by_month"]],
    )
    region = Table(
        "by_region",
        _("按地区"),
        [_("地区代码"), _("地区"), *(_(FIGURE_LABELS[k]) for k in BREAKDOWN_KEYS)],
        [
            (row["code"], row["name"], *(row[k] for k in BREAKDOWN_KEYS))
            for row in stats["by_region"]
        ],
    )
    industry = Table(
        "by_industry",
        _("按行业"),
        [_("行业代码"), _("行业"), *(_(FIGURE_LABELS[k]) for k in BREAKDOWN_KEYS)],
        [
            (row["code"], row["name"], *(row[k] for k in BREAKDOWN_KEYS))
            for row in stats["by_industry"]
        ],
    )
    return [totals, month, region, industry]
