"""`GET /api/v1/stats/` (the figures as JSON) and `GET /api/v1/stats/export/` (XLSX)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.requests import signed_in
from common.spreadsheet import XLSX_CONTENT_TYPE
from stats.exports import stats_tables, tables_xlsx
from stats.scope import scope_from_params
from stats.selectors import platform_stats

PARAMS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="first day (default: 1 January)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="last day, inclusive (default: today)"),
    OpenApiParameter(
        "region", str, description="6-digit code or a name; covers the districts below"
    ),
    OpenApiParameter(
        "organisation", str, description="id or exact name (admins; others: their own, else 404)"
    ),
]


def as_json(value: Any) -> Any:
    """Money as decimal strings with two places, dates as YYYY-MM-DD."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


class StatsView(APIView):
    @extend_schema(parameters=PARAMS, responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        """The platform figures for a period, with breakdowns by month, region and industry."""
        scope = scope_from_params(signed_in(request), request.query_params)
        return Response(as_json(platform_stats(scope)))


class StatsExportView(APIView):
    @extend_schema(parameters=PARAMS, responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    def get(self, request: Request) -> HttpResponse:
        """The same figures as an XLSX workbook: totals, by month, by region, by industry."""
        scope = scope_from_params(signed_in(request), request.query_params)
        body = tables_xlsx(stats_tables(platform_stats(scope)))
        response = HttpResponse(
            body,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="stats-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.xlsx"'
        )
        return response
