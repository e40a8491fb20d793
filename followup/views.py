"""The followup app's pages: the deal page's follow-up panel (a fragment the composed deal page
includes) with its actions, and the follow-up list (/follow-up/). Each action validates its form,
calls one service and goes back to the deal page; a form that fails comes back with its errors
next to the fields and what the user typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brokers.models import User
from brokers.requests import AuthedHttpRequest
from common.exceptions import DomainError
from common.pages import (
    bind,
    login_required,
    paginate,
    panel_tags,
    refusal_errors,
    report_domain_error,
    report_invalid_form,
    stash_form,
    stashed_errors,
)
from deals.models import Deal, DealState
from deals.selectors import deal_get_for_user
from followup import permissions, selectors, services
from followup.exceptions import FollowUpInvalid
from followup.forms import FollowUpForm, MilestoneForm, OutcomeForm, VisitForm
from followup.registration import deadlines_for_deals


def _milestone_form(
    row: selectors.MilestoneRow,
    rows: list[selectors.MilestoneRow],
    signed_on: Any,
    data: dict[str, str] | None,
) -> MilestoneForm:
    form = MilestoneForm(
        data,
        initial={
            "kind": row.kind,
            "planned_on": row.planned_on,
            "actual_on": row.actual_on,
            "note": row.note,
        },
        signed_on=signed_on,
        actual_by_kind={r.kind: r.actual_on for r in rows if r.kind != row.kind},
        recorded={"id": row.id, "planned_on": row.planned_on, "actual_on": row.actual_on},
    )
    return bind(form, stashed_errors(data)) if data is not None else form


def followup_panel(user: User, deal: Deal, stashed: str, data: dict[str, str]) -> dict[str, Any]:
    """The deal page's registration deadline and, once registered, the follow-up panel."""
    today = timezone.localdate()
    deadline = deadlines_for_deals([deal.pk], today).get(deal.pk)
    panel: dict[str, Any] = {"registration_deadline": deadline}
    if deal.state != DealState.REGISTERED or not permissions.may_read_follow_up(user, deal):
        return panel
    contract = selectors.current_contract(deal)
    signed_on = contract.signed_on if contract else None
    rows = selectors.milestones_for_deal(deal)
    may_write = permissions.may_write_follow_up(user, deal)
    outcome = selectors.outcome_for_deal(deal)
    milestones = []
    for row in rows:
        bound = data if stashed == f"milestone:{row.kind}" else None
        milestones.append(
            {
                "row": row,
                "overdue": row.overdue(today),
                "form": _milestone_form(row, rows, signed_on, bound) if may_write else None,
            }
        )
    upcoming = selectors.next_milestone(rows)
    instalments = []
    if contract is not None:
        received = selectors.received_totals([deal.pk])[deal.pk]
        instalments = selectors.overdue_instalments(contract, received, today)
    visit_form = outcome_form = None
    if may_write:
        visit_form = VisitForm(
            data if stashed == "visit" else None,
            initial={"visited_on": today},
            signed_on=signed_on,
        )
        outcome_form = OutcomeForm(
            data if stashed == "outcome" else None,
            initial={
                "result": outcome.result if outcome else "",
                "decided_on": today,
            },
            signed_on=signed_on,
            has_outcome=outcome is not None,
        )
        for form in (visit_form, outcome_form):
            if form.is_bound:
                bind(form, stashed_errors(data))
    panel["follow_up"] = {
        "milestones": milestones,
        "next": upcoming,
        "visits": selectors.visits_for_deal(deal),
        "outcome": outcome,
        "instalments": instalments,
        "may_write": may_write,
        "visit_form": visit_form,
        "outcome_form": outcome_form,
        "open_milestone": stashed.removeprefix("milestone:")
        if stashed.startswith("milestone:")
        else "",
    }
    return panel


def _action(
    request: AuthedHttpRequest,
    deal: Deal,
    form: FollowUpForm,
    name: str,
    act: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponseRedirect:
    deal_page = reverse("deal-detail", args=[deal.pk])
    try:
        # Who may is asked before the form: a refusal is about the person, not what they typed.
        permissions.may_write_follow_up.require(request.user, deal)
    except DomainError as exc:
        report_domain_error(request, exc)
        return redirect(deal_page + "#follow-up")
    # The word goes to the follow-up panel, the errors to the form's fields (a refusal of the
    # service: at the field it names, else above the form).
    tags = panel_tags("follow-up")
    if not form.is_valid():
        stash_form(request, deal_page, name)
        report_invalid_form(request, form, "follow-up")
        return redirect(f"{deal_page}#{_anchor(name)}")
    try:
        act(form.cleaned_data)
    except DomainError as exc:
        field = exc.field if isinstance(exc, FollowUpInvalid) else ""
        errors = {field: [exc.message]} if field else refusal_errors(exc)
        stash_form(request, deal_page, name, errors=errors)
        messages.error(request, _("未保存：请按表单中的提示修改。"), extra_tags=tags)
        return redirect(f"{deal_page}#{_anchor(name)}")
    messages.success(request, done, extra_tags=tags)
    return redirect(deal_page + "#follow-up")


def _anchor(name: str) -> str:
    """The id of the form `name` on the deal page ("milestone:<kind>", "visit", "outcome")."""
    return name.replace(":", "-") + "-form"


def _page_deal(request: AuthedHttpRequest, deal_id: int) -> tuple[Deal, Any]:
    deal = deal_get_for_user(user=request.user, deal_id=deal_id)
    contract = selectors.current_contract(deal)
    return deal, contract.signed_on if contract else None


@login_required
@require_POST
def milestone_save(request: AuthedHttpRequest, deal_id: int) -> HttpResponse:
    deal, signed_on = _page_deal(request, deal_id)
    rows = selectors.milestones_for_deal(deal)
    kind = request.POST.get("kind", "")
    row = next((r for r in rows if r.kind == kind), selectors.MilestoneRow(kind))
    form = _milestone_form(row, rows, signed_on, request.POST.dict())

    def act(data: dict[str, Any]) -> None:
        services.milestone_record(
            deal=deal,
            actor=request.user,
            kind=data["kind"],
            planned_on=data.get("planned_on"),
            actual_on=data.get("actual_on"),
            note=data.get("note", ""),
            reason=data.get("reason", ""),
        )

    return _action(request, deal, form, f"milestone:{kind}", act, _("里程碑已保存。"))


@login_required
@require_POST
def visit_save(request: AuthedHttpRequest, deal_id: int) -> HttpResponse:
    deal, signed_on = _page_deal(request, deal_id)
    form = VisitForm(request.POST, signed_on=signed_on)

    def act(data: dict[str, Any]) -> None:
        services.visit_log(deal=deal, actor=request.user, **data)

    return _action(request, deal, form, "visit", act, _("回访已记录。"))


@login_required
@require_POST
def outcome_save(request: AuthedHttpRequest, deal_id: int) -> HttpResponse:
    deal, signed_on = _page_deal(request, deal_id)
    form = OutcomeForm(
        request.POST,
        signed_on=signed_on,
        has_outcome=selectors.outcome_for_deal(deal) is not None,
    )

    def act(data: dict[str, Any]) -> None:
        services.outcome_record(
            deal=deal,
            actor=request.user,
            result=data["result"],
            reason=data.get("reason", ""),
            decided_on=data.get("decided_on"),
        )

    return _action(request, deal, form, "outcome", act, _("实施结果已保存。"))


@login_required
def follow_up(request: AuthedHttpRequest) -> HttpResponse:
    """Registered deals whose next milestone or an instalment is overdue."""
    today = timezone.localdate()
    items = selectors.follow_up_items(request.user, today)
    page = paginate(request, items, 50)
    return render(request, "followup/follow_up.html", {"page": page, "today": today})
