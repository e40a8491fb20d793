"""The follow-up API (docs/api.md, "Follow-up after registration"). Each view resolves the deal
for the user first (404 for what they may not see), then asks who may act (403, before the body
is read), then parses the body (400) and calls one service."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.models import User
from brokers.requests import signed_in
from common.filters import MAX_ID
from common.pagination import Pagination
from common.spreadsheet import XLSX_CONTENT_TYPE
from contracts.selectors import contract_get_for_user
from deals.models import Deal
from deals.selectors import deal_get_for_user, deals_visible_to
from followup import exports, permissions, selectors, services
from followup.models import Milestone, MilestoneKind, OutcomeResult, Visit
from followup.registration import deadlines_for_deals

# --- serializers ---------------------------------------------------------------------------------


def _person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "username": user.username, "name": str(user)} if user else None


class MilestoneInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MilestoneKind.choices)
    planned_on = serializers.DateField(required=False, allow_null=True)
    actual_on = serializers.DateField(required=False, allow_null=True)
    on = serializers.DateField(
        required=False, allow_null=True, help_text="the actual date (same as actual_on)"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "on" in attrs:
            if "actual_on" in attrs and attrs["actual_on"] != attrs["on"]:
                raise serializers.ValidationError(
                    {"on": [_("on 与 actual_on 是同一个日期（实际日期），只填一个即可。")]}
                )
            attrs["actual_on"] = attrs.pop("on")
        if not {"planned_on", "actual_on", "note"} & set(attrs):
            raise serializers.ValidationError(
                {"planned_on": [_("请至少填写计划日期、实际日期或说明之一。")]}
            )
        return attrs


def milestone_out(row: selectors.MilestoneRow, today: Any) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "label": row.label,
        "planned_on": row.planned_on,
        "actual_on": row.actual_on,
        "note": row.note,
        "overdue": row.overdue(today),
        "updated_by": _person(row.updated_by),
        "updated_at": row.updated_at,
    }


class VisitInputSerializer(serializers.Serializer):
    visited_on = serializers.DateField()
    visitors = serializers.CharField(max_length=300)
    notes = serializers.CharField(max_length=5000)


class VisitSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = ["id", "deal", "visited_on", "visitors", "notes", "created_by", "created_at"]
        read_only_fields = fields

    def get_created_by(self, obj: Visit) -> dict[str, Any] | None:
        return _person(obj.created_by)


class OutcomeInputSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=OutcomeResult.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    decided_on = serializers.DateField(required=False)


def outcome_out(deal: Deal) -> dict[str, Any]:
    outcome = selectors.outcome_for_deal(deal)
    if outcome is None:
        return {"deal": deal.pk, "result": None, "label": None, "reason": "", "decided_on": None}
    return {
        "deal": deal.pk,
        "result": outcome.result,
        "label": outcome.get_result_display(),
        "reason": outcome.reason,
        "decided_on": outcome.decided_on,
        "updated_by": _person(outcome.updated_by),
        "updated_at": outcome.updated_at,
    }


# --- views ---------------------------------------------------------------------------------------


def _deal(request: Request, deal_id: int) -> Deal:
    deal = deal_get_for_user(user=signed_in(request), deal_id=deal_id)
    permissions.may_read_follow_up.require(signed_in(request), deal)
    return deal


def _milestones(request: Request, deal: Deal) -> Response:
    today = timezone.localdate()
    rows = selectors.milestones_for_deal(deal)
    return Response([milestone_out(r, today) for r in rows])


def _record_milestone(request: Request, deal: Deal) -> Response:
    permissions.may_write_follow_up.require(signed_in(request), deal)
    serializer = MilestoneInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    kind = data.pop("kind")
    existed = Milestone.objects.filter(deal=deal, kind=kind).exists()
    services.milestone_record(
        deal=deal,
        actor=signed_in(request),
        kind=kind,
        reason=data.pop("reason", ""),
        **data,
    )
    today = timezone.localdate()
    row = next(r for r in selectors.milestones_for_deal(deal) if r.kind == kind)
    code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
    return Response(milestone_out(row, today), status=code)


class DealMilestonesView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, deal_id: int) -> Response:
        """The four milestones in order (planned and actual dates null until recorded)."""
        return _milestones(request, _deal(request, deal_id))

    @extend_schema(request=MilestoneInputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, deal_id: int) -> Response:
        """Set a milestone's dates and note; fields not sent stay as they are."""
        return _record_milestone(request, _deal(request, deal_id))


class ContractMilestonesView(APIView):
    """The same milestones reached through the deal's contract (`{"kind", "on", "note"}`)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, contract_id: int) -> Response:
        contract = contract_get_for_user(user=signed_in(request), contract_id=contract_id)
        return _milestones(request, _deal(request, contract.deal_id))

    @extend_schema(request=MilestoneInputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, contract_id: int) -> Response:
        contract = contract_get_for_user(user=signed_in(request), contract_id=contract_id)
        return _record_milestone(request, _deal(request, contract.deal_id))


class DealVisitsView(APIView):
    @extend_schema(responses=VisitSerializer(many=True))
    def get(self, request: Request, deal_id: int) -> Response:
        deal = _deal(request, deal_id)
        return Response(VisitSerializer(selectors.visits_for_deal(deal), many=True).data)

    @extend_schema(request=VisitInputSerializer, responses={201: VisitSerializer})
    def post(self, request: Request, deal_id: int) -> Response:
        deal = _deal(request, deal_id)
        permissions.may_write_follow_up.require(signed_in(request), deal)
        serializer = VisitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = services.visit_log(
            deal=deal,
            actor=signed_in(request),
            **serializer.validated_data,
        )
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class DealOutcomeView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, deal_id: int) -> Response:
        """The outcome, or `"result": null` while none is recorded."""
        return Response(outcome_out(_deal(request, deal_id)))

    @extend_schema(request=OutcomeInputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, deal_id: int) -> Response:
        deal = _deal(request, deal_id)
        permissions.may_write_follow_up.require(signed_in(request), deal)
        serializer = OutcomeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        existed = selectors.outcome_for_deal(deal) is not None
        services.outcome_record(
            deal=deal,
            actor=signed_in(request),
            **serializer.validated_data,
        )
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(outcome_out(deal), status=code)


class DealFollowUpHistoryView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, deal_id: int) -> Response:
        """Every change of the milestones, visits and outcome, oldest first, with who and why."""
        return Response(selectors.follow_up_history(_deal(request, deal_id)))


class DealFollowUpView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, deal_id: int) -> Response:
        """Everything after the signature at once: the registration deadline, the milestones and
        the next one, the visits, the outcome and the instalments overdue."""
        deal = _deal(request, deal_id)
        today = timezone.localdate()
        rows = selectors.milestones_for_deal(deal)
        upcoming = selectors.next_milestone(rows)
        deadline = deadlines_for_deals([deal.pk], today).get(deal.pk)
        contract = selectors.current_contract(deal)
        instalments = []
        if contract is not None:
            received = selectors.received_totals([deal.pk])[deal.pk]
            instalments = selectors.overdue_instalments(contract, received, today)
        return Response(
            {
                "deal": deal.pk,
                "registration_deadline": deadline.as_dict() if deadline else None,
                "milestones": [milestone_out(r, today) for r in rows],
                "next_milestone": upcoming.kind if upcoming else None,
                "visits": VisitSerializer(selectors.visits_for_deal(deal), many=True).data,
                "outcome": outcome_out(deal),
                "overdue_instalments": [_instalment(i) for i in instalments],
            }
        )


def _instalment(i: selectors.Instalment) -> dict[str, Any]:
    return {
        "number": i.number,
        "due_on": i.due_on,
        "amount": f"{i.amount:.2f}",
        "received": f"{i.received:.2f}",
        "outstanding": f"{i.outstanding:.2f}",
        "note": i.note,
    }


class FollowUpListView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        """Registered deals (that the user sees) whose next milestone is past its planned date or
        with an instalment due and not covered by the money received; oldest lapse first."""
        today = timezone.localdate()
        items = selectors.follow_up_items(signed_in(request), today)
        paginator = Pagination()
        page = paginator.paginate_queryset(items, request, view=self) or []  # type: ignore[arg-type]
        return paginator.get_paginated_response([_item(i) for i in page])


def _item(item: selectors.FollowUpItem) -> dict[str, Any]:
    upcoming = item.next_milestone
    return {
        "deal": item.deal.pk,
        "title": item.deal.title,
        "enterprise": item.deal.demand.enterprise,
        "lead_broker": _person(item.deal.lead_broker),
        "contract": item.contract.pk if item.contract else None,
        "next_milestone": {
            "kind": upcoming.kind,
            "label": upcoming.label,
            "planned_on": upcoming.planned_on,
            "overdue": item.milestone_overdue,
        }
        if upcoming
        else None,
        "milestone_overdue": item.milestone_overdue,
        "overdue_instalments": [_instalment(i) for i in item.instalments],
        "outstanding": f"{item.outstanding:.2f}",
    }


class MilestonesExportView(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # A file, whatever the client accepts; its errors still render as JSON.
        return (JSONRenderer(), JSONRenderer.media_type)

    @extend_schema(
        parameters=[OpenApiParameter("deal", int, description="only this deal")],
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        """The milestones of the registered deals this user sees (or of `?deal=`), as XLSX."""
        deals = deals_visible_to(signed_in(request)).filter(state="registered")
        raw = request.query_params.get("deal", "")
        if raw:
            if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
                raise serializers.ValidationError({"deal": [_("应为项目编号（正整数）。")]})
            deal = _deal(request, int(raw))
            deals = deals_visible_to(signed_in(request)).filter(pk=deal.pk)
        body = exports.milestones_xlsx(deals, timezone.localdate())
        response = HttpResponse(
            body,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"milestones-{raw}" if raw else "milestones"
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
