"""Hostile request shapes refused before any view runs (400, never a 500 deeper down).

- A NUL byte in the path, the query string, a form field or a JSON body: PostgreSQL cannot store
  one in text and its driver raises, so every such input is refused at the door.
- JSON nested deeper than `MAX_JSON_DEPTH`: Python's parser would recurse until it fails.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKETS = re.compile(r"[\[\]{}]")
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (strings are skipped)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKETS.findall(_JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _has_nul(raw: str) -> bool:
    return "\x00" in raw or b"\x00" in unquote_to_bytes(raw)


class HostileInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self.problem(request)
        if problem is not None:
            code, message = problem
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": code}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def problem(self, request: HttpRequest) -> tuple[str, str] | None:
        nul = ("nul_byte", _("请求中含有空字符（NUL），请删除后重试。"))
        if "\x00" in request.path or _has_nul(request.META.get("QUERY_STRING", "")):
            return nul
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        content_type = request.content_type or ""
        if content_type == "multipart/form-data":
            try:
                fields = request.POST
            except RequestDataTooBig:
                return None  # Django answers 400 for it itself
            except Exception:
                return ("invalid_body", _("请求内容无法解析。"))
            if any("\x00" in text for key, values in fields.lists() for text in (key, *values)):
                return nul
            return None
        try:
            body = request.body
        except RequestDataTooBig:
            return None
        if not body:
            return None
        if content_type == "application/x-www-form-urlencoded":
            return nul if b"\x00" in body or b"\x00" in unquote_to_bytes(body) else None
        if content_type == "application/json" or content_type.endswith("+json"):
            if b"\x00" in body:
                return nul
            text = body.decode("utf-8", errors="replace")
            if _JSON_NUL.search(text):
                return nul
            if json_depth(text) > MAX_JSON_DEPTH:
                return (
                    "too_deep",
                    _("JSON 嵌套层数过多（最多 %(max)d 层）。") % {"max": MAX_JSON_DEPTH},
                )
            return None
        return None  # other bodies (files) may hold any byte; their readers check them


def _trusted(address: str) -> bool:
    from django.conf import settings

    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


class TrustedProxyMiddleware:
    """Believe X-Forwarded-For / X-Forwarded-Proto only from the load balancers listed in
    TRUSTED_PROXIES. From anyone else the headers are dropped, so a client cannot claim another
    address (and dodge the sign-in lockout) or claim https."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        if _trusted(peer):
            hops = [h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
            # walk from the right: the first address that is not one of our proxies is the client
            for hop in reversed(hops):
                if not _trusted(hop):
                    meta["REMOTE_ADDR"] = hop
                    break
        else:
            meta.pop("HTTP_X_FORWARDED_FOR", None)
            meta.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)


def client_ip(request: HttpRequest) -> str:
    """The client's address as TrustedProxyMiddleware established it (axes and throttles)."""
    request = getattr(request, "_request", request)  # a DRF Request wraps the HttpRequest
    return str(request.META.get("REMOTE_ADDR", ""))


def chosen_language(request: HttpRequest) -> str:
    """The language this visitor chose with the header's switch (Django's `set_language` keeps it
    in the LANGUAGE_COOKIE_NAME cookie), else Chinese."""
    from django.conf import settings

    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return str(settings.LANGUAGE_CODE)


class LocaleMiddleware:
    """Django's LocaleMiddleware without the browser's Accept-Language: DealDesk is Chinese unless
    the visitor picks English in the header. Many Chinese brokers run an English-language
    browser or system, and the pages, the contracts and the exchange all speak Chinese, so the
    header alone must not switch anyone's working language. No URL prefixes (i18n_patterns)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
