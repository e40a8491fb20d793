"""Reading uploaded CSV and XLSX files as rows, with the checks that make a bad upload a 400."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from common.exceptions import ValidationFailed

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
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
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            # The sniffed head may end in the middle of a multi-byte character.
            if partial and exc.start >= len(data) - 3 and encoding == "utf-8-sig":
                return data[: exc.start].decode(encoding)
    raise ValidationFailed(
        _("CSV 文件编码无法识别，请另存为 UTF-8 编码的 CSV。"), code="unsupported_file"
    )


def _blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def read_rows(fileobj: IO[bytes], fmt: str) -> tuple[list[str], Iterator[Row]]:
    """Header names (stripped) and an iterator of non-blank data rows with their row numbers."""
    if fmt == CSV:
        text = _decode(fileobj.read())
        reader = csv.reader(io.StringIO(text))
        rows: Iterator[list[Any]] = iter(reader)
    else:
        try:
            workbook = load_workbook(fileobj, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationFailed(
                _("XLSX 文件已损坏或不是 Excel 工作簿，请重新导出。"), code="unsupported_file"
            ) from exc
        sheet = workbook.worksheets[0]
        rows = (list(r) for r in sheet.iter_rows(values_only=True))
    numbered = enumerate(rows, start=1)  # row numbers as the user sees them in the sheet
    header: list[str] = []
    for _number, raw in numbered:
        if not _blank(raw):
            header = [str(h).strip() if h is not None else "" for h in raw]
            break
    if not header:
        raise ValidationFailed(_("表格没有表头行和数据。"), code="empty_file")
    return header, ((n, raw) for n, raw in numbered if not _blank(raw))
