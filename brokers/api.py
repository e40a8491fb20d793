"""People over HTTP: token sign-in, who am I, users (admin creates), brokers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from brokers import permissions, selectors, services
from brokers.confinement import ExpertConfined
from brokers.industries import Industry, industry_all, industry_label
from brokers.lockout import lockout_message
from brokers.models import BrokerProfile, Role, User
from brokers.regions import region_children, region_search
from brokers.requests import signed_in


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token"}; wrong credentials → 400; too many failures for
    the user name or the address → 429 `locked_out` (django-axes sees the request: the serializer
    calls `authenticate(request=...)`); throttled per address (scope `auth`)."""

    throttle_scope = "auth"
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]  # ObtainAuthToken has none

    def handle_exception(self, exc: Exception) -> Response:
        # axes marks whichever request object it was handed (DRF's, or the Django one inside)
        if getattr(self.request, "axes_locked_out", False) or getattr(
            self.request._request, "axes_locked_out", False
        ):
            return Response({"detail": lockout_message(), "code": "locked_out"}, status=429)
        return super().handle_exception(exc)


class UserSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", default=None, read_only=True)
    role = serializers.CharField(source="effective_role", read_only=True)
    # Blank for users created without one: a plain string in the schema, not format "email".
    email = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role", "organisation", "region", "email"]
        read_only_fields = fields


class UserCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{2,150}$", max_length=150)
    password = serializers.CharField(min_length=8, max_length=128, write_only=True)
    role = serializers.ChoiceField(choices=Role.choices)
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    region = serializers.CharField(max_length=50, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class BrokerProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = BrokerProfile
        fields = ["certificate_number", "region_code", "specialties", "caseload_limit"]


class BrokerSerializer(UserSerializer):
    profile = BrokerProfileSerializer(source="broker_profile", read_only=True, default=None)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "profile"]
        read_only_fields = fields


class MayCreateUser(ExpertConfined):
    """Asked before the body is parsed: a non-admin's POST is a 403 whatever it carries."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if view.action == "create":
            permissions.may_create_user.require(signed_in(request))
        return True


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = UserSerializer
    experts_allowed = True  # an expert sees themselves only (users_visible_to)
    permission_classes = [MayCreateUser]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.users_visible_to(signed_in(self.request))

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request: Request) -> Response:
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(actor=signed_in(request), **data.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class BrokerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Brokers of the user's organisation (admins: all), with their profiles."""

    serializer_class = BrokerSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.brokers_visible_to(signed_in(self.request))


# --- reference data: regions and industries ------------------------------------------------------


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    full_name = serializers.CharField()
    level = serializers.CharField()
    parent_code = serializers.CharField(source="parent")


class RegionListView(APIView):
    """`?q=` a name or code prefix (best first), or `?parent=` a code ("" = the provinces) for a
    cascading picker. Open to everyone: the public forms use it."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description=_("名称或代码前缀")),
            OpenApiParameter("parent", str, description=_("上级代码；留空为省级")),
        ],
        responses={200: RegionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        if "parent" in request.query_params:
            regions = region_children(request.query_params["parent"][:6])
        else:
            regions = region_search(request.query_params.get("q", "")[:50], limit=50)
        return Response(RegionSerializer(regions, many=True).data)


class IndustrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField()
    sector = serializers.CharField()

    def get_name(self, industry: Industry) -> str:
        return industry_label(industry.code)


class IndustryListView(APIView):
    """The industry catalogue (both levels, sector first): codes the other endpoints accept."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: IndustrySerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(IndustrySerializer(industry_all(), many=True).data)
