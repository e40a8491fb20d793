"""Reading uploaded CSV and XLSX files as rows, with the checks that make a bad upload a 400.

Hostile files are bounded by what they really contain, never by what they declare: an XLSX's
declared sheet dimension is ignored (`reset_dimensions`), the unpacked size of the workbook is
capped (a zip bomb), and every row is checked as it is read: at most `MAX_COLUMNS` cells, no cell
longer than `MAX_CELL_CHARS`, no NUL byte, and the whole file read within `READ_BUDGET_SECONDS`.
A file that breaks one of these is refused with the row number and the reason.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from common.exceptions import ValidationFailed

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # the XLSX's parts once unzipped, as its directory declares
READ_BUDGET_SECONDS = 60.0
CSV, XLSX = "csv", "xlsx"

Row = tuple[int, list[Any]]  # (row number as the user sees it in the sheet, cell values)


def sniff(head: bytes, filename: str, size: int) -> str:
    """The file's format, or a ValidationFailed that says why it is not importable."""
    if size == 0:
        raise ValidationFailed(_("上传的文件是空的。"), code="empty_file")
    if size > MAX_IMPORT_BYTES:
        raise ValidationFailed(
            _("文件过大（%(size).1f MB），单次导入不超过 %(max)d MB，请拆分后再导入。")
            % {"size": size / 1024 / 1024, "max": MAX_IMPORT_BYTES // 1024 // 1024},
            code="file_too_large",
        )
    name = filename.lower()
    if head.startswith(b"PK\x03\x04"):
        if name.endswith(".xls") or not (name.endswith(".xlsx") or "." not in name):
            raise ValidationFailed(
                _("只支持 .xlsx 或 .csv 文件（该文件是 ZIP 压缩包，但扩展名不是 .xlsx）。"),
                code="unsupported_file",
            )
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationFailed(
            _("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 .csv 后再导入。"),
            code="unsupported_file",
        )
    if name.endswith((".csv", ".txt")) and b"\x00" not in head:
        _decode(head, partial=True)
        return CSV
    raise ValidationFailed(
        _("无法识别的文件：请上传 CSV（UTF-8 或 GBK 编码）或 XLSX 表格。"), code="unsupported_file"
    )


def _decode(data: bytes, partial: bool = False) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # The sniffed head may end in the middle of a multi-byte character: an incremental
            # decoder leaves that tail out (slicing by the error's offset miscounts after a BOM).
            return codecs.getincrementaldecoder(encoding)().decode(data, final=not partial)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(
        _("CSV 文件编码无法识别，请另存为 UTF-8 编码的 CSV。"), code="unsupported_file"
    )


def _blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _check_zip(fileobj: IO[bytes]) -> None:
    """A zip bomb is refused before openpyxl unpacks anything: the parts' declared sizes are
    capped (Python's zipfile never returns more than a part declares)."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValidationFailed(
            _("XLSX 文件已损坏或不是 Excel 工作簿，请重新导出。"), code="unsupported_file"
        ) from exc
    finally:
        fileobj.seek(0)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationFailed(
            _("XLSX 解压后过大（超过 %(max)d MB），请删去多余的工作表或拆分后再导入。")
            % {"max": MAX_UNPACKED_BYTES // 1024 // 1024},
            code="file_too_large",
        )


def _rejected(number: int, reason: str) -> ValidationFailed:
    return ValidationFailed(
        _("第 %(row)d 行：%(reason)s") % {"row": number, "reason": reason}, code="row_rejected"
    )


def _guarded(rows: Iterator[tuple[int, list[Any]]], deadline: float) -> Iterator[Row]:
    """The rows, each checked as it is read (see the module's docstring)."""
    number = 0
    try:
        for number, raw in rows:
            if time.monotonic() > deadline:
                raise _rejected(
                    number,
                    _("读取超时（超过 %(s)d 秒），文件过于复杂，请拆分后再导入。")
                    % {"s": READ_BUDGET_SECONDS},
                )
            while raw and raw[-1] is None:
                raw.pop()
            if len(raw) > MAX_COLUMNS:
                raise _rejected(
                    number, _("列数超过 %(max)d 列，请删去多余的列。") % {"max": MAX_COLUMNS}
                )
            for value in raw:
                if isinstance(value, str):
                    if len(value) > MAX_CELL_CHARS:
                        raise _rejected(
                            number,
                            _("有单元格超过 %(max)d 个字符。") % {"max": MAX_CELL_CHARS},
                        )
                    if "\x00" in value:
                        raise _rejected(number, _("含有空字符（NUL），请清理后再导入。"))
            yield number, raw
    except csv.Error as exc:  # a field past csv's own size limit, a broken quote
        raise _rejected(number + 1, _("CSV 格式错误：%(e)s") % {"e": exc}) from exc


def read_rows(fileobj: IO[bytes], fmt: str) -> tuple[list[str], Iterator[Row]]:
    """Header names (stripped) and an iterator of non-blank data rows with their row numbers,
    each row checked (ValidationFailed naming the row when one is hostile)."""
    deadline = time.monotonic() + READ_BUDGET_SECONDS
    if fmt == CSV:
        text = _decode(fileobj.read())
        csv.field_size_limit(MAX_CELL_CHARS + 1)
        reader = csv.reader(io.StringIO(text))
        rows: Iterator[list[Any]] = iter(reader)
    else:
        _check_zip(fileobj)
        try:
            workbook = load_workbook(fileobj, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationFailed(
                _("XLSX 文件已损坏或不是 Excel 工作簿，请重新导出。"), code="unsupported_file"
            ) from exc
        sheet = workbook.worksheets[0]
        # The declared dimension (`<dimension ref="A1:XFD1048576">`) would make openpyxl pad
        # every row to it and yield empty rows up to it: read only what the sheet holds.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        rows = (list(r) for r in sheet.iter_rows(values_only=True))
    # row numbers as the user sees them in the sheet
    numbered = _guarded(enumerate(rows, start=1), deadline)
    header: list[str] = []
    for _number, raw in numbered:
        if not _blank(raw):
            header = [str(h).strip() if h is not None else "" for h in raw]
            break
    if not header:
        raise ValidationFailed(_("表格没有表头行和数据。"), code="empty_file")
    return header, ((n, raw) for n, raw in numbered if not _blank(raw))
