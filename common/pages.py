"""Helpers every app's pages share: sign-in required (with an honest way back when a session
expired mid-form), a refused action as a message, the way back after a POST, a failed form kept
across that redirect (and shown again with every error at its field), messages shown at the form
they concern, pagination and ids from query strings. Nothing here knows an app; each app's
`views.py` uses them for its own pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required as django_login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.exceptions import DomainError
from common.filters import MAX_ID
from common.http import safe_next


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Django's `login_required`, except for a form posted by a signed-out visitor (a session that
    expired while they typed): Django would send them, once signed in, to the URL they posted to,
    which answers only POST (a 405 page). Here the way back is the page the form was on (the
    Referer, when it is a path of this site) and they are told plainly that what they submitted
    was not saved and must be entered again."""
    guarded = django_login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "POST" and not request.user.is_authenticated:
            messages.warning(
                request,
                _("登录已过期，刚才提交的内容没有保存：请重新登录，然后在原页面重新填写。"),
            )
            return redirect_to_login(_page_posted_from(request))
        return guarded(request, *args, **kwargs)

    return wrapper


def _page_posted_from(request: HttpRequest) -> str:
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc and referer.netloc != request.get_host():
        return reverse("home")
    path = referer.path + (f"?{referer.query}" if referer.query else "")
    page = safe_next(request, path)
    return page if page and page != reverse("home") else reverse("home")


def report_domain_error(request: HttpRequest, exc: DomainError, panel: str = "") -> None:
    """Show a refused action as a message, with its blockers as a list; with `panel`, at that
    form of the page (`panel_tags`) rather than at the page top."""
    tags = panel_tags(panel) if panel else ""
    if exc.blockers:
        items = format_html_join("", "<li>{}</li>", ((b,) for b in exc.blockers))
        messages.error(request, format_html("{}<ul>{}</ul>", exc.message, items), extra_tags=tags)
    else:
        messages.error(request, exc.message, extra_tags=tags)


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


F = TypeVar("F", bound=forms.Form)


def bind(form: F, errors: dict[str, list[str]]) -> F:
    """A stashed form, validated again, with the errors only the service found ("__all__" or a
    name the form does not have: above the fields)."""
    form.is_valid()
    for name, field in form.fields.items():
        # A file is not kept across the redirect: its own error, or a word to choose it again.
        if isinstance(field, forms.FileField) and name in form.errors:
            del form.errors[name]
            if name not in errors:
                form.add_error(name, _("出错后文件不会保留，请重新选择文件。"))
    for name, messages_ in errors.items():
        for message in messages_:
            form.add_error(None if name not in form.fields else name, message)
    return form


def panel_tags(name: str) -> str:
    """Message tags of the form `name`: base.html leaves them to the page, which shows them at
    that form (`{% panel_messages "panel-<name>" %}`), where the reader's eye is."""
    return f"panel panel-{name}"


def report_invalid_form(request: HttpRequest, form: forms.Form, name: str) -> None:
    """The word at the form that failed: how many places to fix (each is marked at its field)."""
    count = sum(len(e) for e in form.errors.values())
    messages.error(
        request,
        ngettext(
            "未保存：有 %(n)d 处需要修改，见标红的字段。",
            "未保存：有 %(n)d 处需要修改，见标红的字段。",
            count,
        )
        % {"n": count},
        extra_tags=panel_tags(name),
    )


def refusal_errors(exc: DomainError) -> dict[str, list[str]]:
    """A refusal that names no field, kept for the form's top: its message and its blockers."""
    return {"__all__": [exc.message, *exc.blockers]}


def paginate(request: HttpRequest, items: Any, per_page: int) -> Page[Any]:
    """The `?page=` page of `items` (a bad or too large page number gives the first or last)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def sortable(
    request: HttpRequest, items: QuerySet[Any], columns: dict[str, str], default: list[str]
) -> tuple[QuerySet[Any], dict[str, dict[str, str]]]:
    """Order `items` by the `?sort=` column (`due`, or `-due` for descending; only the names in
    `columns`, which map to model fields) and give each column its header link: the same query
    string with that column's sort, reversed when it is the current one, and an arrow."""
    asked = request.GET.get("sort", "")
    descending = asked.startswith("-")
    name = asked[1:] if descending else asked
    if name in columns:
        field = columns[name]
        items = items.order_by(f"-{field}" if descending else field, "-id")
    else:
        items = items.order_by(*default)
        name = ""
    headers = {}
    for column in columns:
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = f"-{column}" if column == name and not descending else column
        arrow = ("↓" if descending else "↑") if column == name else ""
        headers[column] = {"href": f"?{query.urlencode()}", "arrow": arrow}
    return items, headers


def query_id(raw: str) -> int | None:
    """An id from a query string, or None (a number past bigint would overflow the database)."""
    return int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_ID else None
