"""Reads about people. Who may see whom follows the organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from brokers.models import Role, User


def users_visible_to(user: User) -> QuerySet[User]:
    qs = User.objects.select_related("organisation", "broker_profile").order_by("id")
    if not user.is_authenticated:
        return qs.none()
    if user.is_admin:
        return qs
    if user.organisation_id is None:
        return qs.filter(pk=user.pk)
    return qs.filter(organisation_id=user.organisation_id)


def brokers_visible_to(user: User) -> QuerySet[User]:
    return users_visible_to(user).filter(role=Role.BROKER)
