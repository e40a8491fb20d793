"""Helpers every app's pages share: a refused action as a message, the way
back after a POST, a failed form kept across that redirect, pagination and ids from query
strings. Nothing here knows an app; each app's `views.py` uses them for its own pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.html import format_html, format_html_join

from common.exceptions import DomainError
from common.filters import MAX_ID
from common.http import safe_next


def report_domain_error(request: HttpRequest, exc: DomainError) -> None:
    """Show a refused action as a message, with its blockers as a list."""
    if exc.blockers:
        items = format_html_join("", "<li>{}</li>", ((b,) for b in exc.blockers))
        messages.error(request, format_html("{}<ul>{}</ul>", exc.message, items))
    else:
        messages.error(request, exc.message)


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Redirect to the form's `next` when it is a local URL, else to `fallback`."""
    target = safe_next(request, request.POST.get("next"))
    if target is not None:
        return HttpResponseRedirect(target)
    return redirect(fallback)


# A form that failed to validate is kept in the session across the redirect back to the page that
# shows it (post/redirect/get), keyed by that page's path: the page pops what was left for it and
# shows the form again with its errors and what the user typed.
# Errors only the service could find (a date after the contract's validity, a number already
# used) travel with the data under this key, {field: [messages]}; `stashed_errors` takes them out.
STASHED_ERRORS = "__errors__"


def stash_form(
    request: HttpRequest, page_path: str, name: str, errors: dict[str, list[str]] | None = None
) -> None:
    data: dict[str, Any] = {
        k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", STASHED_ERRORS)
    }
    if errors:
        data[STASHED_ERRORS] = errors
    request.session[f"stashed-form:{page_path}"] = {"name": name, "data": data}


def stashed_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    errors = data.get(STASHED_ERRORS)
    return errors if isinstance(errors, dict) else {}


def pop_stashed_form(request: HttpRequest) -> tuple[str, dict[str, str]]:
    """The form stashed for the page being shown: its name and data, or ("", {})."""
    stashed = request.session.pop(f"stashed-form:{request.path}", None) or {}
    return stashed.get("name", ""), stashed.get("data", {})


def paginate(request: HttpRequest, items: Any, per_page: int) -> Page[Any]:
    """The `?page=` page of `items` (a bad or too large page number gives the first or last)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_id(raw: str) -> int | None:
    """An id from a query string, or None (a number past bigint would overflow the database)."""
    return int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_ID else None
