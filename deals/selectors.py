"""Reads of deals. Every view and API goes through `deals_visible_to` / `deal_get_for_user`."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from brokers.models import Role, User
from deals.models import (
    Activity,
    Deal,
    DealAchievement,
    DealBroker,
    RequestStatus,
    TransitionRequest,
)


def deals_visible_to(user: User) -> QuerySet[Deal]:
    """A broker sees the deals they are on; supervisors and finance their organisation's; admins all."""
    qs = Deal.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_admin:
        return qs
    if user.role in (Role.SUPERVISOR, Role.FINANCE):
        return qs.filter(organisation_id=user.organisation_id) if user.organisation_id else qs.none()
    on_deal = DealBroker.objects.filter(deal_id=OuterRef("pk"), user_id=user.pk)
    return qs.filter(Exists(on_deal))


def deal_list_for_user(user: User) -> QuerySet[Deal]:
    """The list's queryset: everything the serializer shows is fetched in a constant number of queries."""
    pending = TransitionRequest.objects.filter(status=RequestStatus.PENDING).select_related(
        "requested_by"
    )
    return (
        deals_visible_to(user)
        .select_related("demand", "lead_broker", "organisation")
        .prefetch_related(
            Prefetch("broker_links", queryset=DealBroker.objects.order_by("-share", "id")),
            Prefetch("achievement_links", queryset=DealAchievement.objects.order_by("id")),
            Prefetch("transition_requests", queryset=pending, to_attr="pending_requests"),
        )
        .order_by("-id")
    )


def deal_get_for_user(*, user: User, deal_id: int | str) -> Deal:
    """The deal if this user may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return deal_list_for_user(user).get(pk=int(deal_id))
    except (Deal.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def deal_is_broker(*, deal: Deal, user: User) -> bool:
    return DealBroker.objects.filter(deal=deal, user_id=user.pk).exists()


def deal_is_overdue(deal: Deal) -> bool:
    return deal.due_at is not None and deal.due_at < timezone.now()


def requests_visible_to(user: User) -> QuerySet[TransitionRequest]:
    return (
        TransitionRequest.objects.filter(deal__in=deals_visible_to(user))
        .select_related("deal", "requested_by", "decided_by")
        .order_by("requested_at", "id")
    )


def activities_for_deal(deal: Deal) -> QuerySet[Activity]:
    return deal.activities.select_related("created_by").order_by("occurred_at", "id")
