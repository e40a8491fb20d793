"""HTTP API of lead assignment and the double-brokering guard (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.requests import AuthedRequest
from brokers.selectors import users_visible_to
from common.exceptions import ValidationFailed
from common.filters import MAX_ID
from deals import permissions
from deals.api import BrokerShareSerializer, DealSerializer
from deals.assignment import selectors, services
from deals.models import Demand
from deals.selectors import deal_get_for_user, deals_visible_to

SUGGESTION = inline_serializer(
    "BrokerSuggestion",
    {
        "broker": serializers.DictField(),
        "score": serializers.FloatField(),
        "open_deals": serializers.IntegerField(),
        "caseload_limit": serializers.IntegerField(allow_null=True),
        "full": serializers.BooleanField(),
        "reasons": serializers.ListField(child=serializers.CharField()),
    },
    many=True,
)


def _conflict_fields() -> dict[str, serializers.Field]:
    return {
        "id": serializers.IntegerField(),
        "kind": serializers.CharField(),
        "kind_label": serializers.CharField(),
        "status": serializers.CharField(),
        "similarity": serializers.CharField(allow_null=True),
        "achievement": serializers.DictField(allow_null=True),
        "other_deal": serializers.DictField(),
        "detected_at": serializers.DateTimeField(),
        "resolved_at": serializers.DateTimeField(allow_null=True),
        "resolved_by_organisation": serializers.CharField(allow_null=True),
        "shares": serializers.ListField(child=serializers.DictField(), allow_null=True),
        "note": serializers.CharField(),
    }


CONFLICT = inline_serializer("BrokeringConflict", _conflict_fields())
CONFLICT_LIST = inline_serializer("BrokeringConflictList", _conflict_fields(), many=True)
# The queue: a plain list (not paginated), each conflict with the deal it is seen from.
CONFLICT_ROWS = inline_serializer(
    "BrokeringConflictRow",
    {
        **_conflict_fields(),
        "deal": serializers.IntegerField(),
        "deal_title": serializers.CharField(),
    },
    many=True,
)


class BrokerSuggestionsApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("organisation", int, description="admins: one organisation"),
        ],
        responses=inline_serializer(
            "BrokerSuggestions",
            {"demand": serializers.IntegerField(), "results": SUGGESTION},
        ),
    )
    def get(self, request: AuthedRequest, pk: int) -> Response:
        permissions.may_see_broker_suggestions.require(request.user)
        demand = get_object_or_404(Demand, pk=pk)
        raw = request.query_params.get("organisation", "")
        organisation = int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_ID else None
        if raw and organisation is None:
            raise ValidationFailed(_("organisation 应为机构编号。"))
        results = selectors.broker_suggestions(
            user=request.user, demand=demand, organisation_id=organisation
        )
        return Response({"demand": demand.pk, "results": results})


class ReassignSerializer(serializers.Serializer):
    lead_broker = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class LeadChangeSerializer(serializers.Serializer):
    from_lead = serializers.IntegerField(source="from_lead_id")
    to_lead = serializers.IntegerField(source="to_lead_id")
    share = serializers.DecimalField(max_digits=5, decimal_places=2)
    reason = serializers.CharField()
    changed_by = serializers.IntegerField(source="changed_by_id", allow_null=True)
    changed_at = serializers.DateTimeField()


class ReassignApi(APIView):
    """`GET`: the deal's lead changes, oldest first; `POST`: change the lead (supervisor)."""

    @extend_schema(responses=LeadChangeSerializer(many=True))
    def get(self, request: AuthedRequest, pk: int) -> Response:
        deal = deal_get_for_user(user=request.user, deal_id=pk)
        return Response(LeadChangeSerializer(selectors.lead_changes_for_deal(deal), many=True).data)

    @extend_schema(request=ReassignSerializer, responses=DealSerializer)
    def post(self, request: AuthedRequest, pk: int) -> Response:
        deal = deal_get_for_user(user=request.user, deal_id=pk)
        permissions.may_reassign_lead.require(request.user, deal)
        data = ReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lead = users_visible_to(request.user).filter(pk=data.validated_data["lead_broker"]).first()
        if lead is None:
            raise ValidationFailed(_("找不到该经纪人，或其不属于您的机构。"))
        services.deal_reassign_lead(
            deal=deal, actor=request.user, lead_broker=lead, reason=data.validated_data["reason"]
        )
        deal = deal_get_for_user(user=request.user, deal_id=pk)
        return Response(DealSerializer(deal).data)


class ConflictsApi(APIView):
    """The double-brokering warnings of a deal (open first), as this user may see them."""

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["open", "resolved", "lapsed"])],
        responses=CONFLICT_LIST,
    )
    def get(self, request: AuthedRequest, pk: int) -> Response:
        deal = deal_get_for_user(user=request.user, deal_id=pk)
        wanted = request.query_params.get("status", "")
        if wanted not in ("", "open", "resolved", "lapsed"):
            raise ValidationFailed(_("status 应为 open、resolved 或 lapsed。"))
        rows = [
            selectors.conflict_view(c, deal=deal, user=request.user)
            for c in selectors.conflicts_for_deal(deal)
        ]
        if wanted:
            rows = [r for r in rows if r["status"] == wanted]
        return Response(rows)


class ResolveSerializer(serializers.Serializer):
    shares = BrokerShareSerializer(many=True, allow_empty=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ConflictResolveApi(APIView):
    @extend_schema(request=ResolveSerializer, responses=CONFLICT)
    def post(self, request: AuthedRequest, pk: int, cid: int) -> Response:
        deal = deal_get_for_user(user=request.user, deal_id=pk)
        conflict = selectors.conflict_get_for_deal(deal=deal, conflict_id=cid)
        permissions.may_resolve_conflict.require(request.user, deal)
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows: list[dict[str, Any]] = data.validated_data["shares"]
        users = {
            u.pk: u for u in users_visible_to(request.user).filter(pk__in=[r["user"] for r in rows])
        }
        missing = [r["user"] for r in rows if r["user"] not in users]
        if missing:
            raise ValidationFailed(_("找不到这些用户：%(ids)s。") % {"ids": missing})
        resolved = services.conflict_resolve(
            conflict=conflict,
            deal=deal,
            actor=request.user,
            shares=[(users[r["user"]], r["share"]) for r in rows],
            note=data.validated_data.get("note", ""),
        )
        return Response(selectors.conflict_view(resolved, deal=deal, user=request.user))


class ConflictListApi(APIView):
    """Open warnings on every deal this user sees: a supervisor's queue."""

    @extend_schema(responses=CONFLICT_ROWS)
    def get(self, request: AuthedRequest) -> Response:
        visible = set(deals_visible_to(request.user).values_list("pk", flat=True))
        rows = []
        for conflict in selectors.conflicts_open_visible_to(request.user)[:200]:
            # Seen from the user's own side (the first of the two they see).
            deal = conflict.deal_a if conflict.deal_a_id in visible else conflict.deal_b
            view = selectors.conflict_view(conflict, deal=deal, user=request.user)
            rows.append({"deal": deal.pk, "deal_title": deal.title, **view})
        return Response(rows)
