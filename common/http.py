"""Request plumbing shared by the pages: where a form may send the user back to."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, value: str | None) -> str | None:
    """`value` when it is a path on this site (`/deals/3/?tab=x`), else None.

    Only an absolute local path is accepted: no scheme, no other host, no `//host` or `/\\host`,
    no control characters, and not a bare word (which Django's `redirect()` would try to reverse).
    """
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return None
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return value
