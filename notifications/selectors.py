"""Reads of notifications: a person sees only their own."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from brokers.models import User
from notifications.models import Notification


def notification_list_for_user(user: User, *, unread: bool | None = None) -> QuerySet[Notification]:
    rows = Notification.objects.filter(user=user)
    if unread is True:
        rows = rows.filter(read_at__isnull=True)
    elif unread is False:
        rows = rows.filter(read_at__isnull=False)
    return rows.order_by("-created_at", "-id")


def notification_get_for_user(*, user: User, notification_id: int | str) -> Notification:
    """404 for another person's notification (and for ids that are not numbers)."""
    if not str(notification_id).isdigit() or int(notification_id) > 2**63 - 1:
        from django.http import Http404

        raise Http404
    return get_object_or_404(Notification, pk=int(notification_id), user=user)


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
