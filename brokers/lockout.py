"""What a locked-out sign-in sees (django-axes calls this): the API gets 429 with a code, the
sign-in page shows itself again with the message."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "登录失败次数过多，该账号或当前网络地址已被暂时锁定，请 %(minutes)d 分钟后再试；"
        "如需立即解锁，请联系系统管理员。"
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    request = getattr(request, "_request", request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=429)
    from django.contrib.auth.forms import AuthenticationForm

    return render(
        request,
        "brokers/sign_in.html",
        {"form": AuthenticationForm(request), "locked_message": lockout_message(), "next": ""},
        status=429,
    )
