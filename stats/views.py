"""The statistics page (`/stats/`), the supervisor dashboard (`/dashboard/`) and each dashboard
table as CSV (`/dashboard/<table>.csv`). Same scope rules as the API: another organisation is a
404, bad parameters are shown on the page (400) with the defaults in their place."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render

from brokers.models import Organisation
from brokers.requests import AuthedHttpRequest
from common.exceptions import NotAllowed, ValidationFailed
from common.pages import login_required
from stats.dashboard import FINANCE, SUPERVISOR, Chart, finance_charts, supervisor_charts
from stats.exports import stats_tables, table_csv
from stats.permissions import may_see_dashboard, may_see_finance_view, may_see_stats
from stats.scope import Scope, ScopeInvalid, scope_from_params
from stats.selectors import platform_stats


def _scope(request: AuthedHttpRequest) -> tuple[Scope, int, dict[str, Any]]:
    """The scope asked for; or the default scope, a 400 and what the form must show again: the
    values typed and the message at the input at fault."""
    try:
        return scope_from_params(request.user, request.GET), 200, {}
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except ScopeInvalid as exc:
        kept = QueryDict(mutable=True)
        if "organisation" in request.GET:
            kept["organisation"] = request.GET["organisation"]
        typed = {k: request.GET.get(k, "")[:100] for k in ("from", "to", "region")}
        refused = {"typed": typed, "errors": {exc.field: exc.message}}
        return scope_from_params(request.user, kept), 400, refused


def _context(request: AuthedHttpRequest, scope: Scope, refused: dict[str, Any]) -> dict[str, Any]:
    user = request.user
    return {
        "scope": scope,
        "refused": refused,
        "query": urlencode(scope.as_params()),
        "organisations": list(Organisation.objects.order_by("name")) if user.is_admin else [],
    }


@login_required
def stats_page(request: AuthedHttpRequest) -> HttpResponse:
    if not may_see_stats(request.user):
        raise PermissionDenied
    scope, status, refused = _scope(request)
    stats = platform_stats(scope)
    tables = stats_tables(stats)
    return render(
        request,
        "stats/stats.html",
        {**_context(request, scope, refused), "stats": stats, "tables": tables[1:]},
        status=status,
    )


def _charts(request: AuthedHttpRequest, scope: Scope) -> tuple[list[Chart], list[Chart]]:
    supervisor = supervisor_charts(scope)
    finance = finance_charts(scope) if may_see_finance_view(request.user) else []
    return supervisor, finance


@login_required
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    if not may_see_dashboard(request.user):
        raise PermissionDenied
    scope, status, refused = _scope(request)
    supervisor, finance = _charts(request, scope)
    return render(
        request,
        "stats/dashboard.html",
        {
            **_context(request, scope, refused),
            "supervisor": supervisor,
            "finance": finance,
            "specs": [chart.spec() for chart in supervisor + finance],
        },
        status=status,
    )


@login_required
def dashboard_csv(request: AuthedHttpRequest, key: str) -> HttpResponse:
    if not may_see_dashboard(request.user):
        raise PermissionDenied
    try:
        scope = scope_from_params(request.user, request.GET)
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    build = SUPERVISOR.get(key) or (
        FINANCE.get(key) if may_see_finance_view(request.user) else None
    )
    if build is None:
        raise Http404
    chart = build(scope, {})
    response = HttpResponse(table_csv(chart.table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{key}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv"'
    )
    return response
