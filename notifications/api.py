"""Notifications over HTTP: GET /notifications/?unread=true, POST …/{id}/read/, POST …/read-all/."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from brokers.models import User
from brokers.requests import signed_in
from notifications import kinds, selectors, services
from notifications.models import EmailMode, Notification


class NotificationSerializer(serializers.ModelSerializer):
    deal = serializers.IntegerField(source="deal_id", allow_null=True, read_only=True)
    kind_label = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "text",
            "deal",
            "url",
            "created_at",
            "read_at",
            "resolved_at",
        ]
        read_only_fields = fields

    def get_kind_label(self, row: Notification) -> str:
        return kinds.kind_label(row.kind)


class SettingsSerializer(serializers.Serializer):
    email_mode = serializers.ChoiceField(choices=EmailMode.choices)


def _flag(raw: str | None) -> bool | None:
    if raw is None or raw == "":
        return None
    value = raw.strip().lower()
    if value in {"true", "1", "yes"}:
        return True
    if value in {"false", "0", "no"}:
        return False
    raise serializers.ValidationError({"unread": "true 或 false"})


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def get_queryset(self) -> Any:
        user: User = self.request.user  # type: ignore[assignment]
        return selectors.notification_list_for_user(
            user, unread=_flag(self.request.query_params.get("unread"))
        )

    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, required=False)],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        user: User = request.user  # type: ignore[assignment]
        row = selectors.notification_get_for_user(user=user, notification_id=pk)
        services.notification_mark_read(notification=row, user=user)
        return Response(NotificationSerializer(row).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = services.notifications_mark_all_read(user=signed_in(request))
        return Response({"marked": marked})

    @extend_schema(request=SettingsSerializer, responses=SettingsSerializer)
    @action(detail=False, methods=["get", "put"], url_path="settings")
    def preferences(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        if request.method == "PUT":
            data = SettingsSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.notification_settings_update(
                user=user, email_mode=data.validated_data["email_mode"]
            )
        found = services.notification_settings_for(user)
        return Response({"email_mode": found.email_mode})
