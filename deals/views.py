"""Pages of the deal pipeline: the caseload board, the approval queue, the needs pool, the deal
page's own part and its actions. (The public submission forms are the intake app's.)

Views parse input, call deals.services and show what came back; a DomainError becomes a message
on the page it came from, never a 500. Every deal is fetched through deal_get_for_user (404 when
not visible).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from brokers.models import User
from brokers.requests import signed_in
from brokers.selectors import brokers_visible_to
from common.exceptions import DomainError
from common.pages import (
    bind,
    login_required,
    paginate,
    panel_tags,
    pop_stashed_form,
    query_id,
    redirect_back,
    refusal_errors,
    report_domain_error,
    report_invalid_form,
    sortable,
    stash_form,
    stashed_errors,
)
from deals import permissions, services
from deals.assignment.selectors import conflict_view, conflicts_open_visible_to
from deals.assignment.views import deal_assignment_context
from deals.extensions import attach_deal_flags
from deals.forms import (
    ActivityForm,
    DecisionForm,
    LinkAchievementForm,
    PlanForm,
    RejectForm,
    TransitionRequestForm,
)
from deals.lost_reasons import lost_reason_choices, lost_reason_known, lost_reason_label
from deals.matching.selectors import (
    achievement_matches_for_demand,
    demand_matches_for_achievement,
)
from deals.meetings.views import minutes_kept_for
from deals.models import (
    ACTIVE_STATES,
    Achievement,
    Deal,
    DealAchievement,
    DealBroker,
    DealState,
    Demand,
    RequestStatus,
    TransitionRequest,
    overdue_q,
)
from deals.selectors import (
    activities_for_deal,
    deal_get_for_user,
    deal_history,
    deal_list_for_user,
    deals_visible_to,
    requests_visible_to,
    unseen_decisions,
)
from notifications.services import notifications_mark_read

BOARD_STATES = [*ACTIVE_STATES, DealState.REGISTERED]
# A column longer than this is cut; the table view lists everything, paginated.
BOARD_COLUMN_LIMIT = 60
# Registered deals stay on the board for this long, then live in the table view only.
BOARD_REGISTERED_DAYS = 90
OPTION_ORDER = {"forward": 0, "back": 1, "lost": 2}
# The board's table view sorts by these columns (`?sort=due`, `?sort=-due`).
TABLE_SORTS = {
    "title": "title",
    "enterprise": "demand__enterprise",
    "state": "state",
    "entered": "state_entered_at",
    "due": "due_at",
}
MATCH_CANDIDATES = 5
# What each history event code reads as on the page.
HISTORY_LABELS = {
    "created": gettext_lazy("创建项目"),
    "requested": gettext_lazy("申请变更"),
    "approved": gettext_lazy("批准并变更阶段"),
    "rejected": gettext_lazy("驳回"),
    "withdrawn": gettext_lazy("撤回申请"),
    "moved": gettext_lazy("阶段变更"),
    "edited": gettext_lazy("修改"),
    "activity_logged": gettext_lazy("记录洽谈/对接"),
    "activity_planned": gettext_lazy("安排洽谈/对接"),
    "activity_held": gettext_lazy("洽谈/对接已举行"),
    "activity_minutes": gettext_lazy("补充纪要"),
    "activity_cancelled": gettext_lazy("取消洽谈/对接"),
    "achievement_linked": gettext_lazy("关联成果"),
    "achievement_unlinked": gettext_lazy("取消关联成果"),
    "brokers_changed": gettext_lazy("调整经纪人"),
    "paused": gettext_lazy("暂停计时"),
    "resumed": gettext_lazy("恢复计时"),
}


# --- helpers ----------------------------------------------------------------------------------


# --- the caseload board -----------------------------------------------------------------------


def board_deals(user: User) -> QuerySet[Deal]:
    """The visible deals with everything a card shows, in a constant number of queries."""
    return deal_list_for_user(user).prefetch_related("broker_links__user")


@login_required
def board(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    now = timezone.now()
    deals = board_deals(user)
    brokers = None
    broker_id = request.GET.get("broker", "")
    if not user.is_broker:
        brokers = brokers_visible_to(user)
        chosen = query_id(broker_id)
        if chosen is not None:
            deals = deals.filter(broker_links__user_id=chosen)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        deals = deals.filter(Q(title__icontains=query) | Q(demand__enterprise__icontains=query))
    view = "table" if request.GET.get("view") == "table" else "board"
    context: dict[str, Any] = {
        "view": view,
        "query": query,
        "brokers": brokers,
        "broker_id": broker_id,
        "states": DealState.choices,
        "may_open": permissions.may_create_deal(user),
    }
    if view == "table":
        state = request.GET.get("state", "")
        if state in DealState.values:
            deals = deals.filter(state=state)
        if request.GET.get("overdue") == "1":
            deals = deals.filter(overdue_q(now))
        if request.GET.get("pending") == "1":
            deals = deals.filter(transition_requests__status=RequestStatus.PENDING).distinct()
        lost_reason = request.GET.get("lost_reason", "")
        if lost_reason_known(lost_reason):
            deals = deals.filter(lost_reason_code=lost_reason)
        else:
            lost_reason = ""
        deals, headers = sortable(request, deals, TABLE_SORTS, ["due_at", "-id"])
        context["headers"] = headers
        page = paginate(request, deals, 50)
        attach_deal_flags(page.object_list)
        _mark_unseen_decisions(user, list(page.object_list))
        context.update(
            {
                "page": page,
                "state": state,
                "overdue": request.GET.get("overdue"),
                "lost_reason": lost_reason,
                "lost_reasons": lost_reason_choices(),
            }
        )
        return render(request, "deals/board.html", context)

    recent = now - dt.timedelta(days=BOARD_REGISTERED_DAYS)
    shown = deals.filter(
        Q(state__in=ACTIVE_STATES) | Q(state=DealState.REGISTERED, state_entered_at__gte=recent)
    ).order_by("due_at", "-id")
    columns: dict[str, list[Deal]] = {s: [] for s in BOARD_STATES}
    overdue = pending = 0
    for deal in shown:
        overdue += deal.is_overdue  # type: ignore[attr-defined]
        pending += bool(deal.pending_requests)  # type: ignore[attr-defined]
        columns[deal.state].append(deal)
    attach_deal_flags(d for s in BOARD_STATES for d in columns[s][:BOARD_COLUMN_LIMIT])
    _mark_unseen_decisions(user, [d for s in BOARD_STATES for d in columns[s][:BOARD_COLUMN_LIMIT]])
    context.update(
        {
            "columns": [
                {
                    "state": s,
                    "label": DealState(s).label,
                    "deals": columns[s][:BOARD_COLUMN_LIMIT],
                    "count": len(columns[s]),
                    "cut": len(columns[s]) > BOARD_COLUMN_LIMIT,
                }
                for s in BOARD_STATES
            ],
            "active_count": sum(len(columns[s]) for s in ACTIVE_STATES),
            "overdue_count": overdue,
            "pending_count": pending,
            "lost_count": deals.filter(state=DealState.LOST).count(),
            "registered_days": BOARD_REGISTERED_DAYS,
        }
    )
    return render(request, "deals/board.html", context)


# --- the supervisor's approval queue -----------------------------------------------------------


# The last bulk approval's refusals, kept in the session across the redirect back to the queue
# (post/redirect/get) so that each is shown next to its row.
BULK_RESULT = "queue_bulk_failures"


def queue_context(user: User, request: HttpRequest | None = None) -> dict[str, Any]:
    now = timezone.now()
    refused: dict[str, dict[str, Any]] = {}
    if request is not None:
        refused = request.session.pop(BULK_RESULT, None) or {}
    answer_budget = dt.timedelta(hours=settings.REQUEST_ANSWER_BUDGET_HOURS)
    pending = list(
        requests_visible_to(user)
        .filter(status=RequestStatus.PENDING)
        .select_related("deal__demand", "deal__lead_broker", "deal__organisation")
    )
    late_count = 0
    for item in pending:
        item.late = item.requested_at + answer_budget < now  # type: ignore[attr-defined]
        late_count += item.late  # type: ignore[attr-defined]
        item.mine = item.requested_by_id == user.pk  # type: ignore[attr-defined]
        item.can_decide = permissions.may_decide(user, item)  # type: ignore[attr-defined]
        item.refused = refused.get(str(item.pk))  # type: ignore[attr-defined]
    stalled = list(
        deals_visible_to(user)
        .filter(overdue_q(now))
        .select_related("demand", "lead_broker", "organisation")
        .order_by("due_at")[:100]
    )
    conflicts = []
    for conflict in conflicts_open_visible_to(user)[:100]:
        # Seen from the user's own side: the first of the two deals they may see.
        mine = (
            conflict.deal_a
            if deals_visible_to(user).filter(pk=conflict.deal_a_id).exists()
            else conflict.deal_b
        )
        conflicts.append({"deal": mine, **conflict_view(conflict, deal=mine, user=user)})
    return {
        "pending": pending,
        "stalled": stalled,
        "conflicts": conflicts,
        "late_count": late_count,
        "show_org": user.is_admin,  # an admin's queue spans organisations
        "answer_budget_hours": settings.REQUEST_ANSWER_BUDGET_HOURS,
        "now": now,
    }


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not permissions.may_see_queue(user):
        messages.info(request, _("审批队列仅对主管开放；这里是您的项目看板。"))
        return redirect("board")
    return render(request, "deals/queue.html", queue_context(user, request))


@login_required
@require_POST
def queue_bulk_approve(request: HttpRequest) -> HttpResponse:
    """The queue's "批准所选": each ticked request approved on its own; refusals shown per row."""
    user = signed_in(request)
    back = reverse("queue")
    if not permissions.may_see_queue(user):
        messages.error(request, str(permissions.may_see_queue.denied))
        return redirect("board")
    raw = request.POST.getlist("ids")
    if not raw:
        messages.error(request, _("请先勾选要批准的申请。"))
        return redirect_back(request, back)
    try:
        ids = [int(value) for value in raw]
    except ValueError:
        messages.error(request, _("所选申请编号无效，请刷新页面后重新勾选。"))
        return redirect_back(request, back)
    if any(not 0 < i < 2**63 for i in ids):
        messages.error(request, _("所选申请编号无效，请刷新页面后重新勾选。"))
        return redirect_back(request, back)
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        result = services.request_approve_bulk(request_ids=ids, actor=user, comment=comment)
    except DomainError as exc:
        report_domain_error(request, exc)
        return redirect_back(request, back)
    if result.approved:
        messages.success(request, _("已批准 %(n)s 条申请。") % {"n": len(result.approved)})
    if result.failures:
        items = format_html_join(
            "",
            "<li>#{}：{}</li>",
            ((f["id"], f["message"]) for f in result.failures),
        )
        messages.error(
            request,
            format_html(
                "{}<ul>{}</ul>",
                _("%(n)s 条未能批准：") % {"n": len(result.failures)},
                items,
            ),
        )
        request.session[BULK_RESULT] = {str(f["id"]): f for f in result.failures}
    return redirect_back(request, back)


# --- the needs pool: a broker takes a need and opens a deal -------------------------------------


@login_required
def needs(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    query = request.GET.get("q", "").strip()[:100]
    demands = (
        Demand.objects.select_related("created_by")
        .annotate(
            taken_here=Exists(
                Deal.objects.filter(demand=OuterRef("pk"), organisation_id=user.organisation_id)
            )
        )
        .order_by("-id")
    )
    if query:
        demands = demands.filter(
            Q(title__icontains=query)
            | Q(enterprise__icontains=query)
            | Q(description__icontains=query)
        )
    if request.GET.get("open") == "1":
        demands = demands.filter(taken_here=False)
    page = paginate(request, demands, 30)
    may_open = permissions.may_create_deal(user)
    lead_choices = brokers_visible_to(user) if permissions.may_name_lead(user) else None
    return render(
        request,
        "deals/needs.html",
        {
            "page": page,
            "query": query,
            "open_only": request.GET.get("open") == "1",
            "may_open": may_open,
            "lead_choices": lead_choices,
        },
    )


@login_required
@require_POST
def need_take(request: HttpRequest, demand_id: int) -> HttpResponse:
    user = signed_in(request)
    demand = get_object_or_404(Demand, pk=demand_id)
    lead = None
    lead_id = request.POST.get("lead_broker", "")
    if lead_id:
        lead = brokers_visible_to(user).filter(pk=lead_id if lead_id.isdigit() else 0).first()
        if lead is None:
            messages.error(request, _("请选择本机构的一位经纪人作为主办经纪人。"))
            return redirect("needs")
    try:
        deal = services.deal_create(actor=user, demand=demand, lead_broker=lead)
    except DomainError as exc:
        report_domain_error(request, exc)
        return redirect("needs")
    messages.success(request, _("已受理需求并建立项目“%(title)s”。") % {"title": deal.title})
    return redirect("deal-detail", deal_id=deal.pk)


# --- the achievements library: search it, and see which needs an achievement could serve ------


@login_required
def achievements(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    library = Achievement.objects.select_related("created_by").order_by("-id")
    if query:
        library = library.filter(
            Q(title__icontains=query)
            | Q(owner__icontains=query)
            | Q(patent_number__icontains=query)
            | Q(description__icontains=query)
        )
    page = paginate(request, library, 30)
    focus = None
    needs_for_focus: list[dict[str, Any]] = []
    match_id = request.GET.get("match", "")
    focus_id = query_id(match_id)
    if focus_id is not None:
        focus = get_object_or_404(Achievement, pk=focus_id)
        needs_for_focus = demand_matches_for_achievement(achievement=focus, limit=8)
    return render(
        request,
        "deals/achievements.html",
        {"page": page, "query": query, "focus": focus, "matches": needs_for_focus},
    )


# --- the deal page: its own part (config.views composes contract and reward around it) --------


def history_rows(deal: Any) -> list[dict[str, Any]]:
    """The deal's history as its page reads it: newest first, one row per event (an approval and
    the move it made are one row), in Chinese, edits with their old → new values."""
    events: list[dict[str, Any]] = deal_history(deal)  # type: ignore[assignment]
    rows: list[dict[str, Any]] = []
    for event in events:
        code = str(event["event"])
        if code == "moved" and rows and _is_the_approved_move(rows[-1], event):
            continue  # the approval row just before says it already
        rows.append(
            {
                "at": event["at"],
                "actor": (event.get("actor") or {}).get("name", ""),
                "label": event.get("label") or HISTORY_LABELS.get(code, code),
                "code": code,
                "move": _move_text(event),
                "comment": event.get("comment", ""),
                "changes": event.get("changes", []),
                "from_state": event.get("from_state"),
                "to_state": event.get("to_state"),
            }
        )
    rows.reverse()
    return rows


def _move_text(event: dict[str, Any]) -> str:
    if event.get("from_state") and event.get("to_state"):
        return f"{DealState(event['from_state']).label} → {DealState(event['to_state']).label}"
    if event.get("to_state"):
        return str(DealState(event["to_state"]).label)
    return ""


def _is_the_approved_move(previous: dict[str, Any], moved: dict[str, Any]) -> bool:
    """The move recorded in the same transaction as the approval before it (same stages)."""
    return (
        previous["code"] == "approved"
        and previous["from_state"] == moved.get("from_state")
        and previous["to_state"] == moved.get("to_state")
        and abs((moved["at"] - previous["at"]).total_seconds()) < 5
    )


def deal_page_context(request: HttpRequest, deal: Deal) -> dict[str, Any]:
    """Everything the deal page shows about the deal itself, for this user."""
    user = signed_in(request)
    now = timezone.now()
    links = list(
        DealAchievement.objects.filter(deal=deal)
        .select_related("achievement", "linked_by")
        .order_by("id")
    )
    brokers = list(
        DealBroker.objects.filter(deal=deal).select_related("user").order_by("-share", "id")
    )
    is_broker = permissions.on_deal(user, deal)
    active = deal.state in ACTIVE_STATES
    may_share = active and permissions.may_set_brokers(user, deal)
    on_deal = {b.user_id for b in brokers}
    share_candidates = (
        list(
            brokers_visible_to(user)
            .filter(organisation_id=deal.organisation_id)
            .exclude(pk__in=on_deal)
        )
        if may_share
        else []
    )
    pending = deal.pending_requests[0] if deal.pending_requests else None  # type: ignore[attr-defined]
    if pending is not None:
        pending.deal = deal  # the rules below read its organisation; no second fetch
    options = services.transition_options(deal=deal, user=user) if active else []
    # Shown per option: only what the deal itself lacks. Who may ask and "a request is already
    # pending" apply to every option alike, so the page says them once instead.
    for option in options:
        transition = services.transition_for(deal, option["target"])
        option["conditions"] = (
            services.transition_blockers(deal, transition)
            if transition is not None and option["kind"] == "forward"
            else []
        )
    options.sort(key=lambda o: OPTION_ORDER.get(o["kind"], 3))

    stashed_name, stashed_data = pop_stashed_form(request)
    activity_form = ActivityForm(
        initial={
            "kind": "offline_meeting" if deal.state == DealState.OFFLINE_MEETING else "online_talk",
            "occurred_at": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    if stashed_name == "activity":
        activity_form = bind(ActivityForm(stashed_data), stashed_errors(stashed_data))
    plan_form = PlanForm(
        initial={
            "kind": "offline_meeting" if deal.state == DealState.OFFLINE_MEETING else "online_talk"
        }
    )
    if stashed_name == "plan":
        plan_form = bind(PlanForm(stashed_data), stashed_errors(stashed_data))
    default_target = next(
        (o["target"] for o in options if o["allowed"] and o["kind"] == "forward"),
        next((o["target"] for o in options if o["kind"] == "forward"), ""),
    )
    request_form = TransitionRequestForm(options=options, initial={"target": default_target})
    if stashed_name == "request":
        request_form = bind(
            TransitionRequestForm(stashed_data, options=options), stashed_errors(stashed_data)
        )

    if stashed_name == "shares":
        # The shares as typed, back in their inputs after a refusal.
        for link in brokers:
            link.typed = stashed_data.get(f"share_{link.user_id}", "")  # type: ignore[attr-defined]
    linked_ids = {link.achievement_id for link in links}
    candidates = (
        achievement_matches_for_demand(
            demand=deal.demand, limit=MATCH_CANDIDATES, exclude=linked_ids
        )
        if active and permissions.may_link_achievement(user, deal)
        else []
    )
    search = request.GET.get("aq", "").strip()[:100]
    search_results: list[Achievement] = []
    if search:
        search_results = list(
            Achievement.objects.filter(
                Q(title__icontains=search)
                | Q(patent_number__icontains=search)
                | Q(owner__icontains=search)
            )
            .exclude(pk__in=linked_ids)
            .order_by("-id")[:10]
        )
    stages = [*ACTIVE_STATES, DealState.REGISTERED]
    current_index = stages.index(DealState(deal.state)) if deal.state in stages else -1
    return {
        **deal_assignment_context(user, deal),
        "deal": deal,
        "demand": deal.demand,
        "links": links,
        "brokers": brokers,
        "is_broker": is_broker,
        "may_share": may_share,
        "share_candidates": share_candidates,
        "typed_shares": stashed_data if stashed_name == "shares" else {},
        "can_work": active and permissions.may_log_activity(user, deal),
        "may_request": permissions.may_request_move(user, deal),
        "active": active,
        "overdue": deal.is_overdue,  # type: ignore[attr-defined]
        "pending": pending,
        "pending_mine": pending is not None and permissions.may_withdraw(user, pending),
        "can_decide": pending is not None and permissions.may_decide(user, pending),
        "options": options,
        "activities": list(activities_for_deal(deal)),
        "activity_form": activity_form,
        "plan_form": plan_form,
        **minutes_kept_for((stashed_name, stashed_data)),
        "here": request.path,
        "request_form": request_form,
        "lost_option": any(o["kind"] == "lost" for o in options),
        "lost_reason_label": lost_reason_label(deal.lost_reason_code),
        "candidates": candidates,
        # A form of a higher app (the contract's) that failed, for the composing view to bind.
        "stashed": (stashed_name, stashed_data),
        "history": history_rows(deal),
        "decisions": _decisions_seen_now(user, deal),
        "search": search,
        "search_results": search_results,
        "stages": [
            {
                "label": DealState(s).label,
                # The last stage, once reached, is done rather than in progress.
                "status": "done"
                if i < current_index or deal.state == DealState.REGISTERED
                else "current"
                if i == current_index
                else "",
            }
            for i, s in enumerate(stages)
        ],
    }


def _decisions_seen_now(user: User, deal: Deal) -> list[TransitionRequest]:
    """The decisions on this person's requests they have not seen yet: shown as a banner at the
    top of the deal page this once (seeing the page is seeing them)."""
    unseen = unseen_decisions(user, [deal.pk]).get(deal.pk, [])
    notifications_mark_read(user=user, ids=[note.pk for note, _request in unseen])
    return [request for _note, request in unseen]


def _mark_unseen_decisions(user: User, deals: list[Deal]) -> None:
    """Each card of a deal with a decision this person has not seen gets `unseen_decision`."""
    unseen = unseen_decisions(user, [d.pk for d in deals])
    for deal in deals:
        found = unseen.get(deal.pk)
        deal.unseen_decision = found[0][1] if found else None  # type: ignore[attr-defined]


# --- the deal page's actions ------------------------------------------------------------------


# Where the deal page's own forms sit (the anchor a redirect lands on, failed or done).
FORM_ANCHORS = {"request": "request-form", "activity": "activity-form", "plan": "plan"}
DONE_ANCHORS = {"request": "transitions", "activity": "activities", "plan": "activities"}


def _form_failed(
    request: HttpRequest, deal: Deal, name: str, form: Any, exc: DomainError | None = None
) -> HttpResponse:
    """Back to the deal page at the form, kept with what was typed: its errors at their fields
    (a refusal of the service above them), the word at the form."""
    page = reverse("deal-detail", args=[deal.pk])
    stash_form(request, page, name, errors=refusal_errors(exc) if exc else None)
    if exc is None:
        report_invalid_form(request, form, name)
    else:
        messages.error(request, _("未保存：请按表单中的提示修改。"), extra_tags=panel_tags(name))
    return redirect(f"{page}#{FORM_ANCHORS[name]}")


def _form_done(request: HttpRequest, deal: Deal, name: str, done: str) -> HttpResponse:
    messages.success(request, done, extra_tags=panel_tags(name))
    return redirect(reverse("deal-detail", args=[deal.pk]) + f"#{DONE_ANCHORS[name]}")


@login_required
@require_POST
def deal_request(request: HttpRequest, deal_id: int) -> HttpResponse:
    user = signed_in(request)
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    form = TransitionRequestForm(
        request.POST, options=services.transition_options(deal=deal, user=user)
    )
    if not form.is_valid():
        return _form_failed(request, deal, "request", form)
    try:
        services.deal_request_transition(
            deal=deal,
            actor=user,
            target=form.cleaned_data["target"],
            comment=form.cleaned_data["comment"],
            lost_reason_code=form.cleaned_data["lost_reason_code"],
        )
    except DomainError as exc:
        return _form_failed(request, deal, "request", form, exc)
    return _form_done(request, deal, "request", _("申请已提交，等待主管审批。"))


@login_required
@require_POST
def deal_log_activity(request: HttpRequest, deal_id: int) -> HttpResponse:
    user = signed_in(request)
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    form = ActivityForm(request.POST)
    if not form.is_valid():
        return _form_failed(request, deal, "activity", form)
    try:
        services.activity_log(deal=deal, actor=user, **form.cleaned_data)
    except DomainError as exc:
        return _form_failed(request, deal, "activity", form, exc)
    return _form_done(request, deal, "activity", _("已记录。"))


@login_required
@require_POST
def deal_plan_activity(request: HttpRequest, deal_id: int) -> HttpResponse:
    """A talk or meeting planned ahead; said at the activities list, where it now shows."""
    user = signed_in(request)
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    form = PlanForm(request.POST)
    if not form.is_valid():
        return _form_failed(request, deal, "plan", form)
    try:
        activity = services.activity_plan(deal=deal, actor=user, **form.cleaned_data)
    except DomainError as exc:
        return _form_failed(request, deal, "plan", form, exc)
    when = timezone.localtime(activity.occurred_at).strftime("%Y-%m-%d %H:%M")
    done = _("已安排 %(when)s 的%(kind)s；它会列在“本周会谈”里，前一天提醒本项目的经纪人。") % {
        "when": when,
        "kind": activity.get_kind_display(),
    }
    # Said at the activities list (where the plan now shows), not at the form it closed.
    return _form_done(request, deal, "activity", done)


@login_required
@require_POST
def deal_link_achievement(request: HttpRequest, deal_id: int) -> HttpResponse:
    user = signed_in(request)
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    form = LinkAchievementForm(request.POST)
    back = reverse("deal-detail", args=[deal.pk]) + "#candidates"
    if not form.is_valid():
        messages.error(request, _("请选择要关联的成果。"), extra_tags=panel_tags("candidates"))
        return redirect(back)
    achievement = get_object_or_404(Achievement, pk=form.cleaned_data["achievement"])
    try:
        services.deal_link_achievement(
            deal=deal, achievement=achievement, actor=user, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        report_domain_error(request, exc, panel="candidates")
    else:
        messages.success(
            request,
            _("已关联成果“%(title)s”。") % {"title": achievement.title},
            extra_tags=panel_tags("candidates"),
        )
    return redirect(back)


@login_required
@require_POST
def deal_set_shares(request: HttpRequest, deal_id: int) -> HttpResponse:
    """The brokers and their shares: `share_<user id>` per broker on the deal (empty removes
    them), plus optionally `new_broker` with `new_share`. deal_set_brokers checks the rest."""
    user = signed_in(request)
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    page = reverse("deal-detail", args=[deal.pk])
    wanted: list[tuple[User, str]] = []
    people = {
        b.pk: b for b in brokers_visible_to(user).filter(organisation_id=deal.organisation_id)
    }
    for link in deal.broker_links.select_related("user"):  # type: ignore[attr-defined]
        raw = request.POST.get(f"share_{link.user_id}", "").strip()
        if raw:
            wanted.append((link.user, raw))
    new_id = request.POST.get("new_broker", "")
    new_share = request.POST.get("new_share", "").strip()
    if new_id:
        newcomer = people.get(int(new_id)) if new_id.isdigit() else None
        if newcomer is None or not new_share:
            stash_form(request, page, "shares")
            messages.error(
                request,
                _("请选择本机构的经纪人并填写其分成比例。"),
                extra_tags=panel_tags("brokers"),
            )
            return redirect(page + "#brokers")
        wanted.append((newcomer, new_share))
    try:
        services.deal_set_brokers(deal=deal, actor=user, shares=wanted)
    except DomainError as exc:
        # What was typed stays in the inputs (the page reads it back), the refusal at the table.
        stash_form(request, page, "shares")
        report_domain_error(request, exc, panel="brokers")
    else:
        messages.success(request, _("经纪人及分成已更新。"), extra_tags=panel_tags("brokers"))
    return redirect(page + "#brokers")


def _decision_panel(request: HttpRequest) -> str:
    """A decision taken on the deal page is answered in its transitions panel; one taken in the
    queue (which posts `next`) at the queue's top."""
    return "" if request.POST.get("next") else "request"


def _visible_request(user: User, request_id: int) -> TransitionRequest:
    return get_object_or_404(requests_visible_to(user), pk=request_id)


@login_required
@require_POST
def request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    user = signed_in(request)
    item = _visible_request(user, request_id)
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    panel = _decision_panel(request)
    try:
        services.request_approve(request_id=item.pk, actor=user, comment=comment)
    except DomainError as exc:
        report_domain_error(request, exc, panel=panel)
    else:
        item.deal.refresh_from_db(fields=["state"])
        messages.success(
            request,
            _("已批准：“%(title)s”进入“%(state)s”。")
            % {"title": item.deal.title, "state": DealState(item.deal.state).label},
            extra_tags=panel_tags(panel) if panel else "",
        )
    return redirect_back(request, reverse("deal-detail", args=[item.deal_id]) + "#transitions")


@login_required
@require_POST
def request_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    user = signed_in(request)
    item = _visible_request(user, request_id)
    form = RejectForm(request.POST)
    panel = _decision_panel(request)
    tags = panel_tags(panel) if panel else ""
    if not form.is_valid():
        messages.error(request, _("驳回必须说明理由，方便经纪人改进。"), extra_tags=tags)
        return redirect_back(request, reverse("deal-detail", args=[item.deal_id]) + "#transitions")
    try:
        services.request_reject(request_id=item.pk, actor=user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        report_domain_error(request, exc, panel=panel)
    else:
        messages.success(request, _("已驳回申请，项目停留在当前阶段。"), extra_tags=tags)
    return redirect_back(request, reverse("deal-detail", args=[item.deal_id]) + "#transitions")


@login_required
@require_POST
def request_withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    user = signed_in(request)
    item = _visible_request(user, request_id)
    try:
        services.request_withdraw(request_id=item.pk, actor=user)
    except DomainError as exc:
        report_domain_error(request, exc, panel="request")
    else:
        messages.success(request, _("已撤回申请。"), extra_tags=panel_tags("request"))
    return redirect(reverse("deal-detail", args=[item.deal_id]) + "#transitions")
