"""The bank slip attached to a payment: a PDF or an image (PNG, JPEG), checked by its content
(`common.files`: magic bytes, images decoded), at most `PAYMENT_SCAN_MAX_BYTES`. Stored in
private storage under a random name and served only through the API to those who see the deal.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from django.conf import settings

from common.files import PDF_AND_IMAGES, BadUpload, check_upload
from payments.exceptions import PaymentInvalid


def max_bytes() -> int:
    return int(getattr(settings, "PAYMENT_SCAN_MAX_BYTES", 10 * 1024 * 1024))


def attach_scan(payment: Any, upload: Any) -> None:
    """Check the upload and put it on the (unsaved) payment; a refused file is a 400 naming
    the `scan` field."""
    try:
        checked = check_upload(upload, allowed=PDF_AND_IMAGES, max_bytes=max_bytes())
    except BadUpload as exc:
        raise PaymentInvalid(f"scan: {exc.message}", code="invalid_scan") from exc
    payment.scan_name = checked.filename
    payment.scan_content_type = checked.content_type
    payment.scan_size = checked.size
    payment.scan_sha256 = checked.sha256
    ext = os.path.splitext(checked.filename)[1].lower()
    # A random name: the stored path says nothing about the payment and cannot be guessed.
    payment.scan.save(f"{payment.deal_id}/{uuid.uuid4().hex}{ext}", upload, save=False)
