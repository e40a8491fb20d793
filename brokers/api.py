"""People over HTTP: token sign-in, who am I, users (admin creates), brokers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from brokers import selectors, services
from brokers.models import BrokerProfile, Role, User


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token"}; wrong credentials → 400."""


class UserSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", default=None, read_only=True)
    role = serializers.CharField(source="effective_role", read_only=True)

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


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = UserSerializer
    experts_allowed = True  # an expert sees themselves only (users_visible_to)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.users_visible_to(self.request.user)  # type: ignore[arg-type]

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request: Request) -> Response:
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(actor=request.user, **data.validated_data)  # type: ignore[arg-type]
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class BrokerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Brokers of the user's organisation (admins: all), with their profiles."""

    serializer_class = BrokerSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.brokers_visible_to(self.request.user)  # type: ignore[arg-type]
