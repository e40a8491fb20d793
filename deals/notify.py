"""What the deal pipeline tells people (through the notifications app below it).

- a request waiting for a decision → the supervisors of the deal's organisation;
- a decision on a request → the broker who asked;
- an overdue stage or a request unanswered for 48 working hours (escalations) → the supervisors;
  resolved when the deal moves or the request is decided;
- a stage at 80% of its budget → the deal's brokers, once per deal and stage visit;
- a planned talk or meeting, the day before → the deal's brokers, once per activity.
Each is keyed, so a repeated event or a re-run sweep announces nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from brokers.models import Role, User
from common import workdays
from common.language import written_in_chinese
from deals import budgets
from deals.models import (
    ACTIVE_STATES,
    Activity,
    ActivityKind,
    ActivityStatus,
    Deal,
    DealBroker,
    DealState,
    Escalation,
    EscalationKind,
    RequestStatus,
    TransitionRequest,
)
from notifications import kinds
from notifications.services import (
    Note,
    Recipients,
    existing_keys,
    notifications_resolve,
    notify,
    notify_many,
    supervisors_of,
)

WARN_SHARE = 0.8  # of the stage budget


def _deal_url(deal_id: int) -> str:
    return reverse("deal-detail", args=[deal_id])


def _deal_url_maker() -> Callable[[int], str]:
    """The deal page's path for many deals with one reverse() (a sweep announces 10^4: a
    reverse() each costs half a second)."""
    sample = reverse("deal-detail", args=[1234567890])
    head, _sep, tail = sample.partition("1234567890")
    return lambda deal_id: f"{head}{deal_id}{tail}"


def decided_key(request_id: int) -> str:
    """The key of a "request decided" notification (one per request and requester)."""
    return f"request-{request_id}-decided"


def request_id_of(key: str) -> int | None:
    """`decided_key`'s request id back, None for any other key."""
    head, _sep, rest = key.partition("-")
    number, _sep, tail = rest.partition("-")
    return int(number) if head == "request" and tail == "decided" and number.isdigit() else None


@written_in_chinese
def request_saved(sender: Any, instance: TransitionRequest, created: bool, **kwargs: Any) -> None:
    deal = instance.deal
    target = DealState(instance.target).label
    if created and instance.status == RequestStatus.PENDING:
        requester = instance.requested_by_id
        notify(
            recipients=lambda: supervisors_of(deal.organisation_id).exclude(pk=requester),
            kind=kinds.REQUEST_WAITING,
            text=_("“%(deal)s”申请变更到“%(target)s”，等待您审批。")
            % {"deal": deal.title, "target": target},
            key=f"request-{instance.pk}-waiting",
            deal_id=deal.pk,
            url=_deal_url(deal.pk),
        )
        return
    if instance.status == RequestStatus.PENDING:
        return
    if instance.status in (RequestStatus.APPROVED, RequestStatus.REJECTED):
        verdict = _("已批准") if instance.status == RequestStatus.APPROVED else _("已驳回")
        text = _("您对“%(deal)s”变更到“%(target)s”的申请%(verdict)s。") % {
            "deal": deal.title,
            "target": target,
            "verdict": verdict,
        }
        if instance.decision_comment:
            text += _("意见：%(comment)s") % {"comment": instance.decision_comment}
        notify(
            recipients=[instance.requested_by_id],
            kind=kinds.REQUEST_DECIDED,
            text=text,
            key=decided_key(instance.pk),
            deal_id=deal.pk,
            url=_deal_url(deal.pk),
        )
    _resolve(
        Escalation.objects.filter(
            deal_id=deal.pk,
            kind=EscalationKind.REQUEST_UNANSWERED,
            key=f"request-{instance.pk}",
        ),
        extra_keys=[f"request-{instance.pk}-waiting"],
    )


def deal_moved(deal: Deal) -> None:
    """The deal left its stage: its overdue escalations no longer wait."""
    if deal.pk:
        _resolve(Escalation.objects.filter(deal_id=deal.pk, kind=EscalationKind.STAGE_OVERDUE))


def _resolve(escalations: Any, extra_keys: Iterable[str] = ()) -> None:
    open_ones = list(escalations.filter(resolved_at__isnull=True).values_list("pk", flat=True))
    if open_ones:
        Escalation.objects.filter(pk__in=open_ones).update(resolved_at=timezone.now())
    keys = [f"escalation-{pk}" for pk in open_ones] + list(extra_keys)
    if keys:
        notifications_resolve(keys=keys)


def _supervisors_by_org(org_ids: Iterable[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    rows = User.objects.filter(
        organisation_id__in=set(org_ids), role=Role.SUPERVISOR, is_active=True
    ).values_list("organisation_id", "pk")
    for org_id, user_id in rows:
        found[org_id].append(user_id)
    return found


@written_in_chinese
def escalations_announce(escalations: list[Escalation]) -> None:
    """New escalations become notifications of the organisation's supervisors."""
    if not escalations:
        return
    orgs = dict(
        Deal.objects.filter(pk__in={e.deal_id for e in escalations}).values_list(
            "pk", "organisation_id"
        )
    )
    supervisors = _supervisors_by_org(orgs.values())
    kind_of = {
        EscalationKind.STAGE_OVERDUE: kinds.DEAL_OVERDUE,
        EscalationKind.REQUEST_UNANSWERED: kinds.REQUEST_UNANSWERED,
    }
    deal_url = _deal_url_maker()
    items: list[tuple[Recipients, Note]] = [
        (
            supervisors.get(orgs.get(e.deal_id, 0), []),
            Note(
                kind=kind_of[EscalationKind(e.kind)],
                text=e.message,
                key=f"escalation-{e.pk}",
                deal_id=e.deal_id,
                url=deal_url(e.deal_id),
            ),
        )
        for e in escalations
    ]
    notify_many(items)


@written_in_chinese
def budget_warnings(now: dt.datetime) -> int:
    """Deals whose running stage has used 80% of its budget: tell their brokers, once."""
    candidates = list(
        Deal.objects.filter(
            state__in=ACTIVE_STATES, paused_at__isnull=True, due_at__isnull=False
        ).values_list("pk", "title", "state", "state_entered_at", "due_at")
    )
    due_now = []
    for pk, title, state, entered, due in candidates:
        budget = budgets.stage_budget_seconds(state)
        if not budget:
            continue
        left = workdays.working_seconds(now, due) if due > now else 0.0
        if left <= (1 - WARN_SHARE) * budget:
            due_now.append((pk, title, state, entered, due))
    keys = {
        pk: f"budget80-{pk}-{state}@{entered.isoformat()}" for pk, _t, state, entered, _d in due_now
    }
    done = existing_keys(keys.values())
    due_now = [row for row in due_now if keys[row[0]] not in done]
    if not due_now:
        return 0
    brokers: dict[int, list[int]] = defaultdict(list)
    for deal_id, user_id in DealBroker.objects.filter(
        Q(deal_id__in=[row[0] for row in due_now])
    ).values_list("deal_id", "user_id"):
        brokers[deal_id].append(user_id)
    deal_url = _deal_url_maker()
    text = _("“%(deal)s”的“%(state)s”阶段已用去 80%% 的时限，期限 %(due)s。")
    labels = {state.value: str(state.label) for state in DealState}
    tz = timezone.get_current_timezone()
    items: list[tuple[Recipients, Note]] = [
        (
            brokers[pk],
            Note(
                kind=kinds.BUDGET_80,
                text=text
                % {
                    "deal": title,
                    "state": labels[state],
                    "due": due.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                },
                key=keys[pk],
                deal_id=pk,
                url=deal_url(pk),
            ),
        )
        for pk, title, state, _entered, due in due_now
    ]
    notify_many(items)
    return len(items)


DOUBLE_BROKERING = "double_brokering"


@written_in_chinese
def conflicts_announce(conflicts: Iterable[Any]) -> None:
    """A new double-brokering warning → the supervisors of both deals' organisations, after
    commit, once per warning and side. Each side is told the other deal's title and
    organisation name only (what the warning shows them)."""
    items: list[tuple[Recipients, Note]] = []
    for conflict in conflicts:
        pair = list(
            Deal.objects.filter(pk__in=[conflict.deal_a_id, conflict.deal_b_id]).select_related(
                "organisation"
            )
        )
        for deal in pair:
            other = next(d for d in pair if d.pk != deal.pk)
            items.append(
                (
                    supervisors_of(deal.organisation_id),
                    Note(
                        kind=DOUBLE_BROKERING,
                        text=_(
                            "“%(deal)s”可能与%(org)s的项目“%(other)s”重复撮合（%(kind)s），请协调分成。"
                        )
                        % {
                            "deal": deal.title,
                            "org": other.organisation.name,
                            "other": other.title,
                            "kind": conflict.get_kind_display(),
                        },
                        key=f"conflict-{conflict.pk}-{deal.pk}",
                        deal_id=deal.pk,
                        url=_deal_url(deal.pk) + "#conflicts",
                    ),
                )
            )
    if items:
        notify_many(items)


def meeting_key(activity_id: int) -> str:
    """The key of a planned activity's day-before notification (once per activity and broker)."""
    return f"meeting-{activity_id}-tomorrow"


def meetings_announce(now: dt.datetime) -> int:
    """Planned talks and meetings from now until the end of tomorrow (Asia/Shanghai) → the
    deal's brokers, once per activity: sent on the day before the activity's date (from 00:00),
    or at once for one planned later than that."""
    today = timezone.localtime(now).date()
    tz = timezone.get_current_timezone()
    day_after = dt.datetime.combine(today + dt.timedelta(days=2), dt.time.min, tzinfo=tz)
    rows = list(
        Activity.objects.filter(
            status=ActivityStatus.PLANNED, occurred_at__gt=now, occurred_at__lt=day_after
        ).values_list("pk", "deal_id", "deal__title", "kind", "occurred_at", "location")
    )
    done = existing_keys(meeting_key(row[0]) for row in rows)
    rows = [row for row in rows if meeting_key(row[0]) not in done]
    if not rows:
        return 0
    brokers: dict[int, list[int]] = defaultdict(list)
    for deal_id, user_id in DealBroker.objects.filter(
        deal_id__in={row[1] for row in rows}
    ).values_list("deal_id", "user_id"):
        brokers[deal_id].append(user_id)
    kind_labels = {kind.value: str(kind.label) for kind in ActivityKind}
    text = _("%(day)s %(time)s %(kind)s：“%(deal)s”，地点：%(place)s。")
    deal_url = _deal_url_maker()
    items: list[tuple[Recipients, Note]] = []
    for pk, deal_id, title, kind, at, place in rows:
        local = timezone.localtime(at)
        day = _("今天") if local.date() == today else _("明天")
        items.append(
            (
                brokers[deal_id],
                Note(
                    kind=kinds.MEETING_TOMORROW,
                    text=text
                    % {
                        "day": day,
                        "time": local.strftime("%H:%M"),
                        "kind": kind_labels.get(kind, kind),
                        "deal": title,
                        "place": place or "—",
                    },
                    key=meeting_key(pk),
                    deal_id=deal_id,
                    url=deal_url(deal_id) + "#activities",
                ),
            )
        )
    notify_many(items)
    return len(items)
