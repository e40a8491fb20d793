"""Writes of the follow-up: keyword-only, an acting user and a reason on every history row.

Each write locks the deal's row first (the same order everywhere), so two people recording the
same milestone at once serialise and the second sees the first's values (and must give a reason
to change them)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from brokers.models import User
from common.history import stamp
from contracts.models import Contract
from contracts.selectors import contract_for_deal
from deals.models import Deal, DealState
from followup import permissions, rules
from followup.exceptions import MilestonesIncomplete, NotRegistered
from followup.models import Milestone, MilestoneKind, Outcome, OutcomeResult, Visit
from followup.registration import overdue_registrations
from notifications.models import Notification
from notifications.services import (
    Note,
    Recipients,
    existing_keys,
    notifications_resolve,
    notify_many,
    supervisors_of,
)

# A field the caller did not send stays as it is (the API's partial writes).
UNSET: object = object()


def _lock_registered_deal(deal: Deal, actor: User) -> tuple[Deal, Contract | None]:
    permissions.may_write_follow_up.require(actor, deal)
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if locked.state != DealState.REGISTERED:
        raise NotRegistered(
            _("项目登记完成（进入“登记/交易完成”）后才能记录实施跟踪；当前阶段：%(state)s。")
            % {"state": DealState(locked.state).label}
        )
    return locked, contract_for_deal(locked.pk)


def milestone_record(
    *,
    deal: Deal,
    actor: User,
    kind: str,
    planned_on: dt.date | object | None = UNSET,
    actual_on: dt.date | object | None = UNSET,
    note: str | object = UNSET,
    reason: str = "",
) -> Milestone:
    """Set a milestone's planned date, actual date and note (None clears a date). Changing or
    clearing a date already recorded needs a reason."""
    with transaction.atomic():
        deal, contract = _lock_registered_deal(deal, actor)
        rules.check_kind(kind)
        existing = {m.kind: m for m in Milestone.objects.filter(deal=deal)}
        milestone = existing.get(kind) or Milestone(deal=deal, kind=kind)
        new_planned = milestone.planned_on if planned_on is UNSET else planned_on
        new_actual = milestone.actual_on if actual_on is UNSET else actual_on
        new_note = milestone.note if note is UNSET else str(note)
        rules.check_milestone(
            kind=kind,
            planned_on=new_planned,  # type: ignore[arg-type]
            actual_on=new_actual,  # type: ignore[arg-type]
            signed_on=contract.signed_on if contract else None,
            today=timezone.localdate(),
            actual_by_kind={k: m.actual_on for k, m in existing.items()},
        )
        rules.not_empty(
            recorded=milestone.pk is not None,
            planned_on=new_planned,
            actual_on=new_actual,
            note=new_note,
        )
        rewritten = [
            what
            for what, old, new in (
                (_("计划日期"), milestone.planned_on, new_planned),
                (_("实际日期"), milestone.actual_on, new_actual),
            )
            if old is not None and old != new
        ]
        if rewritten:
            rules.require_reason(reason, _("、").join(rewritten))
        if milestone.pk and (new_planned, new_actual, new_note) == (
            milestone.planned_on,
            milestone.actual_on,
            milestone.note,
        ):
            return milestone  # nothing changed: no history row
        milestone.planned_on = new_planned  # type: ignore[assignment]
        milestone.actual_on = new_actual  # type: ignore[assignment]
        milestone.note = new_note
        milestone.updated_by = actor
        # Stored untranslated and shown in the reader's language (common.language.stored_text);
        # the milestone's kind is in the history line's summary already.
        stamp(milestone, actor, reason.strip() or gettext_noop("记录里程碑"))
        milestone.save()
        return milestone


def visit_log(
    *, deal: Deal, actor: User, visited_on: dt.date, visitors: str, notes: str, reason: str = ""
) -> Visit:
    with transaction.atomic():
        deal, contract = _lock_registered_deal(deal, actor)
        rules.check_visit(
            visited_on=visited_on,
            visitors=visitors,
            notes=notes,
            signed_on=contract.signed_on if contract else None,
            today=timezone.localdate(),
        )
        visit = Visit(
            deal=deal,
            visited_on=visited_on,
            visitors=visitors.strip(),
            notes=notes.strip(),
            created_by=actor,
        )
        stamp(visit, actor, reason.strip() or gettext_noop("记录回访"))
        visit.save()
        return visit


def outcome_record(
    *,
    deal: Deal,
    actor: User,
    result: str,
    reason: str = "",
    decided_on: dt.date | None = None,
) -> Outcome:
    """Record how the implementation ended (or change it: the reason is required then too).
    Completed needs the in-production milestone's actual date."""
    with transaction.atomic():
        deal, contract = _lock_registered_deal(deal, actor)
        today = timezone.localdate()
        decided_on = decided_on or today
        rules.check_outcome(
            result=result,
            reason=reason,
            decided_on=decided_on,
            signed_on=contract.signed_on if contract else None,
            today=today,
        )
        outcome = Outcome.objects.filter(deal=deal).first()
        if outcome is not None:
            rules.require_reason(reason, _("实施结果"))
        if (
            result == OutcomeResult.COMPLETED
            and not Milestone.objects.filter(
                deal=deal, kind=MilestoneKind.IN_PRODUCTION, actual_on__isnull=False
            ).exists()
        ):
            raise MilestonesIncomplete(
                _("实施完成需要先记录“投产”里程碑的实际日期；尚未投产请选择“部分实施”并说明原因。")
            )
        outcome = outcome or Outcome(deal=deal)
        outcome.result = result
        outcome.reason = reason.strip()
        outcome.decided_on = decided_on
        outcome.updated_by = actor
        default = _("实施结果：%(result)s") % {"result": OutcomeResult(result).label}
        stamp(outcome, actor, reason.strip() or default)
        outcome.save()
        return outcome


# --- the registration deadline: announce what is overdue, once per contract --------------------

REGISTRATION_OVERDUE = "registration_overdue"
_KEY_PREFIX = f"{REGISTRATION_OVERDUE}:"


def registration_overdue_key(contract_id: int) -> str:
    return f"{_KEY_PREFIX}{contract_id}"


def registrations_sweep_overdue(*, today: dt.date | None = None) -> int:
    """Tell the lead broker and the organisation's supervisors about each signed contract past
    its registration deadline, once per contract (whoever was told, nobody is told twice; run it
    any time), and mark as resolved the announcements whose contract has been registered since
    (or replaced, or its deal closed). Returns how many contracts were announced."""
    overdue = overdue_registrations(today)
    keys = {registration_overdue_key(d.contract_id): d for d in overdue}
    announced = existing_keys(keys)
    fresh = [d for key, d in keys.items() if key not in announced]
    deals = Deal.objects.in_bulk([d.deal_id for d in fresh])
    items: list[tuple[Recipients, Note]] = []
    supervisors: dict[int | None, list[int]] = {}
    for found in fresh:
        deal = deals[found.deal_id]
        if deal.organisation_id not in supervisors:  # one query per organisation, not per deal
            supervisors[deal.organisation_id] = list(
                supervisors_of(deal.organisation_id).values_list("id", flat=True)
            )
        text = _(
            "“%(title)s”的合同已超过登记期限（%(due)s 到期，签订于 %(signed)s），请尽快办理技术合同认定登记。"
        ) % {
            "title": deal.title,
            "due": found.due_on,
            "signed": found.signed_on,
        }
        recipients = [deal.lead_broker_id, *supervisors[deal.organisation_id]]
        items.append(
            (
                recipients,
                Note(
                    kind=REGISTRATION_OVERDUE,
                    text=text,
                    key=registration_overdue_key(found.contract_id),
                    deal_id=deal.pk,
                    url=reverse("deal-detail", args=[deal.pk]),
                ),
            )
        )
    notify_many(items)
    still_overdue = set(keys)
    waiting = (
        Notification.objects.filter(key__startswith=_KEY_PREFIX, resolved_at__isnull=True)
        .values_list("key", flat=True)
        .distinct()
    )
    notifications_resolve(keys=[k for k in waiting if k not in still_overdue])
    return len(items)
