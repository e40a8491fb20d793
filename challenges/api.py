"""Experts, challenges, proposals and reviews over HTTP (docs/api.md, "Open challenges")."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.models import Role, User
from brokers.requests import signed_in
from challenges import selectors, services
from challenges.models import Attachment, Challenge, Expert, Invitation, Proposal, Review
from common.exceptions import NotAllowed, ValidationFailed
from common.files import private_file_response
from common.honeypot import is_bot
from common.throttle import AddressRateLimit
from deals.models import Demand
from deals.selectors import deal_get_for_user

# --- experts ------------------------------------------------------------------------------------


class ExpertSerializer(serializers.ModelSerializer):
    # None for an expert without a sign-in; e-mail blank when not given (so not format "email").
    username = serializers.CharField(
        source="user.username", default=None, read_only=True, allow_null=True
    )
    email = serializers.CharField(read_only=True)

    class Meta:
        model = Expert
        fields = [
            "id",
            "name",
            "employer",
            "title",
            "fields",
            "region",
            "contact",
            "email",
            "available",
            "availability_note",
            "conflicts",
            "username",
            "organisation",
            "created_at",
        ]
        read_only_fields = fields


class ExpertCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    employer = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    # A declared field named "fields" (DRF's metaclass takes it out of the class attributes).
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(max_length=40), required=False, max_length=20
    )
    region = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    conflicts = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=50
    )
    available = serializers.BooleanField(required=False, default=True)
    availability_note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    username = serializers.RegexField(r"^[\w.@+-]{2,150}$", max_length=150, required=False)
    password = serializers.CharField(min_length=8, max_length=128, write_only=True, required=False)


class ExpertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The organisation's expert library (supervisors, admins). ?field=&region=&q="""

    serializer_class = ExpertSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        return selectors.experts_search(
            signed_in(self.request),
            field=params.get("field", "")[:40],
            region=params.get("region", "")[:6],
            q=params.get("q", "")[:50],
        )

    def get_object(self) -> Expert:
        return selectors.expert_get_for_user(
            user=signed_in(self.request), expert_id=self.kwargs["pk"]
        )

    @extend_schema(request=ExpertCreateSerializer, responses={201: ExpertSerializer})
    def create(self, request: Request) -> Response:
        data = ExpertCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expert = services.expert_create(actor=signed_in(request), **data.validated_data)
        return Response(ExpertSerializer(expert).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={
            201: inline_serializer(
                "ExpertImport",
                {
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "errors": serializers.ListField(),
                },
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("请用 multipart 表单的 file 字段上传 CSV 或 XLSX 文件。"))
        result = services.experts_import(actor=signed_in(request), upload=upload)
        return Response(result, status=status.HTTP_201_CREATED)


# --- challenges -----------------------------------------------------------------------------------


class CriterionSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2)


class PublicChallengeSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise_label", read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    accepting_proposals = serializers.SerializerMethodField()
    proposals = serializers.IntegerField(source="proposal_count", read_only=True, default=0)

    class Meta:
        model = Challenge
        fields = [
            "id",
            "title",
            "description",
            "enterprise",
            "organisation",
            "support_amount",
            "deadline",
            "criteria",
            "panel_size",
            "status",
            "accepting_proposals",
            "proposals",
            "published_at",
        ]
        read_only_fields = fields

    def get_accepting_proposals(self, challenge: Challenge) -> bool:
        return challenge.accepting_proposals()


class ChallengeSerializer(PublicChallengeSerializer):
    class Meta(PublicChallengeSerializer.Meta):
        fields = [
            *PublicChallengeSerializer.Meta.fields,
            "demand",
            "show_enterprise",
            "published_by",
            "decided_by",
            "decided_at",
            "winner",
            "deal",
            "close_reason",
            "panel",
        ]
        read_only_fields = fields

    panel = serializers.SerializerMethodField()

    def get_panel(self, challenge: Challenge) -> list[int]:
        return [i.expert_id for i in challenge.panel.all()]


class ChallengeCreateSerializer(serializers.Serializer):
    demand = serializers.PrimaryKeyRelatedField(queryset=Demand.objects.all())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    support_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    deadline = serializers.CharField(max_length=40)
    criteria = CriterionSerializer(many=True)
    panel_size = serializers.IntegerField(min_value=3, max_value=15, default=3)
    show_enterprise = serializers.BooleanField(default=False)


class ProposalSerializer(serializers.ModelSerializer):
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "reference",
            "challenge",
            "institution",
            "team",
            "plan",
            "schedule",
            "price",
            "contact",
            "email",
            "submitted_at",
            "outcome",
            "attachments",
        ]
        read_only_fields = fields

    def get_attachments(self, proposal: Proposal) -> list[dict[str, Any]]:
        return [
            {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type}
            for a in proposal.attachments.all()
        ]


class ProposalCreateSerializer(serializers.Serializer):
    institution = serializers.CharField(max_length=200)
    team = serializers.CharField(max_length=5000)
    plan = serializers.CharField(max_length=20000)
    schedule = serializers.CharField(max_length=5000)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    contact = serializers.CharField(max_length=200)
    email = serializers.EmailField()
    # The honeypot: people never see it; a bot that fills every field is refused.
    website = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PanelSerializer(serializers.Serializer):
    experts = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=30)


class AwardSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(min_value=1)
    lead_broker = serializers.IntegerField(min_value=1, required=False)


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class RankingRowSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    reference = serializers.CharField()
    institution = serializers.CharField()
    price = serializers.DecimalField(max_digits=14, decimal_places=2)
    score = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    spread = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    reviews = serializers.IntegerField()


def _experts_for(user: User, ids: list[int]) -> list[Expert]:
    found = {e.pk: e for e in selectors.experts_visible_to(user).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(
            _("专家库中没有这些专家：%(ids)s。") % {"ids": ", ".join(map(str, missing))},
            code="unknown_expert",
        )
    return [found[i] for i in dict.fromkeys(ids)]


class ChallengeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Challenges this user manages (supervisors: their organisation's) or judges (experts)."""

    experts_allowed = True

    serializer_class = ChallengeSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.challenges_visible_to(signed_in(self.request)).prefetch_related("panel")

    def get_object(self) -> Challenge:
        user: User = self.request.user  # type: ignore[assignment]
        return selectors.challenge_get_for_user(user=user, challenge_id=self.kwargs["pk"])

    def _managed(self) -> Challenge:
        challenge = self.get_object()
        if not selectors.permissions.may_manage_challenge(signed_in(self.request), challenge):
            raise Http404
        return challenge

    def _respond(self, challenge: Challenge, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.challenge_get_for_user(
            user=signed_in(self.request), challenge_id=challenge.pk
        )
        return Response(ChallengeSerializer(fresh).data, status=code)

    @extend_schema(request=ChallengeCreateSerializer, responses={201: ChallengeSerializer})
    def create(self, request: Request) -> Response:
        data = ChallengeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["criteria"] = [dict(c) for c in fields["criteria"]]
        challenge = services.challenge_publish(actor=signed_in(request), **fields)
        return self._respond(challenge, status.HTTP_201_CREATED)

    @extend_schema(responses=ProposalSerializer(many=True))
    @action(detail=True, methods=["get"])
    def proposals(self, request: Request, pk: str) -> Response:
        PROPOSAL_LIMIT.check(request)  # type: ignore[arg-type]
        challenge = self.get_object()
        rows = selectors.proposals_for_user(signed_in(request), challenge)
        return Response(ProposalSerializer(rows, many=True).data)

    @extend_schema(request=PanelSerializer, responses={201: ChallengeSerializer})
    @action(detail=True, methods=["post"])
    def panel(self, request: Request, pk: str) -> Response:
        challenge = self._managed()
        data = PanelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        experts = _experts_for(signed_in(request), data.validated_data["experts"])
        services.panel_invite(actor=signed_in(request), challenge=challenge, experts=experts)
        return self._respond(challenge, status.HTTP_201_CREATED)

    @extend_schema(responses=RankingRowSerializer(many=True))
    @action(detail=True, methods=["get"])
    def ranking(self, request: Request, pk: str) -> Response:
        challenge = self.get_object()
        manager = selectors.permissions.may_manage_challenge(signed_in(request), challenge)
        if not manager and not selectors.challenge_progress(challenge)["complete"]:
            # Blind scoring: a panel expert sees the others' scores only when all are in.
            from challenges.exceptions import ReviewsPending

            raise ReviewsPending(_("评审尚未全部完成，完成后可查看排名。"))
        rows = selectors.challenge_ranking(challenge)
        return Response(RankingRowSerializer(rows, many=True).data)

    @extend_schema(
        request=AwardSerializer,
        responses={200: inline_serializer("Award", {"deal": serializers.IntegerField()})},
    )
    @action(detail=True, methods=["post"])
    def award(self, request: Request, pk: str) -> Response:
        challenge = self._managed()
        data = AwardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = challenge.proposals.filter(pk=data.validated_data["proposal"]).first()
        if proposal is None:
            raise ValidationFailed(_("该方案不属于本榜单。"), code="wrong_proposal")
        lead = None
        if "lead_broker" in data.validated_data:
            lead = User.objects.filter(
                pk=data.validated_data["lead_broker"],
                role=Role.BROKER,
                organisation_id=challenge.organisation_id,
            ).first()
            if lead is None:
                raise ValidationFailed(_("主办经纪人应是本机构的经纪人。"), code="bad_lead_broker")
        challenge = services.challenge_award(
            actor=signed_in(request),
            challenge=challenge,
            proposal=proposal,
            lead_broker=lead,
        )
        return Response({"deal": challenge.deal_id, "status": challenge.status})

    @extend_schema(request=CloseSerializer, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        challenge = self._managed()
        data = CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        services.challenge_close(
            actor=user, challenge=challenge, reason=data.validated_data["reason"]
        )
        return self._respond(challenge)

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str) -> Response:
        challenge = self._managed()
        return Response(selectors.challenge_history(challenge))


# --- the public side (no account) ---------------------------------------------------------------


# Proposals per address (as TrustedProxyMiddleware established it); the page form counts too.
PROPOSAL_LIMIT = AddressRateLimit("challenge_proposals", rate="CHALLENGE_PROPOSAL_RATE")


class PublicChallengeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Open challenges for everyone (揭榜挂帅): list, detail, and answering one."""

    serializer_class = PublicChallengeSerializer
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.challenges_public()

    def get_object(self) -> Challenge:
        return selectors.public_challenge_get(self.kwargs["pk"])

    @extend_schema(
        request={
            "application/json": ProposalCreateSerializer,
            "multipart/form-data": ProposalCreateSerializer,
        },
        responses={
            201: inline_serializer("ProposalReceipt", {"reference": serializers.CharField()})
        },
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def proposals(self, request: Request, pk: str) -> Response:
        PROPOSAL_LIMIT.check(request)  # type: ignore[arg-type]
        challenge = self.get_object()
        data = ProposalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("website", None)
        if is_bot(request.data):
            raise ValidationFailed(_("提交未通过校验，请通过页面表单提交。"), code="rejected")
        proposal = services.proposal_submit(
            challenge=challenge, files=request.FILES.getlist("attachments"), **fields
        )
        return Response(
            {"reference": proposal.reference, "email": proposal.email},
            status=status.HTTP_201_CREATED,
        )


class PublicProposalView(APIView):
    """A proposer's own proposal: GET /public/proposals/{reference}/?email= (404 otherwise)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses=ProposalSerializer)
    def get(self, request: Request, reference: str) -> Response:
        proposal = selectors.proposal_get_for_proposer(
            reference=reference, email=request.query_params.get("email", "")
        )
        return Response(ProposalSerializer(proposal).data)


# --- reviews ------------------------------------------------------------------------------------


class ReviewSerializer(serializers.ModelSerializer):
    expert_name = serializers.CharField(source="expert.name", read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "expert",
            "expert_name",
            "proposal",
            "deal",
            "scores",
            "opinion",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReviewCreateSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(min_value=1, required=False)
    deal = serializers.IntegerField(min_value=1, required=False)
    scores = serializers.DictField(child=serializers.JSONField())
    opinion = serializers.CharField(max_length=5000)


def _own(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "id": review.pk,
        "scores": review.scores,
        "opinion": review.opinion,
        "submitted_at": review.submitted_at,
    }


def expert_assignments(user: User) -> list[dict[str, Any]]:
    """What an expert was invited to review, each with their own review (never the others')."""
    own = {(r.proposal_id, r.deal_id): r for r in Review.objects.filter(expert__user=user)}
    items: list[dict[str, Any]] = []
    now = timezone.now()
    for invitation in selectors.invitations_for_expert(user):
        if invitation.challenge is not None:
            challenge = invitation.challenge
            for proposal in selectors.proposals_for_user(user, challenge):
                items.append(
                    {
                        "kind": "proposal",
                        "challenge": challenge.pk,
                        "challenge_title": challenge.title,
                        "proposal": proposal.pk,
                        "reference": proposal.reference,
                        "institution": proposal.institution,
                        "criteria": challenge.criteria,
                        "deadline": challenge.deadline,
                        "open_for_review": challenge.status == "open" and now > challenge.deadline,
                        "review": _own(own.get((proposal.pk, None))),
                    }
                )
        elif invitation.deal is not None:
            deal = invitation.deal
            items.append(
                {
                    "kind": "deal",
                    "deal": deal.pk,
                    "title": deal.title,
                    "criteria": [{"name": n, "weight": "1"} for n in services.MATCH_CRITERIA],
                    "open_for_review": True,
                    "review": _own(own.get((None, deal.pk))),
                }
            )
    return items


class ReviewViewSet(viewsets.GenericViewSet):
    """An expert: what they were invited to review, and their reviews. Managers: the reviews of
    their organisation's challenges and deals (?challenge=, ?deal=)."""

    experts_allowed = True

    serializer_class = ReviewSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.reviews_visible_to(signed_in(self.request))

    def list(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        if user.role == Role.EXPERT:
            items = expert_assignments(user)
            return Response({"count": len(items), "next": None, "previous": None, "results": items})
        qs = self.get_queryset()
        for key, lookup in (("challenge", "proposal__challenge_id"), ("deal", "deal_id")):
            raw = request.query_params.get(key, "")
            if raw:
                if not raw.isdigit() or len(raw) > 18:
                    raise ValidationFailed(_("%(key)s 应为正整数 id。") % {"key": key})
                qs = qs.filter(**{lookup: int(raw)})
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)

    @extend_schema(request=ReviewCreateSerializer, responses={201: ReviewSerializer})
    def create(self, request: Request) -> Response:
        data = ReviewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        target: dict[str, Any] = {}
        if "proposal" in data.validated_data:
            target["proposal"] = selectors.proposal_get_for_user(
                user=user, proposal_id=data.validated_data["proposal"]
            )
        if "deal" in data.validated_data:
            target["deal"] = selectors.deal_for_expert(
                user=user, deal_id=data.validated_data["deal"]
            )
        review = services.review_submit(
            actor=user,
            scores=data.validated_data["scores"],
            opinion=data.validated_data["opinion"],
            **target,
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class DealReviewersView(APIView):
    """GET the experts invited to review a deal's match and their reviews; POST {"experts"}."""

    def get(self, request: Request, deal_id: int) -> Response:
        deal = deal_get_for_user(user=signed_in(request), deal_id=deal_id)
        invitations = Invitation.objects.filter(deal=deal).select_related("expert")
        return Response(
            {
                "experts": [{"id": i.expert_id, "name": i.expert.name} for i in invitations],
                "criteria": services.MATCH_CRITERIA,
                "reviews": ReviewSerializer(selectors.deal_reviews(deal), many=True).data,
            }
        )

    @extend_schema(request=PanelSerializer)
    def post(self, request: Request, deal_id: int) -> Response:
        deal = deal_get_for_user(user=signed_in(request), deal_id=deal_id)
        if not selectors.permissions.may_invite_to_deal(signed_in(request), deal.organisation_id):
            raise NotAllowed(_("只有本机构的主管可以邀请专家评审项目匹配。"))
        data = PanelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        experts = _experts_for(signed_in(request), data.validated_data["experts"])
        with transaction.atomic():
            services.deal_invite_experts(actor=signed_in(request), deal=deal, experts=experts)
        return Response({"experts": [e.pk for e in experts]}, status=status.HTTP_201_CREATED)


class AttachmentView(APIView):
    """GET an attachment's bytes, for those who may see its proposal (404 otherwise)."""

    experts_allowed = True

    def get(self, request: Request, attachment_id: int) -> FileResponse:
        attachment = selectors.attachment_get_for_user(
            user=signed_in(request),
            attachment_id=attachment_id,
            proposer_references=request.session.get("proposer_refs", [])
            if hasattr(request, "session")
            else [],
        )
        return serve_attachment(attachment)


def serve_attachment(attachment: Attachment) -> FileResponse:
    return private_file_response(
        attachment.file, filename=attachment.filename, content_type=attachment.content_type
    )
