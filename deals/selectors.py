"""Reads of deals. Every view and API goes through `deals_visible_to` / `deal_get_for_user`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from brokers.models import Role, User
from common.language import stored_text
from deals.extensions import with_deal_fields
from deals.models import (
    ACTIVE_STATES,
    Activity,
    ActivityKind,
    ActivityStatus,
    Deal,
    DealAchievement,
    DealBroker,
    Escalation,
    RequestStatus,
    TransitionRequest,
    with_overdue,
)
from deals.notify import request_id_of
from notifications import kinds
from notifications.services import unread_for_deals


def deals_visible_to(user: User) -> QuerySet[Deal]:
    """A broker sees the deals they are on; supervisors and finance their organisation's; admins all."""
    qs = Deal.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_admin:
        return qs
    if user.role in (Role.SUPERVISOR, Role.FINANCE):
        return (
            qs.filter(organisation_id=user.organisation_id) if user.organisation_id else qs.none()
        )
    on_deal = DealBroker.objects.filter(deal_id=OuterRef("pk"), user_id=user.pk)
    return qs.filter(Exists(on_deal))


def on_visible_deal(user: User, deal_field: str = "deal") -> Exists:
    """A filter for rows that belong to a deal this user sees (requests, escalations, rewards…).
    A correlated EXISTS, checked row by row: `deal__in=deals_visible_to(user)` made SQLite list
    every deal of the organisation for each lookup of one row."""
    return Exists(deals_visible_to(user).filter(pk=OuterRef(f"{deal_field}_id")))


def deal_list_for_user(user: User) -> QuerySet[Deal]:
    """The list's queryset: everything the serializer shows is fetched in a constant number of queries."""
    pending = TransitionRequest.objects.filter(status=RequestStatus.PENDING).select_related(
        "requested_by"
    )
    return (
        with_deal_fields(with_overdue(deals_visible_to(user)))
        .select_related("demand", "lead_broker", "organisation")
        .prefetch_related(
            Prefetch("broker_links", queryset=DealBroker.objects.order_by("-share", "id")),
            Prefetch("achievement_links", queryset=DealAchievement.objects.order_by("id")),
            Prefetch("transition_requests", queryset=pending, to_attr="pending_requests"),
        )
        .order_by("-id")
    )


def open_deals_of_broker(user: User, broker_id: int) -> QuerySet[Deal]:
    """The open deals (not yet registered or lost) of one broker that this user sees, with what
    the deal list shows, soonest deadline first (a constant number of queries)."""
    on_deal = DealBroker.objects.filter(deal_id=OuterRef("pk"), user_id=broker_id)
    return (
        deal_list_for_user(user)
        .filter(Exists(on_deal), state__in=ACTIVE_STATES)
        .prefetch_related("broker_links__user")
        .order_by("due_at", "-id")
    )


def deal_get_for_user(*, user: User, deal_id: int | str) -> Deal:
    """The deal if this user may see it, with everything its page and API show; 404 otherwise
    (never reveal that it exists)."""
    return _get_or_404(deal_list_for_user(user), deal_id)


def deal_find_for_user(*, user: User, deal_id: int | str) -> Deal:
    """The same visibility rule in one plain query, for an action that only needs the deal's row
    (a write the service then locks and reloads): 404 otherwise."""
    return _get_or_404(deals_visible_to(user).select_related("organisation"), deal_id)


def _get_or_404(queryset: QuerySet[Deal], deal_id: int | str) -> Deal:
    try:
        return queryset.get(pk=int(deal_id))
    except (Deal.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def requests_visible_to(user: User) -> QuerySet[TransitionRequest]:
    return (
        TransitionRequest.objects.filter(on_visible_deal(user))
        .select_related("deal", "requested_by", "decided_by")
        .order_by("requested_at", "id")
    )


def escalations_visible_to(user: User) -> QuerySet[Escalation]:
    """Open escalations of the deals this user sees, newest first (a supervisor's alerts)."""
    return (
        Escalation.objects.filter(on_visible_deal(user), resolved_at__isnull=True)
        .select_related("deal")
        .order_by("-created_at", "-id")
    )


def activities_for_deal(deal: Deal) -> QuerySet[Activity]:
    return deal.activities.select_related("created_by").order_by("occurred_at", "id")


def activities_visible_to(user: User) -> QuerySet[Activity]:
    """The activities of the deals this user sees."""
    return Activity.objects.filter(on_visible_deal(user)).select_related("deal", "created_by")


def activity_get_for_user(*, user: User, activity_id: int | str) -> Activity:
    """The activity if this user sees its deal; 404 otherwise."""
    try:
        return activities_visible_to(user).get(pk=int(activity_id))
    except (Activity.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# "This week": today and the seven days after it, in Asia/Shanghai.
WEEK_DAYS = 7


def week_end(now: dt.datetime | None = None) -> dt.datetime:
    """00:00 (Asia/Shanghai) of the day after today's seventh: where "this week" stops."""
    today = timezone.localtime(now).date()
    return dt.datetime.combine(
        today + dt.timedelta(days=WEEK_DAYS + 1),
        dt.time.min,
        tzinfo=timezone.get_current_timezone(),
    )


def meetings_ahead(
    user: User, *, broker_id: int | None = None, now: dt.datetime | None = None
) -> QuerySet[Activity]:
    """The planned talks and meetings this user sees until the end of the seventh day after
    today (Asia/Shanghai), soonest first; one whose time has passed without being marked held
    or cancelled stays on the list (at the top) until someone does. `broker_id`: only the deals
    that broker is on."""
    qs = activities_visible_to(user).filter(
        status=ActivityStatus.PLANNED, occurred_at__lt=week_end(now)
    )
    if broker_id is not None:
        qs = qs.filter(
            Exists(DealBroker.objects.filter(deal_id=OuterRef("deal_id"), user_id=broker_id))
        )
    return qs.select_related("deal__demand").order_by("occurred_at", "id")


# --- history -------------------------------------------------------------------------------------

_EVENT_ORDER = {
    "created": 0,
    "requested": 1,
    "approved": 2,
    "rejected": 2,
    "withdrawn": 2,
    "moved": 3,
}


def _actor(user: User | None) -> dict[str, object] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": str(user)}


def _event(at, actor, event, *, from_state="", to_state="", comment="", **extra):  # type: ignore[no-untyped-def]
    return {
        "at": at,
        "actor": _actor(actor),
        "event": event,
        "from_state": from_state or None,
        "to_state": to_state or None,
        "comment": comment or "",
        **extra,
    }


def _deal_row_events(deal: Deal) -> list[dict[str, object]]:
    events = []
    previous = None
    rows = deal.history.select_related("history_user").order_by("history_date", "history_id")  # type: ignore[attr-defined]
    for row in rows:
        reason = stored_text(row.history_change_reason or "")
        if previous is None:
            events.append(
                _event(
                    row.history_date,
                    row.history_user,
                    "created",
                    to_state=row.state,
                    comment=reason,
                )
            )
        elif previous.state != row.state:
            events.append(
                _event(
                    row.history_date,
                    row.history_user,
                    "moved",
                    from_state=previous.state,
                    to_state=row.state,
                    comment=reason,
                )
            )
        else:
            changes = [
                c
                for c in row.diff_against(previous).changes
                if c.field not in ("updated_at", "paused_at", "due_at", "state_entered_at")
            ]
            if changes:
                events.append(
                    _event(
                        row.history_date,
                        row.history_user,
                        "edited",
                        comment=reason,
                        fields=[c.field for c in changes],
                        changes=[_change(c.field, c.old, c.new) for c in changes],
                    )
                )
        previous = row
    return events


def _change(field_name: str, old: object, new: object) -> dict[str, str]:
    """One edited field as people read it: its label, and the old and new values shown as the
    page shows them (a choice's label, a person's or a need's name)."""
    field = Deal._meta.get_field(field_name)
    return {
        "field": field_name,
        "label": str(getattr(field, "verbose_name", field_name)),
        "old": _shown(field, old),
        "new": _shown(field, new),
    }


def _shown(field: Any, value: object) -> str:
    if value in (None, ""):
        return "—"
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        found = field.related_model._default_manager.filter(pk=value).first()
        return str(found) if found is not None else f"#{value}"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _request_events(deal: Deal) -> list[dict[str, object]]:
    events = []
    for req in deal.transition_requests.select_related("requested_by", "decided_by").order_by("id"):
        events.append(
            _event(
                req.requested_at,
                req.requested_by,
                "requested",
                from_state=req.from_state,
                to_state=req.target,
                comment=req.comment,
                request=req.pk,
            )
        )
        if req.status != RequestStatus.PENDING and req.decided_at:
            events.append(
                _event(
                    req.decided_at,
                    req.decided_by if req.status != RequestStatus.WITHDRAWN else req.requested_by,
                    req.status,
                    from_state=req.from_state,
                    to_state=req.target,
                    comment=req.decision_comment,
                    request=req.pk,
                )
            )
    return events


def _activity_events(deal: Deal) -> list[dict[str, object]]:
    """From the activities' history: logged (held when written), planned, held, minutes added,
    cancelled (with the reason given)."""
    events = []
    last: dict[int, str] = {}
    rows = (
        Activity.history.filter(deal_id=deal.pk)  # type: ignore[attr-defined]
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for row in rows:
        kind = ActivityKind(row.kind).label if row.kind in ActivityKind.values else row.kind
        before = last.get(row.id)
        last[row.id] = row.status
        if row.history_type == "+":
            planned = row.status == ActivityStatus.PLANNED
            when = timezone.localtime(row.occurred_at).strftime("%Y-%m-%d %H:%M")
            comment = (
                _("%(kind)s：%(when)s，%(place)s")
                % {"kind": kind, "when": when, "place": row.location}
                if planned
                else _("%(kind)s：%(minutes)s") % {"kind": kind, "minutes": row.minutes[:200]}
            )
            events.append(
                _event(
                    row.history_date,
                    row.history_user,
                    "activity_planned" if planned else "activity_logged",
                    comment=comment,
                )
            )
        elif row.history_type == "~" and before != row.status:
            code = {
                ActivityStatus.HELD: "activity_held",
                ActivityStatus.CANCELLED: "activity_cancelled",
            }.get(row.status)
            if code:
                text = (
                    row.minutes[:200]
                    if code == "activity_held"
                    else stored_text(row.history_change_reason or "")
                )
                comment = _("%(kind)s：%(minutes)s") % {"kind": kind, "minutes": text or ""}
                events.append(_event(row.history_date, row.history_user, code, comment=comment))
        elif row.history_type == "~" and row.history_change_reason == "补充纪要":
            events.append(
                _event(
                    row.history_date,
                    row.history_user,
                    "activity_minutes",
                    comment=_("%(kind)s：%(minutes)s")
                    % {"kind": kind, "minutes": row.minutes[:200]},
                )
            )
    return events


def _side_events(deal: Deal) -> list[dict[str, object]]:
    events = []
    events.extend(_activity_events(deal))
    for row in DealAchievement.history.filter(deal_id=deal.pk).select_related(
        "history_user", "achievement"
    ):  # type: ignore[attr-defined]
        kind = {"+": "achievement_linked", "-": "achievement_unlinked"}.get(row.history_type)
        if kind:
            events.append(
                _event(row.history_date, row.history_user, kind, comment=row.achievement.title)
            )
    for pause in deal.pauses.select_related("started_by", "ended_by"):
        events.append(_event(pause.started_at, pause.started_by, "paused", comment=pause.reason))
        if pause.ended_at:
            events.append(_event(pause.ended_at, pause.ended_by, "resumed", comment=""))
    broker_rows = DealBroker.history.filter(deal_id=deal.pk).select_related("history_user", "user")  # type: ignore[attr-defined]
    for row in broker_rows:
        change = {
            "+": _("%(user)s加入 %(share)s%%"),
            "~": _("%(user)s调整为 %(share)s%%"),
            "-": _("%(user)s移出"),
        }[row.history_type] % {"user": row.user, "share": row.share}
        if row.history_change_reason:
            change = _("%(change)s（%(reason)s）") % {
                "change": change,
                "reason": stored_text(row.history_change_reason),
            }
        events.append(_event(row.history_date, row.history_user, "brokers_changed", comment=change))
    return events


def deal_history(deal: Deal) -> list[dict[str, object]]:
    """Every request, decision, move and edit of the deal, oldest first, each with actor and reason."""
    from deals.extensions import history_sources

    events = _deal_row_events(deal) + _request_events(deal) + _side_events(deal)
    for source in history_sources():
        events.extend(source(deal))
    events.sort(key=lambda e: (e["at"], _EVENT_ORDER.get(str(e["event"]), 5)))
    return events


# --- decisions the broker has not seen yet ---------------------------------------------------------


def unseen_decisions(user: User, deal_ids: Iterable[int]) -> dict[int, list[Any]]:
    """{deal_id: [(notification, request), …]} for the decisions on this person's requests that
    they have not seen yet (their "request decided" notification is unread), newest first. The
    board marks such a card and the deal page shows a banner until the person has seen it."""
    notes = unread_for_deals(user=user, kind=kinds.REQUEST_DECIDED, deal_ids=deal_ids)
    request_ids = {n.pk: request_id_of(n.key) for n in notes}
    requests = TransitionRequest.objects.select_related("decided_by").in_bulk(
        [i for i in request_ids.values() if i is not None]
    )
    out: dict[int, list[Any]] = {}
    for note in notes:
        found = requests.get(request_ids[note.pk] or 0)
        if found is not None and note.deal_id is not None:
            out.setdefault(note.deal_id, []).append((note, found))
    return out
