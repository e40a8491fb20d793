"""Writes of the deal pipeline. Each is one action with an acting user and a recorded reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_fsm import ConcurrentTransition

from brokers.models import User
from brokers.regions import region_get
from common import workdays
from common.exceptions import (
    AlreadyDecided,
    ConcurrentUpdate,
    ConditionsUnmet,
    Conflict,
    DomainError,
    RequestPending,
    TransitionNotAllowed,
    ValidationFailed,
)
from common.history import stamp as _stamp
from deals import budgets, permissions, selectors
from deals import notify as deal_notify
from deals.assignment.detect import conflicts_detect, conflicts_detect_for_demand
from deals.budgets import request_is_unanswered, stage_due_at
from deals.conditions import record_verdicts
from deals.extensions import deal_lock_reasons
from deals.lost_reasons import OTHER as LOST_OTHER
from deals.lost_reasons import lost_reason_choices, lost_reason_known, lost_reason_label
from deals.models import (
    ACTIVE_STATES,
    TERMINAL_STATES,
    Achievement,
    Activity,
    ActivityKind,
    ActivityStatus,
    Deal,
    DealAchievement,
    DealBroker,
    DealState,
    Demand,
    Escalation,
    EscalationKind,
    RequestStatus,
    StagePause,
    TransitionRequest,
    days_between,
    overdue_q,
)
from deals.signals import deal_state_changed
from records.services import enterprise_find_or_create, institution_find_or_create

HUNDRED = Decimal("100.00")


# --- helpers ---------------------------------------------------------------------------------


def transition_for(deal: Deal, target: str) -> Any | None:
    """The declared transition from the deal's current state to `target`, or None."""
    for t in deal.get_all_state_transitions():  # type: ignore[attr-defined]
        if t.source == deal.state and t.target == target and t.custom.get("kind") != "system":
            return t
    return None


def transition_blockers(deal: Deal, transition: Any, *, for_move: bool = False) -> list[str]:
    """What still stands in the way of `transition`, each condition evaluated once.

    `for_move`: the transition is called right after (the deal row locked): its guard reuses
    these verdicts instead of evaluating the conditions again.
    """
    blockers: list[str] = []
    verdicts: dict[str, bool] = {}
    for condition in transition.conditions:
        name = str(getattr(condition, "__name__", condition))
        explain: Callable[[Deal], list[str]] | None = getattr(condition, "blockers", None)
        found = list(explain(deal)) if explain is not None else ([] if condition(deal) else [name])
        verdicts[name] = not found
        blockers.extend(found)
    if for_move and not blockers:
        record_verdicts(deal, verdicts)
    return blockers


def transition_options(*, deal: Deal, user: User) -> list[dict[str, Any]]:
    """Every move declared from the deal's state, with whether this user may request it now and why not."""
    may_request = permissions.may_request_move(user, deal)
    pending = deal.transition_requests.filter(status=RequestStatus.PENDING).exists()
    options = []
    for t in deal.get_all_state_transitions():  # type: ignore[attr-defined]
        if t.source != deal.state or t.custom.get("kind") == "system":
            continue
        blockers = transition_blockers(deal, t) if t.custom.get("kind") == "forward" else []
        if not may_request:
            blockers.insert(0, str(permissions.may_request_move.denied))
        if pending:
            blockers.insert(0, _("已有一条待审批的申请，请等待主管处理。"))
        options.append(
            {
                "target": t.target,
                "label": str(t.custom.get("label", t.target)),
                "kind": t.custom.get("kind", "forward"),
                # A lost move needs words only when its reason is `other`.
                "comment_required": t.custom.get("kind") == "back",
                "lost_reason_required": t.custom.get("kind") == "lost",
                "allowed": not blockers,
                "blockers": blockers,
            }
        )
    return options


def _require_caseload_room(user: User) -> None:
    """A broker takes no new deal beyond the caseload limit of their profile (closed deals don't count)."""
    profile = getattr(user, "broker_profile", None)
    if profile is None:
        return
    active = DealBroker.objects.filter(user=user, deal__state__in=ACTIVE_STATES).count()
    if active >= profile.caseload_limit:
        raise Conflict(
            _(
                "%(name)s 已有 %(active)s 个在办项目（上限 %(limit)s）：请先结案或调整分工，"
                "或请管理员提高其在办上限。"
            )
            % {"name": user, "active": active, "limit": profile.caseload_limit},
            code="caseload_full",
        )


def _lock_deal(deal_id: int) -> Deal:
    return Deal.objects.select_for_update().get(pk=deal_id)


# --- needs and achievements ---------------------------------------------------------------------


def _known_region(code: str) -> str:
    return code if code and region_get(code) else ""


def _link_enterprise(demand: Demand, actor: User | None) -> None:
    """The need points to its enterprise's record: found by name, created the first time."""
    demand.enterprise_record = enterprise_find_or_create(
        actor=actor, name=demand.enterprise, region=_known_region(demand.region)
    )


def _link_owner(achievement: Achievement, actor: User | None) -> None:
    achievement.owner_record = (
        institution_find_or_create(
            actor=actor, name=achievement.owner, region=_known_region(achievement.region)
        )
        if achievement.owner.strip()
        else None
    )


@transaction.atomic
def demand_create(
    *, actor: User | None, reason: str = gettext_noop("新建需求"), **fields: Any
) -> Demand:
    """`actor` None: the public submission form and imports."""
    if actor is not None:
        permissions.may_write_catalogue.require(actor)
    demand = Demand(created_by=actor if actor and actor.pk else None, **fields)
    demand.full_clean()
    if demand.enterprise_record_id is None:  # a caller that found the record already passes it
        _link_enterprise(demand, actor)
    _stamp(demand, actor, reason)
    demand.save()
    return demand


@transaction.atomic
def demand_update(
    *, demand: Demand, actor: User, reason: str = gettext_noop("修改需求"), **fields: Any
) -> Demand:
    permissions.may_edit_catalogue_record.require(actor, demand)
    changed = {k: v for k, v in fields.items() if getattr(demand, k) != v}
    if not changed:
        return demand  # no-op saves would write empty history rows
    if "region" in changed:
        demand_assert_region_editable(demand)
    for key, value in changed.items():
        setattr(demand, key, value)
    demand.full_clean()
    if "enterprise" in changed:
        _link_enterprise(demand, actor)
    _stamp(demand, actor, reason)
    demand.save()
    if changed.keys() & {"title", "description", "enterprise"}:
        conflicts_detect_for_demand(demand)
    return demand


@transaction.atomic
def achievement_create(
    *, actor: User | None, reason: str = gettext_noop("新建成果"), **fields: Any
) -> Achievement:
    if actor is not None:
        permissions.may_write_catalogue.require(actor)
    achievement = Achievement(created_by=actor if actor and actor.pk else None, **fields)
    achievement.full_clean()
    if achievement.owner_record_id is None:
        _link_owner(achievement, actor)
    _stamp(achievement, actor, reason)
    achievement.save()
    return achievement


@transaction.atomic
def achievement_update(
    *, achievement: Achievement, actor: User, reason: str = gettext_noop("修改成果"), **fields: Any
) -> Achievement:
    permissions.may_edit_catalogue_record.require(actor, achievement)
    changed = {k: v for k, v in fields.items() if getattr(achievement, k) != v}
    if not changed:
        return achievement
    for key, value in changed.items():
        setattr(achievement, key, value)
    achievement.full_clean()
    if "owner" in changed:
        _link_owner(achievement, actor)
    _stamp(achievement, actor, reason)
    achievement.save()
    return achievement


# --- deals ------------------------------------------------------------------------------------


@transaction.atomic
def deal_create(
    *, actor: User, demand: Demand, title: str = "", lead_broker: User | None = None
) -> Deal:
    """Open a deal for a need. The creating broker leads with 100%; a supervisor names the lead."""
    permissions.may_create_deal.require(actor)
    if not permissions.may_name_lead(actor):
        if lead_broker is not None and lead_broker.pk != actor.pk:
            permissions.may_name_lead.require(actor)
        lead_broker = actor
    elif lead_broker is None:
        raise ValidationFailed(_("请指定主办经纪人（lead_broker）。"), code="lead_broker_required")
    if not lead_broker.is_broker:
        raise ValidationFailed(_("主办经纪人必须是经纪人角色的用户。"))
    if lead_broker.organisation_id is None:
        raise ValidationFailed(_("主办经纪人尚未归属任何机构，请先由管理员设置。"))
    if not actor.is_admin and lead_broker.organisation_id != actor.organisation_id:
        raise ValidationFailed(_("主办经纪人必须是本机构的经纪人。"))
    _require_caseload_room(lead_broker)
    now = timezone.now()
    deal = Deal(
        title=(title or demand.title)[:200],
        demand=demand,
        organisation_id=lead_broker.organisation_id,
        lead_broker=lead_broker,
        state_entered_at=now,
        due_at=stage_due_at(DealState.INTAKE, now),
    )
    _stamp(deal, actor, gettext_noop("创建项目"))
    deal.save()
    link = DealBroker(deal=deal, user=lead_broker, share=HUNDRED)
    _stamp(link, actor, gettext_noop("主办经纪人"))
    link.save()
    conflicts_detect(deal)
    return deal


def _require_not_frozen(deal: Deal, what: str) -> None:
    """A registered deal, or one whose reward is approved or paid, keeps what the registration
    and the reward rest on (its title in the ledger, its brokers' shares): 409 `deal_frozen`."""
    reasons = deal_lock_reasons(deal.pk)
    if deal.state == DealState.REGISTERED:
        reasons.insert(0, _("项目已登记"))
    if reasons:
        raise Conflict(
            _("%(reasons)s，不能再%(what)s；如确需更正，请先由主管撤销登记。")
            % {"reasons": _("、").join(reasons), "what": what},
            code="deal_frozen",
        )


def demand_assert_region_editable(demand: Demand) -> None:
    """The need's region chose the reward policy: frozen once a deal on it is registered or its
    reward approved or paid (409 `demand_frozen`)."""
    for deal in Deal.objects.filter(demand=demand).only("pk", "state"):
        if deal.state == DealState.REGISTERED or deal_lock_reasons(deal.pk):
            raise Conflict(
                _("该需求的项目“%(title)s”已登记或奖励已核定，地区不能再修改。")
                % {"title": deal.title},
                code="demand_frozen",
            )


@transaction.atomic
def deal_open_matched(
    *,
    actor: User,
    demand: Demand,
    achievement: Achievement,
    lead_broker: User,
    title: str = "",
    reason: str,
) -> Deal:
    """Open a deal whose match a supervisor has already decided (an expert panel's award, say):
    created in `intake`, the achievement linked as its candidate, moved to `matched`, each step in
    the deal's history with the actor and `reason`. No transition request: the decision is the
    supervisor's own, made where the match was judged."""
    permissions.may_open_matched_deal.require(actor)
    deal = deal_create(actor=actor, demand=demand, title=title, lead_broker=lead_broker)
    link = DealAchievement(deal=deal, achievement=achievement, linked_by=actor, note=reason[:500])
    _stamp(link, actor, reason)
    link.save()
    conflicts_detect(deal)
    deal = _lock_deal(deal.pk)
    transition = transition_for(deal, DealState.MATCHED)
    if transition is None:
        raise RuntimeError("invariant: transition is not None (intake → matched is declared)")
    blockers = transition_blockers(deal, transition, for_move=True)
    if blockers:
        raise ConditionsUnmet(_("还不能进入成果匹配阶段。"), blockers=blockers)
    deal.match()
    now = timezone.now()
    deal.state_entered_at = now
    deal.due_at = stage_due_at(deal.state, now)
    _stamp(deal, actor, reason)
    deal.save()
    deal_id, actor_id = deal.pk, actor.pk

    def announce() -> None:
        deal_state_changed.send(
            sender=Deal,
            deal_id=deal_id,
            from_state=DealState.INTAKE,
            to_state=DealState.MATCHED,
            actor_id=actor_id,
            reason=reason,
        )

    transaction.on_commit(announce)
    return deal


@transaction.atomic
def deal_link_achievement(
    *, deal: Deal, achievement: Achievement, actor: User, note: str = ""
) -> DealAchievement:
    permissions.may_link_achievement.require(actor, deal)
    if deal.state in TERMINAL_STATES:
        raise TransitionNotAllowed(_("项目已结束，不能再关联成果。"))
    if DealAchievement.objects.filter(deal=deal, achievement=achievement).exists():
        raise ValidationFailed(_("该成果已关联到本项目。"), code="already_linked")
    link = DealAchievement(deal=deal, achievement=achievement, linked_by=actor, note=note)
    _stamp(link, actor, gettext_noop("关联候选成果"))
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError as exc:
        raise ValidationFailed(_("该成果已关联到本项目。"), code="already_linked") from exc
    conflicts_detect(deal)
    return link


def _parse_share(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(_('分成比例应为数字，例如 "60.00"。')) from exc
    if not value.is_finite() or value < 0 or value > 100:
        raise ValidationFailed(_("每位经纪人的分成比例应在 0 到 100 之间。"))
    if value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(_("分成比例最多两位小数。"))
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def deal_set_brokers(
    *,
    deal: Deal,
    actor: User,
    shares: Iterable[tuple[User, Any]],
    reason: str = gettext_noop("调整经纪人分成"),
) -> list[DealBroker]:
    """Replace the deal's brokers and shares. Shares sum to exactly 100; the lead stays on."""
    deal = _lock_deal(deal.pk)
    permissions.may_set_brokers.require(actor, deal)
    _require_not_frozen(deal, _("修改经纪人及分成"))
    if deal.state in TERMINAL_STATES:
        raise TransitionNotAllowed(_("项目已结束，分成不能再修改。"))
    shares_list = list(shares)
    wanted: dict[int, Decimal] = {}
    for user, raw_share in shares_list:
        if user.pk in wanted:
            raise ValidationFailed(_("同一位经纪人出现了两次。"))
        if not user.is_broker:
            raise ValidationFailed(_("%(name)s 不是经纪人，不能参与分成。") % {"name": user})
        if user.organisation_id != deal.organisation_id:
            raise ValidationFailed(_("%(name)s 不属于本项目的机构。") % {"name": user})
        wanted[user.pk] = _parse_share(raw_share)
    if not wanted:
        raise ValidationFailed(_("至少需要一位经纪人。"))
    total = sum(wanted.values(), Decimal(0))
    if total != HUNDRED:
        raise ValidationFailed(
            _("分成比例合计应为 100，现在是 %(total)s。") % {"total": total}, code="shares_not_100"
        )
    if deal.lead_broker_id not in wanted:
        raise ValidationFailed(_("主办经纪人必须在名单中。"))
    existing = {link.user_id: link for link in deal.broker_links.all()}
    for user, _share in shares_list:
        if user.pk not in existing:
            _require_caseload_room(user)
    for user_id, link in existing.items():
        if user_id not in wanted:
            _stamp(link, actor, reason)
            link.delete()
    result = []
    for user_id, share in wanted.items():
        link = existing.get(user_id) or DealBroker(deal=deal, user_id=user_id)
        if link.pk is None or link.share != share:
            link.share = share
            _stamp(link, actor, reason)
            link.save()
        result.append(link)
    return result


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and the field it concerns: the service refuses the first,
    the page's form shows them all at once, each at its field."""

    field: str
    error: ValidationFailed


def activity_problems(
    *, kind: str, occurred_at: dt.datetime | None, location: str
) -> list[Problem]:
    """What is wrong with an activity's kind, time and place (`None`: a time not given)."""
    problems = []
    if kind not in ActivityKind.values:
        problems.append(
            Problem(
                "kind",
                ValidationFailed(
                    _("类型应为 online_talk（线上洽谈）或 offline_meeting（线下对接）。")
                ),
            )
        )
    elif kind == ActivityKind.OFFLINE_MEETING and not location.strip():
        problems.append(
            Problem(
                "location", ValidationFailed(_("线下对接请填写地点。"), code="location_required")
            )
        )
    if occurred_at is not None and occurred_at > timezone.now() + dt.timedelta(days=1):
        problems.append(
            Problem(
                "occurred_at",
                ValidationFailed(
                    _(
                        "洽谈时间不能在将来；请在活动发生后记录。"
                        "将来的洽谈或对接请用“安排”，举行后再标记“已举行”。"
                    ),
                    code="occurred_in_future",
                ),
            )
        )
    return problems


@transaction.atomic
def activity_log(
    *,
    deal: Deal,
    actor: User,
    kind: str,
    occurred_at: dt.datetime,
    participants: str,
    minutes: str,
    location: str = "",
) -> Activity:
    permissions.may_log_activity.require(actor, deal)
    for problem in activity_problems(kind=kind, occurred_at=occurred_at, location=location):
        raise problem.error
    if not participants.strip():
        raise ValidationFailed(_("请填写参与人员。"), code="participants_required")
    if not minutes.strip():
        raise ValidationFailed(_("请填写纪要：谈了什么、约定了什么。"), code="minutes_required")
    activity = Activity(
        deal=deal,
        kind=kind,
        status=ActivityStatus.HELD,
        occurred_at=occurred_at,
        participants=participants,
        minutes=minutes,
        location=location,
        created_by=actor,
    )
    _stamp(activity, actor, gettext_noop("记录活动"))
    activity.save()
    return activity


# --- meetings ahead: planned, held, cancelled ------------------------------------------------


def activity_plan_problems(
    *, kind: str, occurred_at: dt.datetime | None, location: str
) -> list[Problem]:
    """What is wrong with a plan: a known kind, a time still ahead, a place (the room, or the
    platform of an online talk). The service refuses the first, the page shows them all."""
    problems = []
    if kind not in ActivityKind.values:
        problems.append(
            Problem(
                "kind",
                ValidationFailed(
                    _("类型应为 online_talk（线上洽谈）或 offline_meeting（线下对接）。")
                ),
            )
        )
    if occurred_at is not None and occurred_at <= timezone.now():
        when = timezone.localtime(occurred_at).strftime("%Y-%m-%d %H:%M")
        problems.append(
            Problem(
                "occurred_at",
                ValidationFailed(
                    _(
                        "计划时间 %(when)s 已过：安排只能在将来；"
                        "已经举行的请直接记录（“记录一次已举行的洽谈或对接”）。"
                    )
                    % {"when": when},
                    code="planned_in_past",
                ),
            )
        )
    if not location.strip():
        problems.append(
            Problem(
                "location",
                ValidationFailed(
                    _("请填写地点（线下对接）或平台（线上洽谈，例如腾讯会议）。"),
                    code="location_required",
                ),
            )
        )
    return problems


@transaction.atomic
def activity_plan(
    *,
    deal: Deal,
    actor: User,
    kind: str,
    occurred_at: dt.datetime,
    location: str,
    participants: str = "",
    minutes: str = "",
) -> Activity:
    """A talk or meeting planned ahead: a future time and a place. Participants (who is invited)
    may be given now; minutes wait until it is held."""
    permissions.may_log_activity.require(actor, deal)
    for problem in activity_plan_problems(kind=kind, occurred_at=occurred_at, location=location):
        raise problem.error
    activity = Activity(
        deal=deal,
        kind=kind,
        status=ActivityStatus.PLANNED,
        occurred_at=occurred_at,
        planned_at=occurred_at,
        participants=participants.strip(),
        minutes=minutes.strip(),
        location=location.strip(),
        created_by=actor,
    )
    _stamp(activity, actor, "安排活动")
    activity.save()
    return activity


def _lock_planned(activity_id: int, actor: User, refused: str) -> Activity:
    """The activity's row, locked, still planned (else 409 with `refused` % its status: two
    clicks, two tabs)."""
    activity = Activity.objects.select_for_update().select_related("deal").get(pk=activity_id)
    permissions.may_log_activity.require(actor, activity.deal)
    if activity.status != ActivityStatus.PLANNED:
        raise Conflict(refused % {"status": activity.get_status_display()}, code="not_planned")
    return activity


@transaction.atomic
def activity_mark_held(
    *,
    activity: Activity,
    actor: User,
    held_at: dt.datetime | None = None,
    participants: str = "",
    minutes: str = "",
) -> Activity:
    """The planned activity took place. `held_at` defaults to the planned time when that has
    passed, else to now (held earlier than planned). Minutes are not required here, so that one
    click records it; the stage conditions count it only once it has minutes
    (`activity_record_minutes`)."""
    now = timezone.now()
    if held_at is not None and held_at > now:
        raise ValidationFailed(
            _("举行时间不能在将来；请在活动举行后再标记“已举行”。"), code="held_in_future"
        )
    activity = _lock_planned(activity.pk, actor, _("这次活动%(status)s，不能再标记为已举行。"))
    planned = activity.occurred_at
    activity.status = ActivityStatus.HELD
    activity.occurred_at = held_at or (planned if planned <= now else now)
    if participants.strip():
        activity.participants = participants.strip()
    if minutes.strip():
        activity.minutes = minutes.strip()
    _stamp(activity, actor, "已举行")
    activity.save()
    return activity


@transaction.atomic
def activity_record_minutes(
    *, activity: Activity, actor: User, minutes: str, participants: str = ""
) -> Activity:
    """The minutes (and who took part) of a held activity, written after the one-click "held"."""
    if not minutes.strip():
        raise ValidationFailed(_("请填写纪要：谈了什么、约定了什么。"), code="minutes_required")
    locked = Activity.objects.select_for_update().select_related("deal").get(pk=activity.pk)
    permissions.may_log_activity.require(actor, locked.deal)
    if locked.status != ActivityStatus.HELD:
        raise Conflict(_("只有已举行的活动可以填写纪要；请先标记“已举行”。"), code="not_held")
    locked.minutes = minutes.strip()
    if participants.strip():
        locked.participants = participants.strip()
    if not locked.participants:
        raise ValidationFailed(_("请填写参与人员。"), code="participants_required")
    _stamp(locked, actor, "补充纪要")
    locked.save()
    return locked


@transaction.atomic
def activity_cancel(*, activity: Activity, actor: User, reason: str) -> Activity:
    """A planned activity that will not take place. The row stays (its history says who
    cancelled it and why); it no longer shows as ahead and is never announced."""
    if not reason.strip():
        raise ValidationFailed(_("请说明取消的原因。"), code="reason_required")
    activity = _lock_planned(activity.pk, actor, _("这次活动%(status)s，不能再取消。"))
    activity.status = ActivityStatus.CANCELLED
    _stamp(activity, actor, f"取消：{reason.strip()}")
    activity.save()
    return activity


def activities_sweep_tomorrow(*, now: dt.datetime | None = None) -> int:
    """Periodic (beat): tell the brokers of each deal about its planned talks and meetings on the
    day before, once per activity. "The day before" in Asia/Shanghai: from 00:00 of the day
    before the activity's date until it starts (one planned later than that, for later today or
    tomorrow, is announced at the next run). Returns how many activities were announced."""
    return deal_notify.meetings_announce(now or timezone.now())


# --- the two-step move ------------------------------------------------------------------------


@transaction.atomic
def deal_request_transition(
    *, deal: Deal, actor: User, target: str, comment: str = "", lost_reason_code: str = ""
) -> TransitionRequest:
    """A broker of the deal asks to move it; a supervisor decides (see request_approve)."""
    deal = _lock_deal(deal.pk)
    permissions.may_request_move.require(actor, deal)
    if target not in DealState.values:
        raise ValidationFailed(
            _("未知的目标阶段“%(target)s”。可选：%(states)s。")
            % {"target": str(target)[:40], "states": _("、").join(DealState.values)},
            code="unknown_target",
        )
    transition = transition_for(deal, target)
    if transition is None:
        raise TransitionNotAllowed(
            _("项目当前处于“%(state)s”，不能直接变更到“%(target)s”。")
            % {"state": DealState(deal.state).label, "target": DealState(target).label},
            blockers=[_("可申请的阶段：下一阶段、上一阶段（需说明原因）或终止（需说明原因）。")],
        )
    kind = transition.custom.get("kind")
    comment = (comment or "").strip()
    lost_reason_code = (lost_reason_code or "").strip() if kind == "lost" else ""
    for problem in request_problems(kind=kind, comment=comment, lost_reason_code=lost_reason_code):
        raise problem.error
    if deal.transition_requests.filter(status=RequestStatus.PENDING).exists():
        raise RequestPending(
            _("本项目已有一条待审批的申请，请等待主管处理或撤回后再申请。"),
            blockers=[_("已有待审批的申请。")],
        )
    if kind == "forward":
        blockers = transition_blockers(deal, transition)
        if blockers:
            raise ConditionsUnmet(_("还不能进入下一阶段，请先完成以下事项。"), blockers=blockers)
    request = TransitionRequest(
        deal=deal,
        organisation_id=deal.organisation_id,
        from_state=deal.state,
        target=target,
        comment=comment,
        lost_reason_code=lost_reason_code,
        requested_by=actor,
    )
    _stamp(request, actor, comment or gettext_noop("申请阶段变更"))
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # the partial unique index: a parallel request won
        raise RequestPending(_("本项目已有一条待审批的申请。"), blockers=[]) from exc
    return request


def request_problems(*, kind: str | None, comment: str, lost_reason_code: str) -> list[Problem]:
    """What a move request of this kind (`forward`, `back`, `lost`) lacks in words: going back
    says why; closing as lost names one of the configured reasons, and `other` says it in words."""
    comment = comment.strip()
    if kind == "back" and not comment:
        return [
            Problem(
                "comment",
                ValidationFailed(_("退回项目必须说明原因。"), code="comment_required"),
            )
        ]
    if kind != "lost":
        return []
    code = lost_reason_code.strip()
    if not code:
        return [
            Problem(
                "lost_reason_code",
                ValidationFailed(
                    _("终止项目必须选择终止原因。"),
                    code="lost_reason_required",
                    blockers=[_("可选：%(codes)s。") % {"codes": _lost_reason_list()}],
                ),
            )
        ]
    if not lost_reason_known(code):
        return [
            Problem(
                "lost_reason_code",
                ValidationFailed(
                    _("未知的终止原因“%(code)s”，可选：%(codes)s。")
                    % {"code": code[:40], "codes": _lost_reason_list()},
                    code="unknown_lost_reason",
                ),
            )
        ]
    if code == LOST_OTHER and not comment:
        return [
            Problem(
                "comment",
                ValidationFailed(_("终止原因为“其他”时，必须写明原因。"), code="comment_required"),
            )
        ]
    return []


def _lost_reason_list() -> str:
    return _("、").join(f"{code}（{label}）" for code, label in lost_reason_choices())


def _lock_pending(request_id: int, actor: User) -> TransitionRequest:
    # Lock the request first, then its deal: every writer takes them in this order, so two
    # supervisors deciding at once serialise here and the second sees the first's decision.
    request = (
        TransitionRequest.objects.select_for_update().select_related("deal").get(pk=request_id)
    )
    permissions.may_decide.require(actor, request)
    if request.status != RequestStatus.PENDING:
        raise AlreadyDecided(
            _("该申请已被处理（%(status)s），无需重复审批。")
            % {"status": RequestStatus(request.status).label},
            blockers=[],
        )
    return request


def request_approve(*, request_id: int, actor: User, comment: str = "") -> TransitionRequest:
    """Approve and move the deal, in one transaction; announce the move after commit."""
    try:
        with transaction.atomic():
            request = _lock_pending(request_id, actor)
            deal = _lock_deal(request.deal_id)
            if deal.state != request.from_state:
                raise TransitionNotAllowed(
                    _("项目阶段已变化，该申请已失效；请经纪人重新申请。"), blockers=[]
                )
            transition = transition_for(deal, request.target)
            if transition is None:
                raise TransitionNotAllowed(_("该变更已不被允许。"), blockers=[])
            # The conditions are evaluated once, here, under the deal's row lock; the transition
            # call below reuses the verdicts. Who may decide was settled by _lock_pending.
            blockers = transition_blockers(deal, transition, for_move=True)
            if blockers:
                raise ConditionsUnmet(
                    _("条件已不满足，暂不能批准；请经纪人补齐后重新申请。"), blockers=blockers
                )
            from_state, stage_entered_at = deal.state, deal.state_entered_at
            getattr(deal, transition.name)()
            now = timezone.now()
            deal.state_entered_at = now
            deal.due_at = stage_due_at(deal.state, now)
            if deal.state == DealState.LOST:
                deal.lost_reason_code = request.lost_reason_code
                # The words, or the label when the code says it all: readers of the text (the
                # dashboard's lost-reasons chart) keep a reason for every lost deal.
                deal.lost_reason = request.comment or lost_reason_label(request.lost_reason_code)
            reason = comment or request.comment or str(transition.custom.get("label", ""))
            _stamp(deal, actor, reason)
            deal.save()
            request.status = RequestStatus.APPROVED
            request.decided_by = actor
            request.decided_at = now
            request.days_in_stage = days_between(stage_entered_at, now)
            request.decision_comment = comment
            _stamp(request, actor, comment or gettext_noop("批准"))
            request.save()
            to_state, deal_id = deal.state, deal.pk

            def announce() -> None:
                deal_state_changed.send(
                    sender=Deal,
                    deal_id=deal_id,
                    from_state=from_state,
                    to_state=to_state,
                    actor_id=actor.pk,
                    reason=reason,
                )

            transaction.on_commit(announce)
    except ConcurrentTransition as exc:
        raise ConcurrentUpdate(_("项目刚被别人修改过，请刷新后重试。")) from exc
    return request


BULK_APPROVE_MAX = 100


@dataclass
class BulkApproval:
    """What a bulk approval did: the requests approved and, per refused id, why."""

    approved: list[TransitionRequest] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)


def request_approve_bulk(*, request_ids: list[int], actor: User, comment: str = "") -> BulkApproval:
    """Approve each request on its own, through `request_approve` (four eyes and conditions
    checked, one transaction each): a refusal is reported and does not undo the others.

    A request the actor may not see is reported as not found, exactly like one that does not
    exist, so the answer never reveals another organisation's requests.
    """
    permissions.may_see_queue.require(actor)
    if len(request_ids) > BULK_APPROVE_MAX:
        raise ValidationFailed(
            _("一次最多批准 %(max)s 条申请，请分批提交。") % {"max": BULK_APPROVE_MAX},
            code="too_many",
        )
    ids = list(dict.fromkeys(request_ids))  # a repeated id is approved (or refused) once
    visible = set(
        selectors.requests_visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True)
    )
    result = BulkApproval()
    not_found = _("未找到该申请，或您无权查看。")
    for request_id in ids:
        if request_id not in visible:
            result.failures.append(
                {"id": request_id, "code": "not_found", "message": not_found, "blockers": []}
            )
            continue
        try:
            result.approved.append(
                request_approve(request_id=request_id, actor=actor, comment=comment)
            )
        except TransitionRequest.DoesNotExist:
            result.failures.append(
                {"id": request_id, "code": "not_found", "message": not_found, "blockers": []}
            )
        except DomainError as exc:
            result.failures.append(
                {
                    "id": request_id,
                    "code": exc.code,
                    "message": str(exc.message),
                    "blockers": [str(b) for b in exc.blockers],
                }
            )
    return result


@transaction.atomic
def request_reject(*, request_id: int, actor: User, reason: str) -> TransitionRequest:
    if not (reason or "").strip():
        raise ValidationFailed(_("驳回必须说明理由，方便经纪人改进。"), code="reason_required")
    request = _lock_pending(request_id, actor)
    request.status = RequestStatus.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_comment = reason.strip()
    _stamp(request, actor, reason)
    request.save()
    return request


@transaction.atomic
def request_withdraw(*, request_id: int, actor: User) -> TransitionRequest:
    request = TransitionRequest.objects.select_for_update().get(pk=request_id)
    permissions.may_withdraw.require(actor, request)
    if request.status != RequestStatus.PENDING:
        raise AlreadyDecided(_("该申请已被处理，不能撤回。"), blockers=[])
    request.status = RequestStatus.WITHDRAWN
    request.decided_at = timezone.now()
    _stamp(request, actor, gettext_noop("撤回申请"))
    request.save()
    return request


@transaction.atomic
def deal_rename(*, deal: Deal, actor: User, title: str) -> Deal:
    deal = _lock_deal(deal.pk)
    permissions.may_rename_deal.require(actor, deal)
    title = title.strip()
    if title != deal.title:
        _require_not_frozen(deal, _("修改项目名称"))
    if not title:
        raise ValidationFailed(_("项目名称不能为空。"))
    if title != deal.title:
        deal.title = title
        _stamp(deal, actor, gettext_noop("修改项目名称"))
        deal.save()
    return deal


# --- pausing a stage's budget ------------------------------------------------------------------


@transaction.atomic
def deal_pause(*, deal: Deal, actor: User, reason: str) -> StagePause:
    """Stop the stage's clock while the deal waits on an outside party (reason required)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("请说明暂停原因，例如“等待企业内部审批”。"), code="reason_required"
        )
    deal = _lock_deal(deal.pk)
    permissions.may_pause_clock.require(actor, deal)
    if deal.state not in ACTIVE_STATES:
        raise TransitionNotAllowed(_("项目已结束，无需暂停计时。"), code="deal_closed")
    if deal.paused_at is not None:
        raise Conflict(
            _("本阶段已于 %(at)s 暂停计时；如需继续，请先恢复。")
            % {"at": timezone.localtime(deal.paused_at).strftime("%Y-%m-%d %H:%M")},
            code="already_paused",
        )
    now = timezone.now()
    pause = StagePause(
        deal=deal,
        state=deal.state,
        stage_entered_at=deal.state_entered_at,
        started_at=now,
        reason=reason[:500],
        started_by=actor,
    )
    _stamp(pause, actor, reason)
    pause.save()
    deal.paused_at = now
    deal.due_at = None  # the budget does not run while paused; resume sets the new deadline
    _stamp(deal, actor, _("暂停计时：%(reason)s") % {"reason": reason})
    deal.save(update_fields=["paused_at", "due_at", "updated_at"])
    return pause


@transaction.atomic
def deal_resume(*, deal: Deal, actor: User, reason: str = "") -> Deal:
    """Restart the stage's clock; the paused working time is added to the stage's deadline."""
    deal = _lock_deal(deal.pk)
    permissions.may_pause_clock.require(actor, deal)
    if deal.paused_at is None:
        raise Conflict(_("本阶段没有暂停计时，无需恢复。"), code="not_paused")
    now = timezone.now()
    StagePause.objects.filter(deal=deal, ended_at__isnull=True).update(ended_at=now, ended_by=actor)
    pauses = StagePause.objects.filter(deal=deal, stage_entered_at=deal.state_entered_at)
    deal.paused_at = None
    deal.due_at = stage_due_at(
        deal.state, deal.state_entered_at, budgets.paused_seconds(pauses, now)
    )
    _stamp(deal, actor, (reason or "").strip() or _("恢复计时"))
    deal.save(update_fields=["paused_at", "due_at", "updated_at"])
    return deal


def close_pause_on_move(deal: Deal) -> None:
    """A deal that changes stage while paused starts the new stage's clock running."""
    if deal.paused_at is not None:
        StagePause.objects.filter(deal=deal, ended_at__isnull=True).update(ended_at=timezone.now())
        deal.paused_at = None


# --- SLA sweep ---------------------------------------------------------------------------------


def deals_sweep_stalled(*, now: dt.datetime | None = None) -> int:
    """Escalate overdue deals and unanswered requests, once each (idempotent: run it any time).

    Deadlines count working days (deals.budgets). Raises WorkdaysOutOfRange when today is past
    the holiday calendar's data: the package must be upgraded, nothing is guessed.
    Returns how many new escalations were recorded.

    Set-based: one read of the candidates, one of the escalations they already have, one bulk
    insert of the missing ones (ignore_conflicts: a sweep racing this one adds nothing twice,
    the unique (deal, kind, key) decides), one read back of the fresh rows for their ids. An
    escalation that exists, resolved or not, is never made again for the same key, as with the
    get_or_create this replaces (a new stage visit has a new key).
    """
    now = now or timezone.now()
    workdays.is_workday(timezone.localtime(now).date())  # fail loudly past the calendar
    _fill_unknown_deadlines(now)
    wanted: list[Escalation] = []
    overdue = Deal.objects.filter(overdue_q(now)).values_list(
        "id", "state", "state_entered_at", "due_at"
    )
    # Translated and looked up once per sweep, not per deal (10^4 deals: a second otherwise).
    overdue_message = _("“%(state)s”阶段已超期（期限 %(due)s）。")
    labels = {state.value: str(state.label) for state in DealState}
    tz = timezone.get_current_timezone()
    for deal_id, state, entered, due in overdue:
        wanted.append(
            Escalation(
                deal_id=deal_id,
                kind=EscalationKind.STAGE_OVERDUE,
                key=f"{state}@{entered.isoformat()}",
                message=overdue_message
                % {"state": labels[state], "due": due.astimezone(tz).date()},
            )
        )
    # Calendar time is never shorter than working time: only older requests can qualify.
    limit = now - dt.timedelta(hours=settings.REQUEST_ANSWER_BUDGET_HOURS)
    stale = TransitionRequest.objects.filter(status=RequestStatus.PENDING, requested_at__lt=limit)
    unanswered_message = _("阶段变更申请已等待超过 %(hours)s 个工作小时，请主管尽快处理。") % {
        "hours": settings.REQUEST_ANSWER_BUDGET_HOURS
    }
    for request_id, deal_id, requested_at in stale.values_list("id", "deal_id", "requested_at"):
        if request_is_unanswered(requested_at, now):
            wanted.append(
                Escalation(
                    deal_id=deal_id,
                    kind=EscalationKind.REQUEST_UNANSWERED,
                    key=f"request-{request_id}",
                    message=unanswered_message,
                )
            )
    fresh = _escalations_insert_missing(wanted)
    deal_notify.escalations_announce(fresh)
    deal_notify.budget_warnings(now)
    return len(fresh)


def _escalations_insert_missing(wanted: list[Escalation]) -> list[Escalation]:
    """Insert the escalations whose (deal, kind, key) is not recorded yet; return those rows."""
    if not wanted:
        return []
    deal_ids = sorted({e.deal_id for e in wanted})
    kinds_wanted = {e.kind for e in wanted}

    def recorded(ids: list[int]) -> Any:
        return Escalation.objects.filter(deal_id__in=ids, kind__in=kinds_wanted)

    known: set[tuple[int, str, str]] = set()
    for ids in _chunks(deal_ids):
        known.update(recorded(ids).values_list("deal_id", "kind", "key"))
    missing = [e for e in wanted if (e.deal_id, e.kind, e.key) not in known]
    if not missing:
        return []
    Escalation.objects.bulk_create(missing, ignore_conflicts=True, batch_size=500)
    # ignore_conflicts returns no ids: read the new rows back (a racing sweep's rows included,
    # harmless: notifications are once per (user, key)).
    missing_keys = {(e.deal_id, e.kind, e.key) for e in missing}
    fresh: list[Escalation] = []
    for ids in _chunks(sorted({e.deal_id for e in missing})):
        fresh.extend(
            e
            for e in recorded(ids).only("id", "deal_id", "kind", "key", "message")
            if (e.deal_id, e.kind, e.key) in missing_keys
        )
    return fresh


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    """Slices of an id list that stay under SQLite's bound-parameter limit."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _fill_unknown_deadlines(now: dt.datetime) -> None:
    """Deadlines that lay past the holiday calendar become known once the calendar is upgraded."""
    unknown = Deal.objects.filter(
        state__in=ACTIVE_STATES, due_at__isnull=True, paused_at__isnull=True
    ).only("id", "state", "state_entered_at")
    for deal in unknown:
        pauses = StagePause.objects.filter(deal=deal, stage_entered_at=deal.state_entered_at)
        due = stage_due_at(deal.state, deal.state_entered_at, budgets.paused_seconds(pauses, now))
        if due is not None:
            Deal.objects.filter(pk=deal.pk, due_at__isnull=True).update(due_at=due)


def deal_registration_cancelled(*, deal_id: int, actor: User, reason: str) -> Deal:
    """The contract's registration was cancelled: a registered deal goes back to `agreement`
    (a system move, no request), recorded with who cancelled and why. Runs inside the caller's
    transaction (contracts' `registration_cancel`); a deal not registered is left as it is."""
    deal = _lock_deal(deal_id)
    if deal.state != DealState.REGISTERED:
        return deal
    from_state = deal.state
    deal.registration_cancelled()
    now = timezone.now()
    deal.state_entered_at = now
    deal.due_at = stage_due_at(deal.state, now)
    text = f"合同登记已撤销：{reason}"
    _stamp(deal, actor, text)
    deal.save()
    to_state, actor_id = deal.state, actor.pk

    def announce() -> None:
        deal_state_changed.send(
            sender=Deal,
            deal_id=deal_id,
            from_state=from_state,
            to_state=to_state,
            actor_id=actor_id,
            reason=text,
        )

    transaction.on_commit(announce)
    return deal
