"""The milestones as a spreadsheet: one line per deal and milestone, dates typed as dates, every
text cell through `common.spreadsheet` (a title such as `=HYPERLINK(...)` stays text)."""

from __future__ import annotations

import datetime as dt
import io

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from common.spreadsheet import xlsx_cell
from contracts.models import Contract
from deals.models import Deal
from followup.models import Milestone
from followup.selectors import MilestoneRow, milestone_rows

DATE_FORMAT = "yyyy-mm-dd"


def _state(row: MilestoneRow, today: dt.date) -> str:
    if row.actual_on is not None:
        return _("已完成")
    if row.planned_on is None:
        return _("未计划")
    return _("已超期") if row.overdue(today) else _("计划中")


def milestones_xlsx(deals: QuerySet[Deal], today: dt.date) -> bytes:
    deal_list = list(deals.select_related("demand").order_by("id"))
    ids = [d.pk for d in deal_list]
    numbers = dict(
        Contract.objects.filter(deal_id__in=ids, is_current=True).values_list("deal_id", "number")
    )
    by_deal: dict[int, list[Milestone]] = {}
    for m in Milestone.objects.filter(deal_id__in=ids):
        by_deal.setdefault(m.deal_id, []).append(m)
    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:
        raise RuntimeError("invariant: sheet is not None")
    sheet.title = str(_("实施里程碑"))
    headings = [
        _("项目编号"),
        _("项目"),
        _("需求企业"),
        _("合同编号"),
        _("里程碑"),
        _("计划日期"),
        _("实际日期"),
        _("状态"),
        _("说明"),
    ]
    sheet.append([str(h) for h in headings])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    line = 1
    for deal in deal_list:
        for row in milestone_rows(by_deal.get(deal.pk, [])):
            line += 1
            values: list[object] = [
                deal.pk,
                deal.title,
                deal.demand.enterprise,
                numbers.get(deal.pk, ""),
                row.label,
                row.planned_on,
                row.actual_on,
                _state(row, today),
                row.note,
            ]
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=line, column=column)
                xlsx_cell(cell, value)
                if isinstance(value, dt.date):
                    cell.number_format = DATE_FORMAT
    for column, width in enumerate([10, 30, 24, 20, 14, 12, 12, 10, 40], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
