"""Enterprises and institutions over HTTP: `GET /api/v1/enterprises/?q=` (name or credit code)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from brokers.industries import industry_label
from brokers.regions import region_name
from records import selectors
from records.models import Enterprise, Institution

_FIELDS = ["id", "name", "credit_code", "region", "region_name", "industry", "industry_label"]
_Q = OpenApiParameter("q", str, description="名称的一部分或统一社会信用代码")


class _PartySerializer(serializers.ModelSerializer):
    region_name = serializers.SerializerMethodField()
    industry_label = serializers.SerializerMethodField()

    def get_region_name(self, obj: Enterprise | Institution) -> str:
        return region_name(obj.region) if obj.region else ""

    def get_industry_label(self, obj: Enterprise | Institution) -> str:
        return industry_label(obj.industry) if obj.industry else ""


class EnterpriseSerializer(_PartySerializer):
    class Meta:
        model = Enterprise
        fields = [*_FIELDS, "size", "contact", "phone", "email"]
        read_only_fields = fields


class InstitutionSerializer(_PartySerializer):
    class Meta:
        model = Institution
        fields = [*_FIELDS, "kind", "contact", "phone", "email"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(parameters=[_Q]))
class EnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EnterpriseSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Enterprise]:
        return selectors.enterprise_search(self.request.query_params.get("q", ""))


@extend_schema_view(list=extend_schema(parameters=[_Q]))
class InstitutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InstitutionSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Institution]:
        return selectors.institution_search(self.request.query_params.get("q", ""))
