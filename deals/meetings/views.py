"""Pages of meetings ahead: the week's list per broker, and the one-click "held", the minutes
after it, and "cancel" (planning is the deal page's form, deals.views.deal_plan_activity). Each action redirects back to the page it
was taken on (`next`) and says what happened there: at the row for a refusal (tag
`panel-activity-<id>`), at the list for a success (tag `panel-activity`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brokers.models import User
from brokers.requests import signed_in
from brokers.selectors import brokers_visible_to
from common.exceptions import DomainError
from common.pages import login_required, panel_tags, query_id, redirect_back, stash_form
from deals import permissions, services
from deals.meetings.forms import CancelForm, HeldForm, MinutesForm
from deals.models import Activity
from deals.selectors import activity_get_for_user, meetings_ahead, week_end

# A success is said at the list it changed (the deal page's activities, the week's list), a
# refusal at its row.
DONE_TAGS = panel_tags("activity")


def row_tags(activity_id: int) -> str:
    return panel_tags(f"activity-{activity_id}")


def minutes_kept_for(stashed: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A minutes form that failed on the deal page: which activity's, and what was typed."""
    name, data = stashed
    head, _sep, number = name.partition("-")
    if head == "minutes" and number.isdigit():
        return {"minutes_kept_id": int(number), "minutes_kept": data}
    return {"minutes_kept_id": None, "minutes_kept": {}}


def _back(request: HttpRequest, activity: Activity) -> HttpResponseRedirect:
    return redirect_back(request, reverse("deal-detail", args=[activity.deal_id]) + "#activities")


@login_required
@require_POST
def activity_held(request: HttpRequest, activity_id: int) -> HttpResponse:
    user = signed_in(request)
    activity = activity_get_for_user(user=user, activity_id=activity_id)
    form = HeldForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        done = services.activity_mark_held(
            activity=activity,
            actor=user,
            minutes=data.get("minutes", ""),
            participants=data.get("participants", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message, extra_tags=row_tags(activity.pk))
        return _back(request, activity)
    text = _("已标记“%(deal)s”的%(kind)s为已举行。") % {
        "deal": activity.deal.title,
        "kind": done.get_kind_display(),
    }
    if not done.counts:
        text += _("请在项目页补充纪要：有纪要后才计入阶段条件。")
    messages.success(request, text, extra_tags=DONE_TAGS)
    return _back(request, activity)


@login_required
@require_POST
def activity_minutes(request: HttpRequest, activity_id: int) -> HttpResponse:
    user = signed_in(request)
    activity = activity_get_for_user(user=user, activity_id=activity_id)
    form = MinutesForm(request.POST)
    deal_page = reverse("deal-detail", args=[activity.deal_id])
    if not form.is_valid():
        stash_form(request, deal_page, f"minutes-{activity.pk}")
        messages.error(request, _("纪要未保存：请填写纪要。"), extra_tags=row_tags(activity.pk))
        return _back(request, activity)
    try:
        services.activity_record_minutes(
            activity=activity,
            actor=user,
            minutes=form.cleaned_data["minutes"],
            participants=form.cleaned_data["participants"],
        )
    except DomainError as exc:
        stash_form(request, deal_page, f"minutes-{activity.pk}")
        messages.error(request, exc.message, extra_tags=row_tags(activity.pk))
        return _back(request, activity)
    messages.success(request, _("纪要已保存。"), extra_tags=DONE_TAGS)
    return _back(request, activity)


@login_required
@require_POST
def activity_cancel(request: HttpRequest, activity_id: int) -> HttpResponse:
    user = signed_in(request)
    activity = activity_get_for_user(user=user, activity_id=activity_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.activity_cancel(activity=activity, actor=user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message, extra_tags=row_tags(activity.pk))
        return _back(request, activity)
    messages.success(
        request,
        _("已取消“%(deal)s”的%(kind)s。")
        % {"deal": activity.deal.title, "kind": activity.get_kind_display()},
        extra_tags=DONE_TAGS,
    )
    return _back(request, activity)


def week_rows(user: User, *, broker_id: int | None = None) -> list[dict[str, Any]]:
    """The planned activities this user sees until the end of the week, one row each with what
    the row shows and whether this user may mark it (a constant number of queries)."""
    now = timezone.now()
    today = timezone.localtime(now).date()
    rows = []
    activities = meetings_ahead(user, broker_id=broker_id, now=now).prefetch_related(
        "deal__broker_links__user"
    )
    for activity in activities:
        day = timezone.localtime(activity.occurred_at).date()
        rows.append(
            {
                "activity": activity,
                "deal": activity.deal,
                "brokers": [link.user for link in activity.deal.broker_links.all()],
                "day": day,
                "day_label": _day_label(day, today),
                "late": activity.occurred_at <= now,
                "may_act": permissions.may_log_activity(user, activity.deal),
            }
        )
    return rows


def _day_label(day: dt.date, today: dt.date) -> str:
    offset = (day - today).days
    if offset < 0:
        return _("已过计划时间")
    if offset == 0:
        return _("今天")
    if offset == 1:
        return _("明天")
    weekday = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]
    return f"{day:%m-%d} {weekday[day.weekday()]}"


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    """This week's planned talks and meetings: a broker's own; a supervisor's organisation's,
    with a broker filter."""
    user = signed_in(request)
    brokers = None
    broker_id = None
    if not user.is_broker:
        brokers = list(brokers_visible_to(user).order_by("display_name", "username"))
        broker_id = query_id(request.GET.get("broker", ""))
    rows = week_rows(user, broker_id=broker_id)
    last_day = (week_end() - dt.timedelta(days=1)).date()
    return render(
        request,
        "deals/meetings.html",
        {
            "rows": rows,
            "brokers": brokers,
            "broker_id": broker_id,
            "today": timezone.localdate(),
            "last_day": last_day,
            "here": request.get_full_path(),
        },
    )
