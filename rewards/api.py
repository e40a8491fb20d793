"""The rewards API: policies, the reward ledger, the finance workflow, exports and statements."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from brokers.models import User
from brokers.requests import signed_in
from common.exceptions import ValidationFailed
from common.spreadsheet import XLSX_CONTENT_TYPE
from rewards import exports, services
from rewards.exceptions import NotFinance, PolicyInvalid
from rewards.explain import explanation_text
from rewards.models import Basis, Clawback, Reward, RewardPolicy, RewardStatus, TierMode
from rewards.permissions import (
    decider_refusal,
    may_approve_reward,
    may_pay_reward,
    may_see_statement,
    may_write_policy,
)
from rewards.selectors import (
    policies_all,
    reward_get_for_user,
    rewards_filtered,
    rewards_visible_to,
)
from rewards.statement import statement_build, statement_pdf


class FractionField(serializers.DecimalField):
    """A rate as a decimal fraction string without padding: "0.015" (not "0.015000")."""

    def to_representation(self, value: Any) -> Any:
        if value is None:
            return None
        text = format(Decimal(value).normalize(), "f")
        return text if "." in text else f"{text}.0"


class TierSerializer(serializers.Serializer):
    up_to = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    rate = FractionField(max_digits=9, decimal_places=6, min_value=Decimal(0), max_value=Decimal(1))
    cap = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, required=False, min_value=Decimal(0)
    )


class RewardPolicySerializer(serializers.ModelSerializer):
    rate = FractionField(
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(0),
        max_value=Decimal(1),
        allow_null=True,
        required=False,
    )
    cap_per_project = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, required=False, min_value=Decimal(0)
    )
    cap_per_person_year = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, required=False, min_value=Decimal(0)
    )
    basis = serializers.ChoiceField(choices=Basis.choices, default=Basis.TECHNOLOGY_AMOUNT)
    tier_mode = serializers.ChoiceField(choices=TierMode.choices, default=TierMode.FLAT)
    tiers = TierSerializer(many=True, required=False)
    region = serializers.CharField(max_length=50)

    class Meta:
        model = RewardPolicy
        fields = [
            "id",
            "name",
            "region",
            "rate",
            "cap_per_project",
            "cap_per_person_year",
            "basis",
            "tiers",
            "tier_mode",
            "effective_from",
            "effective_to",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance: RewardPolicy) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["tiers"] = [
            {
                "up_to": t.get("up_to"),
                "rate": FractionField(max_digits=9, decimal_places=6).to_representation(t["rate"]),
                "cap": t.get("cap"),
            }
            for t in instance.tiers
        ]
        return data


def _tiers_in(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    tiers = data.get("tiers")
    if tiers is None:
        return None
    if any(t.get("rate") is None for t in tiers):
        # PATCH makes the nested fields optional; a tier without its rate means nothing.
        raise PolicyInvalid(_('每一档 tiers 都需要 rate（例如 "0.005"）。'))
    return [
        {
            "up_to": None if t.get("up_to") is None else str(t["up_to"]),
            "rate": str(t["rate"]),
            "cap": None if t.get("cap") is None else str(t["cap"]),
        }
        for t in tiers
    ]


class RewardPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Everyone signed in reads the policies; finance and admins write them (through services)."""

    serializer_class = RewardPolicySerializer
    queryset = RewardPolicy.objects.none()

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        # Before the body is validated: a broker learns nothing about what a policy needs.
        if request.method not in SAFE_METHODS and not may_write_policy(cast(User, request.user)):
            raise NotFinance.default()

    def get_queryset(self) -> Any:
        qs = policies_all()
        region = self.request.query_params.get("region")
        if region:
            qs = qs.filter(region=region)
        return qs

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data["tiers"] = _tiers_in(data)
        actor = cast(User, self.request.user)
        serializer.instance = services.policy_create(actor=actor, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        if "tiers" in data:
            data["tiers"] = _tiers_in(data)
        serializer.instance = services.policy_update(
            policy_id=serializer.instance.pk, actor=cast(User, self.request.user), changes=data
        )


class ShareSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.__str__")
    share = serializers.DecimalField(max_digits=5, decimal_places=2)
    allocated = serializers.DecimalField(max_digits=18, decimal_places=2)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    lead = serializers.BooleanField(source="is_lead")


class RewardSerializer(serializers.ModelSerializer):
    shares = ShareSerializer(many=True, read_only=True)
    deal_title = serializers.CharField(source="deal.title", read_only=True)
    policy_name = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    clawback = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = Reward
        fields = [
            "id",
            "deal",
            "deal_title",
            "payment",
            "policy",
            "policy_name",
            "region",
            "registered_on",
            "year",
            "basis",
            "basis_amount",
            "amount",
            "status",
            "status_label",
            "shares",
            "explanation",
            "computed_at",
            "approved_by",
            "approved_at",
            "paid_by",
            "paid_on",
            "payment_reference",
            "voided_at",
            "void_reason",
            "active",
            "clawback",
        ]
        read_only_fields = fields

    def get_explanation(self, obj: Reward) -> dict[str, Any]:
        """The stored figures plus `text`: the same figures in sentences."""
        return {**obj.explanation, "text": explanation_text(obj.explanation)}

    def get_policy_name(self, obj: Reward) -> str | None:
        return obj.policy.name if obj.policy else None

    def get_status_label(self, obj: Reward) -> str:
        return str(RewardStatus(obj.status).label)

    def get_clawback(self, obj: Reward) -> dict[str, Any] | None:
        try:
            clawback = obj.clawback
        except Clawback.DoesNotExist:
            return None
        return {
            "amount": f"{clawback.amount:.2f}",
            "reason": clawback.reason,
            "created_at": clawback.created_at.isoformat(),
        }


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class PaySerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=100)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    reason = serializers.CharField(allow_null=True)


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValidationFailed(_("参数 %(name)s 应为整数。") % {"name": name}) from exc
    if not 0 < value < 2**63:  # ids and years; a larger number would overflow the database
        raise ValidationFailed(_("参数 %(name)s 超出范围。") % {"name": name})
    return value


LIST_PARAMS = [
    OpenApiParameter("status", str, enum=RewardStatus.values),
    OpenApiParameter("broker", int, description="a beneficiary's user id"),
    OpenApiParameter("year", int, description="the registration year"),
    OpenApiParameter("deal", int, description="one deal's rewards (every registration's)"),
]


class RewardViewSet(viewsets.ReadOnlyModelViewSet):
    """Brokers see their own rewards; finance and supervisors their organisation's; admins all."""

    serializer_class = RewardSerializer
    queryset = Reward.objects.none()
    FILE_ACTIONS = ("export", "export_xlsx", "statement")

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # Exports answer with files (HttpResponse) and take `?format=xlsx`, which DRF would
        # otherwise read as a renderer suffix and 404; their errors still render as JSON.
        if self.action in self.FILE_ACTIONS:
            return (JSONRenderer(), JSONRenderer.media_type)
        return super().perform_content_negotiation(request, force)

    def filtered(self) -> Any:
        status_value = self.request.query_params.get("status") or None
        if status_value and status_value not in RewardStatus.values:
            raise ValidationFailed(
                _("status 应为以下之一：%(v)s") % {"v": ", ".join(RewardStatus.values)}
            )
        qs = rewards_filtered(
            rewards_visible_to(signed_in(self.request)),
            year=_int_param(self.request, "year"),
            broker_id=_int_param(self.request, "broker"),
            status=status_value,
        )
        deal_id = _int_param(self.request, "deal")
        return qs.filter(deal_id=deal_id) if deal_id is not None else qs

    def get_queryset(self) -> Any:
        return self.filtered().order_by("-registered_on", "-id")

    def get_object(self) -> Reward:
        return reward_get_for_user(user=signed_in(self.request), reward_id=self.kwargs["pk"])

    @extend_schema(parameters=LIST_PARAMS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _respond(self, reward: Reward) -> Response:
        fresh = reward_get_for_user(user=signed_in(self.request), reward_id=reward.pk)
        return Response(RewardSerializer(fresh).data)

    @extend_schema(request=ApproveSerializer, responses=RewardSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        user = cast(User, request.user)
        reward = self.get_object()
        # Before the body is validated: who may not approve learns nothing from its errors.
        if not may_approve_reward(user, reward):
            raise decider_refusal(user, reward)
        body = ApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reward = services.reward_approve(
            reward_id=reward.pk,
            actor=user,
            comment=body.validated_data.get("comment", ""),
        )
        return self._respond(reward)

    @extend_schema(request=PaySerializer, responses=RewardSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str) -> Response:
        user = cast(User, request.user)
        reward = self.get_object()
        # Before the body is validated: who may not pay learns nothing from its errors.
        if not may_pay_reward(user, reward):
            raise decider_refusal(user, reward)
        body = PaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reward = services.reward_pay(
            reward_id=reward.pk,
            actor=user,
            paid_on=body.validated_data["paid_on"],
            reference=body.validated_data["reference"],
            comment=body.validated_data.get("comment", ""),
        )
        return self._respond(reward)

    @extend_schema(request=None, responses=RewardSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request: Request, pk: str) -> Response:
        """Retry a reward waiting for a policy (finance); a computed reward stays as it is."""
        reward = self.get_object()
        reward = services.reward_recompute(reward_id=reward.pk, actor=signed_in(request))
        return self._respond(reward)

    @extend_schema(responses=HistorySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str) -> Response:
        """Every step, oldest first: status, who, why."""
        reward = self.get_object()
        rows = reward.history.select_related("history_user").order_by("history_date", "history_id")
        data = [
            {
                "at": row.history_date,
                "actor": str(row.history_user) if row.history_user else None,
                "status": row.status,
                "reason": row.history_change_reason,
            }
            for row in rows
        ]
        return Response(HistorySerializer(data, many=True).data)

    def _export(self, request: Request, fmt: str) -> HttpResponse:
        broker_id = _int_param(request, "broker")
        year = _int_param(request, "year")
        rows = exports.ledger_rows(self.filtered(), broker_id=broker_id)
        stem = f"rewards-{year or 'all'}"
        if fmt == "xlsx":
            response = HttpResponse(
                exports.ledger_xlsx(rows, title=f"{year or ''}奖励台账"),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
            return response
        response = HttpResponse(exports.ledger_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response

    @extend_schema(
        parameters=[*LIST_PARAMS, OpenApiParameter("format", str, enum=["csv", "xlsx"])],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> HttpResponse:
        """The ledger, one line per beneficiary: CSV (default) or `?format=xlsx`."""
        fmt = request.query_params.get("format") or "csv"
        if fmt not in ("csv", "xlsx"):
            raise ValidationFailed(_("format 应为 csv 或 xlsx。"))
        return self._export(request, fmt)

    @extend_schema(
        parameters=LIST_PARAMS, responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY}
    )
    @action(detail=False, methods=["get"], url_path=r"export\.xlsx")
    def export_xlsx(self, request: Request) -> HttpResponse:
        return self._export(request, "xlsx")

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("broker", int, description="default: yourself"),
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"])
    def statement(self, request: Request) -> HttpResponse:
        """A broker's annual statement as a Chinese PDF (a broker gets only their own)."""
        user: User = request.user  # type: ignore[assignment]
        year = _int_param(request, "year")
        if year is None:
            raise ValidationFailed(_("请指定年度 year，例如 ?year=2026。"))
        broker_id = _int_param(request, "broker") or user.pk
        broker = User.objects.select_related("organisation").filter(pk=broker_id).first()
        if broker is None or not may_see_statement(user, broker):
            raise Http404
        statement = statement_build(broker=broker, year=year, rewards=rewards_visible_to(user))
        response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="reward-statement-{broker.username}-{year}.pdf"'
        )
        return response


class RewardExportXlsxAlias(RewardViewSet):
    """/rewards/export.xlsx without the trailing slash: the same action, left out of the schema
    (which lists the router's /rewards/export.xlsx/)."""

    schema = None
