"""The deal pipeline over HTTP (api.md: needs, achievements, deals, activities, transitions)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import filters, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from brokers.confinement import ExpertConfined
from brokers.industries import industry_label, resolve_industry
from brokers.models import Role, User
from brokers.regions import resolve_region
from brokers.requests import signed_in
from brokers.selectors import users_visible_to
from common.exceptions import DomainError, ValidationFailed
from common.filters import IdFilter
from deals import permissions, selectors, services
from deals.extensions import computed_deal_fields, deal_fields, resolve_deal_fields
from deals.lost_reasons import lost_reason_choices, lost_reason_label
from deals.models import (
    Achievement,
    Activity,
    ActivityKind,
    ActivityStatus,
    Deal,
    DealBroker,
    DealState,
    Demand,
    Escalation,
    RequestStatus,
    TransitionRequest,
    overdue_q,
)

# --- needs and achievements ----------------------------------------------------------------------


class RegionField(serializers.CharField):
    """A 6-digit administrative code, or a known region name (stored as its code)."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return resolve_region(value)
        except DomainError as exc:
            raise serializers.ValidationError(exc.message) from exc


class IndustryField(serializers.CharField):
    """A code of the industry catalogue or its exact Chinese label (stored as the code)."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not value:
            return ""
        try:
            return resolve_industry(value)
        except DomainError as exc:
            raise serializers.ValidationError(exc.message) from exc


class DemandSerializer(serializers.ModelSerializer):
    region = RegionField(max_length=50)
    industry = IndustryField(max_length=50, required=False, allow_blank=True)
    industry_label = serializers.SerializerMethodField()

    class Meta:
        model = Demand
        fields = [
            "id",
            "title",
            "description",
            "enterprise",
            "enterprise_record",
            "industry",
            "industry_label",
            "region",
            "budget",
            "deadline",
            "contact",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "enterprise_record", "owner_record"]

    def get_industry_label(self, obj: Demand) -> str:
        return industry_label(obj.industry) if obj.industry else ""


class AchievementSerializer(serializers.ModelSerializer):
    region = RegionField(max_length=50, required=False, allow_blank=True)
    industry = IndustryField(max_length=50, required=False, allow_blank=True)
    industry_label = serializers.SerializerMethodField()

    class Meta:
        model = Achievement
        fields = [
            "id",
            "title",
            "description",
            "owner",
            "owner_record",
            "kind",
            "patent_number",
            "industry",
            "industry_label",
            "maturity",
            "asking_price",
            "region",
            "contact",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "enterprise_record", "owner_record"]

    def get_industry_label(self, obj: Achievement) -> str:
        return industry_label(obj.industry) if obj.industry else ""


class MayWriteCatalogue(BasePermission):
    """Asked before the body is parsed: who may not write gets a 403 whatever they sent."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method not in SAFE_METHODS:
            permissions.may_write_catalogue.require(signed_in(request))
        return True


class _CatalogueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Needs and achievements: visible to everyone signed in; writes go through the services."""

    filter_backends = [filters.SearchFilter, django_filters.rest_framework.DjangoFilterBackend]
    permission_classes = [ExpertConfined, MayWriteCatalogue]
    lookup_value_regex = r"\d+"  # leaves demands/import/ and demands/<id>/matches/ to their apps
    http_method_names = ["get", "post", "patch", "head", "options"]
    create_service: Any
    update_service: Any
    instance_kwarg: str

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = type(self).create_service(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = type(self).update_service(
            actor=self.request.user,
            **{self.instance_kwarg: serializer.instance},
            **serializer.validated_data,
        )


class DemandViewSet(_CatalogueViewSet):
    queryset = Demand.objects.order_by("-id")
    serializer_class = DemandSerializer
    search_fields = ["title", "description", "enterprise"]
    filterset_fields = ["industry", "region"]
    create_service = staticmethod(services.demand_create)
    update_service = staticmethod(services.demand_update)
    instance_kwarg = "demand"


class AchievementViewSet(_CatalogueViewSet):
    queryset = Achievement.objects.order_by("-id")
    serializer_class = AchievementSerializer
    search_fields = ["title", "description", "owner", "patent_number"]
    filterset_fields = ["industry", "region", "kind"]
    create_service = staticmethod(services.achievement_create)
    update_service = staticmethod(services.achievement_update)
    instance_kwarg = "achievement"


# --- deals ---------------------------------------------------------------------------------------


class PendingRequestSerializer(serializers.ModelSerializer):
    requested_by = serializers.IntegerField(source="requested_by_id")
    requested_by_name = serializers.CharField(source="requested_by.__str__")

    class Meta:
        model = TransitionRequest
        fields = [
            "id",
            "status",
            "from_state",
            "target",
            "comment",
            "requested_by",
            "requested_by_name",
            "requested_at",
        ]


# One instance renders every pending request of a page: building a serializer per row (its fields
# deep-copied each time) cost more than the rendering.
_PENDING = PendingRequestSerializer()


class DealSerializer(serializers.ModelSerializer):
    demand_title = serializers.CharField(source="demand.title", read_only=True)
    state_label = serializers.SerializerMethodField()
    achievements = serializers.SerializerMethodField()
    brokers = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    pending_request = serializers.SerializerMethodField()
    contract = serializers.SerializerMethodField()
    lost_reason_label = serializers.SerializerMethodField()

    class Meta:
        model = Deal
        fields = [
            "id",
            "title",
            "state",
            "state_label",
            "demand",
            "demand_title",
            "organisation",
            "achievements",
            "brokers",
            "lead_broker",
            "state_entered_at",
            "due_at",
            "paused_at",
            "overdue",
            "pending_request",
            "contract",
            "lost_reason",
            "lost_reason_code",
            "lost_reason_label",
            "created_at",
        ]
        read_only_fields = fields

    def get_lost_reason_label(self, deal: Deal) -> str:
        return lost_reason_label(deal.lost_reason_code)

    def get_state_label(self, deal: Deal) -> str:
        # Not `source="get_state_display"`: DRF inspects a callable source's signature for every
        # row, a noticeable share of a 50-deal page.
        return str(DealState(deal.state).label)

    def get_achievements(self, deal: Deal) -> list[int]:
        return [link.achievement_id for link in deal.achievement_links.all()]

    @extend_schema(
        responses=inline_serializer(
            "DealBrokerShare",
            {"user": serializers.IntegerField(), "share": serializers.DecimalField(5, 2)},
            many=True,
        )
    )
    def get_brokers(self, deal: Deal) -> list[dict[str, Any]]:
        return [
            {"user": link.user_id, "share": f"{link.share:.2f}"} for link in deal.broker_links.all()
        ]

    def get_overdue(self, deal: Deal) -> bool:
        return bool(deal.is_overdue)  # type: ignore[attr-defined]  # annotated by the selector

    @extend_schema(responses=PendingRequestSerializer(allow_null=True))
    def get_pending_request(self, deal: Deal) -> dict[str, Any] | None:
        pending = getattr(deal, "pending_requests", None)
        if pending is None:
            pending = list(deal.transition_requests.filter(status=RequestStatus.PENDING))
        return _PENDING.to_representation(pending[0]) if pending else None

    def _extensions(self, deal: Deal) -> dict[str, Any]:
        columns = deal_fields(deal)
        if columns is None:  # a deal that did not come through the list's queryset
            return resolve_deal_fields([deal.pk])[deal.pk]
        computed = self.context.get("computed")
        if computed is None:
            computed = computed_deal_fields([deal.pk])
        return {**columns, **computed.get(deal.pk, {})}

    def get_contract(self, deal: Deal) -> int | None:
        return self._extensions_of(deal).get("contract")

    def _extensions_of(self, deal: Deal) -> dict[str, Any]:
        """The registered fields of this deal, worked out once per representation."""
        if getattr(deal, "_api_extensions", None) is None:
            deal._api_extensions = self._extensions(deal)  # type: ignore[attr-defined]
        return deal._api_extensions  # type: ignore[attr-defined,no-any-return]

    def to_representation(self, instance: Deal) -> dict[str, Any]:
        """Plus the fields higher apps register (e.g. a challenge's `support_amount`)."""
        instance._api_extensions = None  # type: ignore[attr-defined]  # fresh for each rendering
        data = super().to_representation(instance)
        for name, value in self._extensions_of(instance).items():
            data.setdefault(name, value)
        return data


class DealCreateSerializer(serializers.Serializer):
    demand = serializers.PrimaryKeyRelatedField(queryset=Demand.objects.all())
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lead_broker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.BROKER), required=False
    )


class DealUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)


class DealFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=DealState.choices)
    broker = IdFilter(method="filter_broker")
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_overdue"
    )
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    # Callable choices: read per request, so a reason added in the settings is filterable.
    lost_reason = django_filters.ChoiceFilter(
        field_name="lost_reason_code", choices=lost_reason_choices
    )

    class Meta:
        model = Deal
        fields = ["state", "broker", "overdue", "search", "lost_reason"]

    def filter_broker(self, qs: QuerySet[Deal], name: str, value: int) -> QuerySet[Deal]:
        return qs.filter(broker_links__user_id=value)

    def filter_overdue(self, qs: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        late = overdue_q()
        return qs.filter(late) if value == "true" else qs.exclude(late)

    def filter_search(self, qs: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return qs.filter(
            Q(title__icontains=value)
            | Q(demand__title__icontains=value)
            | Q(demand__enterprise__icontains=value)
        )


class LinkAchievementSerializer(serializers.Serializer):
    achievement = serializers.PrimaryKeyRelatedField(queryset=Achievement.objects.all())
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class BrokerShareSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1)
    share = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


class ActivitySerializer(serializers.ModelSerializer):
    """A talk or meeting. Without `status` (or with "held") it is logged as held, as it always
    was; with "planned" it is planned ahead (a future time and a place)."""

    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    status = serializers.ChoiceField(
        choices=[ActivityStatus.PLANNED, ActivityStatus.HELD],
        default=ActivityStatus.HELD,
    )
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    deal = serializers.IntegerField(source="deal_id", read_only=True)
    participants = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    minutes = serializers.CharField(max_length=20000, required=False, allow_blank=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "deal",
            "kind",
            "status",
            "occurred_at",
            "planned_at",
            "location",
            "participants",
            "minutes",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["id", "deal", "planned_at", "created_by", "created_at"]

    def to_representation(self, instance: Activity) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["status"] = instance.status  # "cancelled" too, which a client cannot ask for
        return data


class ActivityHeldSerializer(serializers.Serializer):
    held_at = serializers.DateTimeField(required=False, allow_null=True)
    participants = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    minutes = serializers.CharField(max_length=20000, required=False, allow_blank=True)


class ActivityMinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(max_length=20000, allow_blank=True)
    participants = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ActivityCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


class TransitionOptionSerializer(serializers.Serializer):
    target = serializers.CharField()
    # "label" is the API's field name; it shadows Field.label on purpose.
    label = serializers.CharField()  # type: ignore[assignment]
    kind = serializers.CharField()
    comment_required = serializers.BooleanField()
    allowed = serializers.BooleanField()
    blockers = serializers.ListField(child=serializers.CharField())


class TransitionRequestCreateSerializer(serializers.Serializer):
    target = serializers.CharField(max_length=40)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    # Checked by the service (required for `lost`, one of settings.LOST_REASONS).
    lost_reason_code = serializers.CharField(max_length=40, required=False, allow_blank=True)


class TransitionRequestSerializer(serializers.ModelSerializer):
    requested_by = serializers.IntegerField(source="requested_by_id", read_only=True)
    decided_by = serializers.IntegerField(source="decided_by_id", read_only=True, allow_null=True)
    deal_title = serializers.CharField(source="deal.title", read_only=True)
    lost_reason_label = serializers.SerializerMethodField()

    class Meta:
        model = TransitionRequest
        fields = [
            "id",
            "deal",
            "deal_title",
            "status",
            "from_state",
            "target",
            "comment",
            "lost_reason_code",
            "lost_reason_label",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_comment",
        ]
        read_only_fields = fields

    def get_lost_reason_label(self, request: TransitionRequest) -> str:
        return lost_reason_label(request.lost_reason_code)


_REQUEST = TransitionRequestSerializer()


def _one_request(request: TransitionRequest) -> dict[str, Any]:
    """One request as the API shows it, rendered by a shared serializer (building one per answer
    deep-copies its fields: a visible share of asking for or deciding a move)."""
    return _REQUEST.to_representation(request)


class HistoryEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.DictField(allow_null=True)
    event = serializers.CharField()
    from_state = serializers.CharField(allow_null=True)
    to_state = serializers.CharField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)


class PauseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ResumeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DealViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DealSerializer
    filterset_class = DealFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Deal]:
        return selectors.deal_list_for_user(signed_in(self.request))

    def get_object(self) -> Deal:
        # Visibility only: an action's service locks and reloads the deal, and a response that
        # shows the deal fetches it whole once (`_deal_response`).
        return selectors.deal_find_for_user(user=signed_in(self.request), deal_id=self.kwargs["pk"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        deals = list(page if page is not None else queryset)
        context = {
            **self.get_serializer_context(),
            "computed": computed_deal_fields(d.pk for d in deals),
        }
        data = DealSerializer(deals, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _deal_response(self, deal: Deal, code: int = status.HTTP_200_OK) -> Response:
        deal = selectors.deal_get_for_user(user=signed_in(self.request), deal_id=deal.pk)
        return Response(
            DealSerializer(deal, context=self.get_serializer_context()).data, status=code
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deal = selectors.deal_get_for_user(user=signed_in(request), deal_id=kwargs["pk"])
        return Response(DealSerializer(deal, context=self.get_serializer_context()).data)

    @extend_schema(request=DealCreateSerializer, responses={201: DealSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        permissions.may_create_deal.require(signed_in(request))
        data = DealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lead = data.validated_data.get("lead_broker")
        if (
            lead is not None
            and not users_visible_to(signed_in(request)).filter(pk=lead.pk).exists()
        ):
            raise ValidationFailed(_("指定的主办经纪人不存在或不属于您的机构。"))
        deal = services.deal_create(
            actor=signed_in(request),
            demand=data.validated_data["demand"],
            title=data.validated_data.get("title", ""),
            lead_broker=lead,
        )
        return self._deal_response(deal, status.HTTP_201_CREATED)

    @extend_schema(request=DealUpdateSerializer, responses={200: DealSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deal = self.get_object()
        permissions.may_rename_deal.require(signed_in(request), deal)
        data = DealUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deal = services.deal_rename(
            deal=deal,
            actor=signed_in(request),
            title=data.validated_data["title"],
        )
        return self._deal_response(deal)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        request=LinkAchievementSerializer, responses={201: AchievementSerializer(many=True)}
    )
    @action(detail=True, methods=["get", "post"])
    def achievements(self, request: Request, pk: str) -> Response:
        deal = self.get_object()
        if request.method == "POST":
            permissions.may_link_achievement.require(signed_in(request), deal)
            data = LinkAchievementSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.deal_link_achievement(
                deal=deal,
                achievement=data.validated_data["achievement"],
                actor=signed_in(request),
                note=data.validated_data.get("note", ""),
            )
        linked = Achievement.objects.filter(
            pk__in=deal.achievement_links.values("achievement_id")
        ).order_by("id")
        code = status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK
        return Response(AchievementSerializer(linked, many=True).data, status=code)

    @extend_schema(request=BrokerShareSerializer(many=True), responses={200: DealSerializer})
    @action(detail=True, methods=["get", "put"])
    def brokers(self, request: Request, pk: str) -> Response:
        deal = self.get_object()
        if request.method == "PUT":
            permissions.may_set_brokers.require(signed_in(request), deal)
            data = BrokerShareSerializer(data=request.data, many=True)
            data.is_valid(raise_exception=True)
            rows = data.validated_data
            users = {
                u.pk: u
                for u in users_visible_to(signed_in(request)).filter(
                    pk__in=[r["user"] for r in rows]
                )
            }
            missing = [r["user"] for r in rows if r["user"] not in users]
            if missing:
                raise ValidationFailed(_("找不到这些用户：%(ids)s。") % {"ids": missing})
            services.deal_set_brokers(
                deal=deal,
                actor=signed_in(request),
                shares=[(users[r["user"]], r["share"]) for r in rows],
            )
        return self._deal_response(deal)

    @extend_schema(request=ActivitySerializer, responses={201: ActivitySerializer})
    @action(detail=True, methods=["get", "post"])
    def activities(self, request: Request, pk: str) -> Response:
        deal = self.get_object()
        if request.method == "POST":
            permissions.may_log_activity.require(signed_in(request), deal)
            data = ActivitySerializer(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            write = (
                services.activity_plan
                if fields.pop("status") == ActivityStatus.PLANNED
                else services.activity_log
            )
            activity = write(
                deal=deal,
                actor=signed_in(request),
                kind=fields["kind"],
                occurred_at=fields["occurred_at"],
                location=fields.get("location", ""),
                participants=fields.get("participants", ""),
                minutes=fields.get("minutes", ""),
            )
            return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)
        return Response(ActivitySerializer(selectors.activities_for_deal(deal), many=True).data)

    @extend_schema(responses=TransitionOptionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def transitions(self, request: Request, pk: str) -> Response:
        deal = self.get_object()
        return Response(services.transition_options(deal=deal, user=signed_in(request)))

    @extend_schema(
        request=TransitionRequestCreateSerializer,
        responses={
            201: TransitionRequestSerializer,
            409: OpenApiResponse(
                description="conditions_unmet / transition_not_allowed / request_pending"
            ),
        },
    )
    @action(detail=True, methods=["get", "post"], url_path="transition-requests")
    def transition_requests(self, request: Request, pk: str) -> Response:
        deal = self.get_object()
        if request.method == "POST":
            permissions.may_request_move.require(signed_in(request), deal)
            data = TransitionRequestCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            created = services.deal_request_transition(
                deal=deal,
                actor=signed_in(request),
                target=data.validated_data["target"],
                comment=data.validated_data.get("comment", ""),
                lost_reason_code=data.validated_data.get("lost_reason_code", ""),
            )
            return Response(_one_request(created), status=status.HTTP_201_CREATED)
        rows = deal.transition_requests.select_related("deal").order_by("id")
        return Response(TransitionRequestSerializer(rows, many=True).data)

    @extend_schema(request=PauseSerializer, responses={200: DealSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str) -> Response:
        """Stop the stage's clock while the deal waits on an outside party."""
        deal = self.get_object()
        permissions.may_pause_clock.require(signed_in(request), deal)
        data = PauseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.deal_pause(
            deal=deal, actor=signed_in(request), reason=data.validated_data["reason"]
        )
        return self._deal_response(deal)

    @extend_schema(request=ResumeSerializer, responses={200: DealSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        deal = self.get_object()
        permissions.may_pause_clock.require(signed_in(request), deal)
        data = ResumeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor: User = request.user  # type: ignore[assignment]
        services.deal_resume(deal=deal, actor=actor, reason=data.validated_data.get("reason", ""))
        return self._deal_response(deal)

    @extend_schema(responses=HistoryEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str) -> Response:
        deal = self.get_object()
        return Response(HistoryEventSerializer(selectors.deal_history(deal), many=True).data)


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class StrictIdField(serializers.IntegerField):
    """A JSON integer id: no strings, floats or booleans slipped through as numbers."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class BulkApproveSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=StrictIdField(min_value=1, max_value=2**63 - 1),
        allow_empty=False,
        max_length=services.BULK_APPROVE_MAX,
    )
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class BulkFailureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    blockers = serializers.ListField(child=serializers.CharField())


class TransitionRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    deal = IdFilter(field_name="deal_id")

    class Meta:
        model = TransitionRequest
        fields = ["status", "deal"]


class TransitionRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A supervisor's queue: `?status=pending`. Deciding locks the request (see services)."""

    serializer_class = TransitionRequestSerializer
    filterset_class = TransitionRequestFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[TransitionRequest]:
        return selectors.requests_visible_to(signed_in(self.request))

    @extend_schema(request=DecisionSerializer, responses={200: TransitionRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        req = self.get_object()
        permissions.may_decide.require(signed_in(request), req)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.request_approve(
            request_id=req.pk,
            actor=signed_in(request),
            comment=data.validated_data.get("comment", ""),
        )
        return Response(_one_request(decided))

    @extend_schema(
        request=BulkApproveSerializer,
        responses={
            200: inline_serializer(
                "BulkApproveResult",
                {
                    "approved": TransitionRequestSerializer(many=True),
                    "failures": BulkFailureSerializer(many=True),
                },
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="bulk-approve")
    def bulk_approve(self, request: Request) -> Response:
        """Approve several requests; each on its own (one refusal does not undo the others)."""
        # Who may decide at all is settled before the body is read.
        permissions.may_see_queue.require(signed_in(request))
        data = BulkApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.request_approve_bulk(
            request_ids=data.validated_data["ids"],
            actor=signed_in(request),
            comment=data.validated_data.get("comment", ""),
        )
        return Response(
            {
                "approved": TransitionRequestSerializer(result.approved, many=True).data,
                "failures": result.failures,
            }
        )

    @extend_schema(request=RejectSerializer, responses={200: TransitionRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        req = self.get_object()
        permissions.may_decide.require(signed_in(request), req)
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.request_reject(
            request_id=req.pk,
            actor=signed_in(request),
            reason=data.validated_data["reason"],
        )
        return Response(_one_request(decided))

    @extend_schema(request=None, responses={200: TransitionRequestSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        req = self.get_object()
        decided = services.request_withdraw(request_id=req.pk, actor=signed_in(request))
        return Response(_one_request(decided))


class EscalationSerializer(serializers.ModelSerializer):
    deal_title = serializers.CharField(source="deal.title", read_only=True)

    class Meta:
        model = Escalation
        fields = ["id", "deal", "deal_title", "kind", "message", "created_at"]
        read_only_fields = fields


class EscalationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stalled deals and unanswered requests, as recorded by the periodic sweep."""

    serializer_class = EscalationSerializer
    filterset_fields = ["kind", "deal"]

    def get_queryset(self) -> QuerySet[Escalation]:
        return selectors.escalations_visible_to(signed_in(self.request))


# --- activities: planned ahead, then held or cancelled ------------------------------------------


class ActivityFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ActivityStatus.choices)
    broker = IdFilter(method="filter_broker", label="broker")
    week = django_filters.BooleanFilter(method="filter_week", label="week")

    class Meta:
        model = Activity
        fields = ["status", "kind"]

    def filter_broker(self, qs: QuerySet[Activity], name: str, value: int) -> QuerySet[Activity]:
        on_deal = DealBroker.objects.filter(deal_id=OuterRef("deal_id"), user_id=value)
        return qs.filter(Exists(on_deal))

    def filter_week(self, qs: QuerySet[Activity], name: str, value: bool) -> QuerySet[Activity]:
        if not value:
            return qs
        return qs.filter(status=ActivityStatus.PLANNED, occurred_at__lt=selectors.week_end())


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The activities of the deals this user sees (`?week=true`: the planned ones until the end
    of the seventh day after today, Asia/Shanghai; `?broker=<id>`; `?status=`); held, minutes,
    cancel. Another organisation's activity is a 404."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Activity]:
        return selectors.activities_visible_to(signed_in(self.request)).order_by(
            "occurred_at", "id"
        )

    def get_object(self) -> Activity:
        return selectors.activity_get_for_user(
            user=signed_in(self.request), activity_id=self.kwargs["pk"]
        )

    @extend_schema(request=ActivityHeldSerializer, responses={200: ActivitySerializer})
    @action(detail=True, methods=["post"])
    def held(self, request: Request, pk: str) -> Response:
        activity = self.get_object()
        data = ActivityHeldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.activity_mark_held(
            activity=activity,
            actor=signed_in(request),
            held_at=data.validated_data.get("held_at"),
            participants=data.validated_data.get("participants", ""),
            minutes=data.validated_data.get("minutes", ""),
        )
        return Response(ActivitySerializer(done).data)

    @extend_schema(request=ActivityMinutesSerializer, responses={200: ActivitySerializer})
    @action(detail=True, methods=["post"])
    def minutes(self, request: Request, pk: str) -> Response:
        activity = self.get_object()
        data = ActivityMinutesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.activity_record_minutes(
            activity=activity,
            actor=signed_in(request),
            minutes=data.validated_data["minutes"],
            participants=data.validated_data.get("participants", ""),
        )
        return Response(ActivitySerializer(done).data)

    @extend_schema(request=ActivityCancelSerializer, responses={200: ActivitySerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        activity = self.get_object()
        data = ActivityCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.activity_cancel(
            activity=activity, actor=signed_in(request), reason=data.validated_data["reason"]
        )
        return Response(ActivitySerializer(done).data)
