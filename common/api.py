"""API plumbing shared by every app: the exception handler that turns domain errors into 4xx."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.exceptions import ConcurrentUpdate, DomainError

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ConcurrentTransition):
        exc = ConcurrentUpdate(_("这条记录刚被别人修改过，请刷新后重试。"))
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.status_code == status.HTTP_409_CONFLICT or exc.blockers:
            body["blockers"] = exc.blockers
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    if isinstance(exc, IntegrityError):
        # A database constraint caught what validation missed (usually a race): say so, never 500.
        logger.warning("integrity error mapped to 409: %s", exc)
        return Response(
            {
                "detail": _("数据与已有记录冲突（可能刚被别人修改），请刷新后重试。"),
                "code": "concurrent_update",
                "blockers": [],
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        return Response(
            {"detail": _("未找到，或您无权查看。"), "code": "not_found"},
            status=status.HTTP_404_NOT_FOUND,
        )
    return drf_exception_handler(exc, context)
