"""Reads about people. Who may see whom follows the organisation."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

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


def broker_get_for_page(*, user: User, broker_id: int | str) -> User:
    """A broker's own page: the broker themselves, a supervisor of their organisation, an admin.
    Anyone else (a colleague, another organisation) gets a 404."""
    qs = brokers_visible_to(user)
    if user.is_broker:
        qs = qs.filter(pk=user.pk)
    elif not (user.is_supervisor or user.is_admin):
        qs = qs.none()
    try:
        return qs.get(pk=int(broker_id))
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
