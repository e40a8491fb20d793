"""The reward ledger as CSV and XLSX, one line per beneficiary's share (what finance pays)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from brokers.regions import region_name
from common.spreadsheet import csv_cell, xlsx_cell
from rewards.models import Basis, Clawback, Reward, RewardShare, RewardStatus

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class Column:
    title: str
    kind: str  # text | int | money | percent | date


def _columns() -> list[Column]:
    return [
        Column(_("奖励编号"), "int"),
        Column(_("项目编号"), "int"),
        Column(_("项目名称"), "text"),
        Column(_("地区"), "text"),
        Column(_("登记日期"), "date"),
        Column(_("年度"), "int"),
        Column(_("奖励政策"), "text"),
        Column(_("计奖基数"), "text"),
        Column(_("基数金额（元）"), "money"),
        Column(_("项目奖励合计（元）"), "money"),
        Column(_("经纪人"), "text"),
        Column(_("经纪人用户名"), "text"),
        Column(_("分成比例（%）"), "percent"),
        Column(_("应发金额（元）"), "money"),
        Column(_("状态"), "text"),
        Column(_("审核人"), "text"),
        Column(_("审核日期"), "date"),
        Column(_("发放日期"), "date"),
        Column(_("付款凭证号"), "text"),
        Column(_("追回金额（元）"), "money"),
        # A partial reward (policies on money received) rewards one payment: which one.
        Column(_("到账日期"), "date"),
        Column(_("到账金额（元）"), "money"),
        Column(_("到账流水号"), "text"),
    ]


Row = list[str | int | Decimal | dt.date | None]


def ledger_rows(rewards: QuerySet[Reward], *, broker_id: int | None = None) -> Iterator[Row]:
    """The lines, typed (Decimal, date, int). `broker_id`: only that person's lines."""
    for reward in rewards.select_related("payment").order_by("registered_on", "id"):
        payment = reward.payment
        shares: list[RewardShare | None] = [*reward.shares.all()] or [None]
        try:
            clawback: Clawback | None = reward.clawback
        except Clawback.DoesNotExist:
            clawback = None
        for share in shares:
            if broker_id is not None and (share is None or share.user_id != broker_id):
                continue
            clawed: Decimal | None = None
            if clawback is not None and share is not None:
                # the clawback is the whole reward: each person returns their own part
                clawed = share.amount
            yield [
                reward.pk,
                reward.deal_id,
                reward.deal.title,
                f"{region_name(reward.region)}（{reward.region}）",
                reward.registered_on,
                reward.year,
                reward.policy.name if reward.policy else "",
                str(Basis(reward.basis).label) if reward.basis else "",
                reward.basis_amount,
                reward.amount,
                str(share.user) if share else "",
                share.user.username if share else "",
                share.share if share else None,
                share.amount if share else None,
                str(RewardStatus(reward.status).label),
                str(reward.approved_by) if reward.approved_by else "",
                timezone.localdate(reward.approved_at) if reward.approved_at else None,
                reward.paid_on,
                reward.payment_reference,
                clawed,
                payment.received_on if payment else None,
                payment.amount if payment else None,
                payment.reference if payment else "",
            ]


def _text(value: object, kind: str) -> str:
    if value is None:
        return ""
    if kind == "money" and isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind == "text":
        return csv_cell(str(value))
    return str(value)


def ledger_csv(rows: Iterable[Row]) -> bytes:
    """UTF-8 with a BOM so that Excel opens the Chinese headings correctly; amounts "1234.50"."""
    columns = _columns()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.title for c in columns])
    for row in rows:
        writer.writerow([_text(v, c.kind) for v, c in zip(row, columns, strict=True)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def ledger_xlsx(rows: Iterable[Row], *, title: str) -> bytes:
    """Numbers as numbers (two-place money format), dates as dates: the sheet sums and sorts."""
    columns = _columns()
    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:
        raise RuntimeError("invariant: sheet is not None")
    sheet.title = title[:31]
    sheet.append([c.title for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    excel_row = 1
    for row in rows:
        excel_row += 1
        for index, (value, column) in enumerate(zip(row, columns, strict=True), start=1):
            cell = sheet.cell(row=excel_row, column=index)
            xlsx_cell(cell, value)
            if column.kind == "money":
                cell.number_format = MONEY_FORMAT
            elif column.kind == "percent":
                cell.number_format = "0.00"
            elif column.kind == "date":
                cell.number_format = DATE_FORMAT
    widths = {"text": 18, "int": 10, "money": 16, "percent": 12, "date": 12}
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths[column.kind]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
