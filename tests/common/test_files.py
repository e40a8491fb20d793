"""common.files: an upload is what its content is, not what its name says; limits are clear."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from common.files import PDF_AND_IMAGES, PDF_AND_OFFICE, BadUpload, check_upload, check_uploads


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MB = 1024 * 1024


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("盖章页.pdf", PDF, "application/pdf"),
        ("证书.png", image_bytes("PNG"), "image/png"),
        ("证书.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("证书.JPEG", image_bytes("JPEG"), "image/jpeg"),
    ],
)
def test_pdf_and_images_are_accepted_by_their_content(name, data, content_type):
    checked = check_upload(SimpleUploadedFile(name, data), allowed=PDF_AND_IMAGES, max_bytes=MB)
    assert checked.content_type == content_type
    assert checked.size == len(data) and len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("scan.png", b"MZ\x90\x00" + b"\x00" * 64),  # an executable named .png
        ("scan.png", image_bytes("JPEG")),  # a JPEG named .png
        ("scan.jpg", image_bytes("PNG")),  # a PNG named .jpg
        ("scan.png", image_bytes("PNG")[:40]),  # a truncated image
        ("scan.pdf", b"<html><script>alert(1)</script></html>"),
        ("scan.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
        ("scan.docx", PDF),  # Office is not accepted where only scans are
    ],
)
def test_anything_else_is_refused_with_a_message_naming_the_file(name, data):
    with pytest.raises(BadUpload) as refused:
        check_upload(SimpleUploadedFile(name, data), allowed=PDF_AND_IMAGES, max_bytes=MB)
    assert refused.value.code == "attachment_type"
    assert name in refused.value.message


def test_an_oversized_file_is_refused_with_the_limit():
    with pytest.raises(BadUpload) as refused:
        check_upload(
            SimpleUploadedFile("big.pdf", PDF + b"0" * MB), allowed=PDF_AND_IMAGES, max_bytes=MB
        )
    assert refused.value.code == "attachment_too_large"
    assert "不超过 1 MB" in refused.value.message


def test_an_empty_file_is_refused():
    with pytest.raises(BadUpload):
        check_upload(SimpleUploadedFile("x.pdf", b""), allowed=PDF_AND_OFFICE, max_bytes=MB)


def test_the_count_is_limited():
    files = [SimpleUploadedFile(f"{i}.pdf", PDF) for i in range(3)]
    with pytest.raises(BadUpload) as refused:
        check_uploads(files, allowed=PDF_AND_OFFICE, max_bytes=MB, max_files=2)
    assert refused.value.code == "too_many_attachments"
