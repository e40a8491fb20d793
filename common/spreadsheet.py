"""One rule for every exported spreadsheet cell: user text is never a formula.

A spreadsheet evaluates a cell whose text begins with `=`, `+`, `-` or `@` (and some also after a
leading tab or carriage return): a deal title such as `=HYPERLINK(...)` would run on finance's
machine. Text that begins with one of these is written with a leading apostrophe, which Excel, LibreOffice and
WPS show as plain text and never evaluate. Numbers, dates and `Decimal` amounts stay typed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import Cell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """`value` as inert text: a leading `'` when a spreadsheet would read it as a formula."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    """A value for `csv.writer`: text neutralised, everything else as given."""
    if isinstance(value, str):
        return safe_text(value)
    return value


def xlsx_cell(cell: Cell, value: Any) -> None:
    """Write `value` into an openpyxl cell: numbers and dates typed, any text explicitly a string
    (openpyxl would otherwise store text beginning with `=` as a formula)."""
    if value is None:
        cell.value = None
        return
    if isinstance(value, bool):
        cell.value = value
        return
    if isinstance(value, int | float | Decimal | dt.date | dt.datetime):
        cell.value = value
        return
    text = safe_text(str(value))
    cell.value = text
    cell.data_type = "s"  # never "f", whatever the text
