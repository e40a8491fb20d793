"""HTTP API of the matching engine and the bulk import (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.requests import AuthedRequest, signed_in
from common.exceptions import ValidationFailed
from deals import permissions
from deals.matching import selectors, services
from deals.matching.models import ImportJob, ImportKind
from deals.models import Achievement, Demand

LIMIT_PARAM = OpenApiParameter("limit", int, description="1–50, default 10")
MATCHES = inline_serializer(
    "MatchList",
    {
        "results": serializers.ListField(
            child=inline_serializer(
                "Match",
                {
                    "achievement": serializers.DictField(required=False),
                    "demand": serializers.DictField(required=False),
                    "score": serializers.FloatField(),
                    "reasons": serializers.ListField(child=serializers.CharField()),
                },
            )
        )
    },
)


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "10")
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= selectors.MAX_LIMIT:
        raise ValidationFailed(
            _("limit 应为 1 到 %(max)d 之间的整数。") % {"max": selectors.MAX_LIMIT},
            code="invalid_limit",
        )
    return limit


class DemandMatchesApi(APIView):
    @extend_schema(parameters=[LIMIT_PARAM], responses=MATCHES)
    def get(self, request: Request, pk: int) -> Response:
        demand = get_object_or_404(Demand, pk=pk)
        results = selectors.achievement_matches_for_demand(demand=demand, limit=_limit(request))
        return Response({"results": results})


class AchievementMatchesApi(APIView):
    @extend_schema(parameters=[LIMIT_PARAM], responses=MATCHES)
    def get(self, request: Request, pk: int) -> Response:
        achievement = get_object_or_404(Achievement, pk=pk)
        results = selectors.demand_matches_for_achievement(
            achievement=achievement, limit=_limit(request)
        )
        return Response({"results": results})


class AchievementSimilarApi(APIView):
    """ "More like this": achievements near this one, best first."""

    @extend_schema(parameters=[LIMIT_PARAM], responses=MATCHES)
    def get(self, request: Request, pk: int) -> Response:
        achievement = get_object_or_404(Achievement, pk=pk)
        results = selectors.achievements_like(achievement=achievement, limit=_limit(request))
        return Response({"results": results})


class DealCandidatesApi(APIView):
    @extend_schema(parameters=[LIMIT_PARAM], responses=MATCHES)
    def get(self, request: AuthedRequest, pk: int) -> Response:
        deal, results = selectors.deal_candidates(
            user=request.user,
            deal_id=pk,
            limit=_limit(request),
        )
        return Response({"deal": deal.pk, "demand": deal.demand_id, "results": results})


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "filename",
            "progress",
            "total",
            "created_count",
            "updated_count",
            "unchanged_count",
            "errors",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class _ImportApi(APIView):
    kind: str = ""
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "ImportUpload", {"file": serializers.FileField()}
            )
        },
        responses={202: inline_serializer("ImportAccepted", {"job": serializers.IntegerField()})},
    )
    def post(self, request: Request) -> Response:
        permissions.may_import.require(signed_in(request))  # before the file
        upload: Any = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(
                _("请以 multipart 表单字段 file 上传 CSV 或 XLSX 文件。"), code="file_required"
            )
        job = services.import_job_create(
            actor=signed_in(request),
            kind=self.kind,
            upload=upload,
        )
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)


class AchievementImportApi(_ImportApi):
    kind = ImportKind.ACHIEVEMENT


class DemandImportApi(_ImportApi):
    kind = ImportKind.DEMAND


class ImportJobApi(APIView):
    @extend_schema(responses=ImportJobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        job = selectors.import_job_get_for_user(user=signed_in(request), job_id=pk)
        return Response(ImportJobSerializer(job).data)
