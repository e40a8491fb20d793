"""Attachment checks: a proposal's files are PDF or Office documents by their content (magic bytes
and, for the ZIP-based formats, their parts), whatever their name says; size and count limited."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from challenges.exceptions import BadAttachment

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the legacy .doc / .xls / .ppt container
PDF = b"%PDF-"
# ZIP-based Office formats: the part that makes a package a document of that kind.
OOXML_PARTS = {
    ".docx": "word/document.xml",
    ".xlsx": "xl/workbook.xml",
    ".pptx": "ppt/presentation.xml",
}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ALLOWED = ", ".join(CONTENT_TYPES)


def max_bytes() -> int:
    return int(getattr(settings, "CHALLENGE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def max_files() -> int:
    return int(getattr(settings, "CHALLENGE_ATTACHMENT_MAX_FILES", 5))


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    size: int
    sha256: str
    upload: Any


def clean_filename(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = re.sub(r"[\x00-\x1f\x7f]", "", base)
    return base[-200:] or "attachment"


def _kind_by_content(fileobj: IO[bytes], ext: str) -> str | None:
    """The extension this content really is ('.pdf', '.docx'…), or None when it is none of them."""
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(PDF):
        return ".pdf"
    if head == OLE2:
        # The legacy container holds any of the three; the declared one stands.
        return ext if ext in (".doc", ".xls", ".ppt") else ".doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(fileobj) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            fileobj.seek(0)
        if "[Content_Types].xml" not in names:
            return None
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            return "macro"
        for kind, part in OOXML_PARTS.items():
            if part in names:
                return kind
    return None


def check_upload(upload: Any) -> CheckedFile:
    """One uploaded file (a Django UploadedFile), or BadAttachment saying what is wrong with it."""
    name = clean_filename(getattr(upload, "name", ""))
    ext = os.path.splitext(name)[1].lower()
    size = int(getattr(upload, "size", 0) or 0)
    if size == 0:
        raise BadAttachment(_("附件“%(name)s”是空文件。") % {"name": name})
    if size > max_bytes():
        raise BadAttachment(
            _("附件“%(name)s”过大（%(size).1f MB），每个文件不超过 %(max).0f MB。")
            % {"name": name, "size": size / 1024 / 1024, "max": max_bytes() / 1024 / 1024},
            code="attachment_too_large",
        )
    if ext not in CONTENT_TYPES:
        raise BadAttachment(
            _("附件“%(name)s”的类型不支持：只接受 PDF 或 Office 文件（%(allowed)s）。")
            % {"name": name, "allowed": ALLOWED},
            code="attachment_type",
        )
    kind = _kind_by_content(upload, ext)
    if kind == "macro":
        raise BadAttachment(
            _("附件“%(name)s”含有宏，请另存为不含宏的文档（.docx、.xlsx、.pptx）或 PDF。")
            % {"name": name},
            code="attachment_type",
        )
    if kind != ext:
        raise BadAttachment(
            _(
                "附件“%(name)s”的内容不是扩展名所示的 %(ext)s 文件：请上传真实的 PDF 或 Office "
                "文档（不要只改扩展名）。"
            )
            % {"name": name, "ext": ext},
            code="attachment_type",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        filename=name,
        content_type=CONTENT_TYPES[ext],
        size=size,
        sha256=digest.hexdigest(),
        upload=upload,
    )


def check_uploads(uploads: list[Any]) -> list[CheckedFile]:
    if len(uploads) > max_files():
        raise BadAttachment(
            _("附件最多 %(max)d 个，请合并后再上传。") % {"max": max_files()},
            code="too_many_attachments",
        )
    return [check_upload(u) for u in uploads]
