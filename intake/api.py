"""Public submissions over HTTP.

No account: `POST /api/v1/public/needs/` and `/public/achievements/` (→ 201 `{"reference",
"email", "contact"}`; 400 with every field's message at once; 429 `rate_limited` per address),
`GET /api/v1/public/status/?ref=&email=` (404 for an unknown reference and a wrong e-mail alike).
Triage (supervisors of the routed organisation, admins; others 404): `GET /api/v1/submissions/
?status=`, `GET …/{id}/`, `POST …/{id}/accept/`, `…/merge/`, `…/decline/`.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.industries import industry_label
from brokers.models import User
from brokers.regions import region_name
from common.exceptions import ValidationFailed
from common.throttle import AddressRateLimit
from intake import permissions, selectors, services
from intake.forms import FORMS, PARTY_FIELD
from intake.models import REFERENCE_PREFIX, Submission, SubmissionKind, SubmissionStatus

# One allowance per address for both forms and both doors (page and API).
SUBMISSION_LIMIT = AddressRateLimit("public_submissions", rate="INTAKE_SUBMISSION_RATE")


def decoy_reference(kind: str) -> str:
    """What a bot that filled the honeypot is shown: shaped like a reference, stored nowhere."""
    prefix = REFERENCE_PREFIX[SubmissionKind(kind)]
    year = timezone.localtime().year
    return f"{prefix}-{year}-{secrets.randbelow(900000) + 100000:06d}"


def form_data(kind: str, raw: Any) -> dict[str, Any]:
    """The request body as the form reads it: scalars only (a list or an object where text is
    expected is refused, not turned into its repr); the party under the library's field name."""
    if not hasattr(raw, "keys"):
        raise ValidationFailed(_("请求体应为 JSON 对象。"))
    data: dict[str, Any] = {}
    for key in raw:
        value = raw.get(key)
        if value is not None and not isinstance(value, str | int | float | bool):
            raise ValidationFailed(
                _("字段 %(field)s 应为文本或数字。") % {"field": str(key)[:40]}, code="invalid"
            )
        data[str(key)] = value
    party = PARTY_FIELD[kind]
    if party in data:
        data["party"] = data.pop(party)
    return data


def errors_for_api(kind: str, errors: Any) -> dict[str, list[str]]:
    out = {}
    for field, messages in errors.items():
        name = PARTY_FIELD[kind] if field == "party" else field
        out["detail" if name == "__all__" else name] = [str(m) for m in messages]
    return out


def receive(kind: str, form: Any) -> Submission:
    fields = form.submission_fields()
    if kind == SubmissionKind.ACHIEVEMENT:
        fields["achievement_kind"] = fields.pop("kind")
    return services.submission_receive(kind=kind, consent=True, **fields)


class _PublicSubmitView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    # The default per-address throttles stay; SUBMISSION_LIMIT below (shared with the pages)
    # is the stricter one for submissions.
    parser_classes = [JSONParser, FormParser]
    kind: str

    def post(self, request: Request) -> Response:
        SUBMISSION_LIMIT.check(request)  # type: ignore[arg-type]
        form = FORMS[self.kind](data=form_data(self.kind, request.data))
        if form.is_bot:
            # Dropped without a trace, answered like any other submission.
            data = form.data
            return Response(
                {
                    "reference": decoy_reference(self.kind),
                    "email": str(data.get("email", ""))[:254],
                    "contact": str(data.get("contact", ""))[:100],
                    "status": "pending",
                },
                status=status.HTTP_201_CREATED,
            )
        if not form.is_valid():
            body: dict[str, Any] = {
                "detail": _("提交未成功，请按各字段的说明修改后重试。"),
                "code": "invalid",
            }
            body.update(errors_for_api(self.kind, form.errors))
            if "detail" in body and isinstance(body["detail"], list):
                body["detail"] = _("；").join(body["detail"])
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        submission = receive(self.kind, form)
        return Response(
            {
                "reference": submission.reference,
                "email": submission.email,
                "contact": submission.contact,
                "status": submission.status,
            },
            status=status.HTTP_201_CREATED,
        )


_RECEIPT = inline_serializer(
    "SubmissionReceipt",
    {
        "reference": serializers.CharField(),
        "email": serializers.EmailField(),
        "contact": serializers.CharField(),
        "status": serializers.CharField(),
    },
)


class PublicNeedView(_PublicSubmitView):
    """A technical need from an enterprise, no account needed."""

    kind = SubmissionKind.NEED

    @extend_schema(
        request=inline_serializer(
            "PublicNeed",
            {
                "title": serializers.CharField(),
                "enterprise": serializers.CharField(),
                "credit_code": serializers.CharField(required=False),
                "industry": serializers.CharField(required=False),
                "region": serializers.CharField(),
                "description": serializers.CharField(),
                "budget": serializers.DecimalField(14, 2, required=False),
                "deadline": serializers.DateField(required=False),
                "contact": serializers.CharField(),
                "phone": serializers.CharField(required=False),
                "email": serializers.EmailField(),
                "consent": serializers.BooleanField(),
            },
        ),
        responses={201: _RECEIPT},
    )
    def post(self, request: Request) -> Response:
        return super().post(request)


class PublicAchievementView(_PublicSubmitView):
    """A research result on offer, no account needed."""

    kind = SubmissionKind.ACHIEVEMENT

    @extend_schema(
        request=inline_serializer(
            "PublicAchievement",
            {
                "title": serializers.CharField(),
                "owner": serializers.CharField(),
                "credit_code": serializers.CharField(required=False),
                "kind": serializers.ChoiceField(
                    choices=["patent", "software", "know_how", "other"]
                ),
                "patent_number": serializers.CharField(required=False),
                "industry": serializers.CharField(required=False),
                "maturity": serializers.IntegerField(required=False),
                "asking_price": serializers.DecimalField(14, 2, required=False),
                "region": serializers.CharField(),
                "description": serializers.CharField(),
                "contact": serializers.CharField(),
                "phone": serializers.CharField(required=False),
                "email": serializers.EmailField(),
                "consent": serializers.BooleanField(),
            },
        ),
        responses={201: _RECEIPT},
    )
    def post(self, request: Request) -> Response:
        return super().post(request)


class PublicStatusSerializer(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    received_at = serializers.DateTimeField()
    status = serializers.CharField(help_text="received | accepted | declined")
    status_label = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    stage = serializers.CharField(allow_null=True)
    stage_label = serializers.CharField(allow_null=True)


class PublicStatusView(APIView):
    """The submitter's own submission, by reference and e-mail (404 otherwise, the same for both)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        parameters=[OpenApiParameter("ref", str), OpenApiParameter("email", str)],
        responses=PublicStatusSerializer,
    )
    def get(self, request: Request) -> Response:
        submission = selectors.submission_for_submitter(
            reference=request.query_params.get("ref", ""),
            email=request.query_params.get("email", ""),
        )
        data = selectors.submission_public_status(submission)
        return Response(PublicStatusSerializer(data).data)


# --- triage ---------------------------------------------------------------------------------------


class SubmissionSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", default=None)
    region_name = serializers.SerializerMethodField()
    industry_label = serializers.SerializerMethodField()
    decided_by = serializers.CharField(source="decided_by.__str__", default=None)
    duplicates = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "reference",
            "kind",
            "title",
            "status",
            "organisation",
            "party",
            "credit_code",
            "industry",
            "industry_label",
            "region",
            "region_name",
            "description",
            "budget",
            "deadline",
            "achievement_kind",
            "patent_number",
            "maturity",
            "asking_price",
            "contact",
            "phone",
            "email",
            "consented_at",
            "privacy_notice",
            "received_at",
            "decided_by",
            "decided_at",
            "decline_reason",
            "demand",
            "achievement",
            "deal",
            "duplicates",
        ]
        read_only_fields = fields

    def get_region_name(self, obj: Submission) -> str:
        return region_name(obj.region) if obj.region else ""

    def get_industry_label(self, obj: Submission) -> str:
        return industry_label(obj.industry) if obj.industry else ""

    def get_duplicates(self, obj: Submission) -> list[dict[str, Any]]:
        if obj.status != SubmissionStatus.PENDING:
            return []
        return selectors.submission_duplicates(obj)


class AcceptSerializer(serializers.Serializer):
    open_deal = serializers.BooleanField(required=False, default=False)
    lead_broker = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX)


class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The triage queue: what this supervisor's organisation (an admin: every one) may decide."""

    serializer_class = SubmissionSerializer
    lookup_value_regex = r"\d+"

    def _user(self) -> User:
        user = self.request.user
        if not isinstance(user, User):
            raise Http404
        return user

    def get_queryset(self):  # type: ignore[no-untyped-def]
        wanted = self.request.query_params.get("status", "")
        if wanted and wanted not in SubmissionStatus.values:
            raise ValidationFailed(
                _("status 应为 %(choices)s 之一。")
                % {"choices": " | ".join(SubmissionStatus.values)}
            )
        return selectors.submission_list_for_user(self._user(), status=wanted)

    def get_object(self) -> Submission:
        return selectors.submission_get_for_user(user=self._user(), submission_id=self.kwargs["pk"])

    def _respond(self, submission: Submission) -> Response:
        fresh = selectors.submission_get_for_user(user=self._user(), submission_id=submission.pk)
        return Response(SubmissionSerializer(fresh).data)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=SubmissionStatus.values)],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        permissions.may_see_triage.require(self._user())
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AcceptSerializer, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        submission = self.get_object()
        data = AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.submission_accept(
            actor=self._user(),
            submission=submission,
            open_deal=data.validated_data["open_deal"],
            lead_broker_id=data.validated_data.get("lead_broker"),
        )
        return self._respond(submission)

    @extend_schema(request=MergeSerializer, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        submission = self.get_object()
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.submission_merge(
            actor=self._user(), submission=submission, into=data.validated_data["into"]
        )
        return self._respond(submission)

    @extend_schema(request=DeclineSerializer, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        submission = self.get_object()
        data = DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.submission_decline(
            actor=self._user(), submission=submission, reason=data.validated_data["reason"]
        )
        return self._respond(submission)

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str) -> Response:
        return Response(selectors.submission_history(self.get_object()))
