"""Uploaded files every app shares: checked by their content (magic bytes; for ZIP-based Office
formats the part that makes them a document; images decoded by Pillow), whatever their name says;
size and count limited; kept in MEDIA_ROOT/private, which no URL serves, and sent back only
through a view that first resolves the object for the user (404 for what they may not see).

Callers say which kinds they accept (`PDF_AND_OFFICE` for proposals, `PDF_AND_IMAGES` for
stamped scans and certificates) and their limits; the messages name the file and what to do.
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from common.exceptions import ValidationFailed

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the legacy .doc / .xls / .ppt container
PDF = b"%PDF-"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
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
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
PDF_AND_OFFICE = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx")
PDF_AND_IMAGES = (".pdf", ".png", ".jpg", ".jpeg")
# A scan larger than this many pixels is a decompression bomb, not a certificate.
MAX_IMAGE_PIXELS = 80_000_000


class BadUpload(ValidationFailed):
    """An uploaded file was refused (400); the message names the file and says what to send."""

    code = "bad_attachment"


class PrivateStorage(FileSystemStorage):
    """MEDIA_ROOT/private: no URL serves it; files leave only through permission-checking views.
    Follows MEDIA_ROOT when settings change (tests)."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @cached_property
    def base_location(self) -> str:
        return os.path.join(settings.MEDIA_ROOT, "private")


private_storage = PrivateStorage()


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


def _image_is_whole(fileobj: IO[bytes], expected: str) -> bool:
    """Pillow decodes the header and checks the structure: a renamed file or a truncated or
    oversized image is refused."""
    from PIL import Image, UnidentifiedImageError

    fileobj.seek(0)
    try:
        with Image.open(fileobj) as image:
            if image.format != expected:
                return False
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    finally:
        fileobj.seek(0)
    return True


def kind_by_content(fileobj: IO[bytes], ext: str) -> str | None:
    """The extension this content really is ('.pdf', '.docx', '.png'…), "macro" for an Office
    package with macros, or None when it is none of the known kinds."""
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(PDF):
        return ".pdf"
    if head == PNG:
        return ".png" if _image_is_whole(fileobj, "PNG") else None
    if head.startswith(JPEG):
        if not _image_is_whole(fileobj, "JPEG"):
            return None
        return ext if ext in (".jpg", ".jpeg") else ".jpg"
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


def megabytes(n: int) -> str:
    """10485760 → "10 MB", 524288 → "0.5 MB" (limits as people say them)."""
    return f"{n / 1024 / 1024:.1f}".removesuffix(".0") + " MB"


def _describe(allowed: Collection[str]) -> str:
    return " ".join(allowed)


def check_upload(upload: Any, *, allowed: Collection[str], max_bytes: int) -> CheckedFile:
    """One uploaded file (a Django UploadedFile) of one of the `allowed` extensions, at most
    `max_bytes`; or BadUpload saying what is wrong with it."""
    name = clean_filename(getattr(upload, "name", ""))
    ext = os.path.splitext(name)[1].lower()
    size = int(getattr(upload, "size", 0) or 0)
    if size == 0:
        raise BadUpload(_("附件“%(name)s”是空文件。") % {"name": name})
    if size > max_bytes:
        raise BadUpload(
            _("附件“%(name)s”过大（%(size)s），每个文件不超过 %(max)s。")
            % {"name": name, "size": megabytes(size), "max": megabytes(max_bytes)},
            code="attachment_too_large",
        )
    if ext not in allowed:
        raise BadUpload(
            _("附件“%(name)s”的类型不支持：只接受 %(allowed)s 文件。")
            % {"name": name, "allowed": _describe(allowed)},
            code="attachment_type",
        )
    kind = kind_by_content(upload, ext)
    if kind == "macro":
        raise BadUpload(
            _("附件“%(name)s”含有宏，请另存为不含宏的文档（.docx、.xlsx、.pptx）或 PDF。")
            % {"name": name},
            code="attachment_type",
        )
    if kind != ext:
        raise BadUpload(
            _(
                "附件“%(name)s”的内容不是扩展名所示的 %(ext)s 文件（或文件已损坏）：请上传真实的"
                " %(allowed)s 文件（不要只改扩展名）。"
            )
            % {"name": name, "ext": ext, "allowed": _describe(allowed)},
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


def check_uploads(
    uploads: Sequence[Any], *, allowed: Collection[str], max_bytes: int, max_files: int
) -> list[CheckedFile]:
    if len(uploads) > max_files:
        raise BadUpload(
            _("附件最多 %(max)d 个，请合并后再上传。") % {"max": max_files},
            code="too_many_attachments",
        )
    return [check_upload(u, allowed=allowed, max_bytes=max_bytes) for u in uploads]


def private_file_response(
    file: Any, *, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    """A stored private file as a download. The caller has already resolved the object it
    belongs to for the user (404 otherwise). `nosniff` keeps the browser to the declared type."""
    response = FileResponse(
        file.open("rb"),
        as_attachment=not inline,
        filename=filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
