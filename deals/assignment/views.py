"""Pages of lead assignment and the double-brokering guard: opening a deal with the suggested
lead, reassigning the lead and resolving a warning from the deal page. The deal page shows the
warnings (deals.views.deal_page_context asks `deal_assignment_context`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brokers.models import User
from brokers.requests import signed_in
from brokers.selectors import brokers_visible_to
from common.exceptions import DomainError
from common.pages import login_required, panel_tags, report_domain_error
from deals import permissions
from deals.assignment import selectors, services
from deals.models import ACTIVE_STATES, Deal, DealBroker, Demand
from deals.selectors import deal_get_for_user


@login_required
def need_open(request: HttpRequest, demand_id: int) -> HttpResponse:
    """A supervisor opens a deal for a need: the suggested leads with their reasons, the best
    one with room preselected, any other broker of the organisation selectable."""
    user = signed_in(request)
    demand = get_object_or_404(Demand, pk=demand_id)
    if not permissions.may_see_broker_suggestions(user):
        raise PermissionDenied(str(permissions.may_see_broker_suggestions.denied))
    # Every broker of the organisation is listed (the supervisor may pick another), best first.
    suggestions = selectors.broker_suggestions(user=user, demand=demand, limit=1000)
    chosen = next((s["broker"]["id"] for s in suggestions if not s["full"]), None)
    open_here = Deal.objects.filter(
        demand=demand, state__in=ACTIVE_STATES, organisation_id=user.organisation_id
    ).exists()
    return render(
        request,
        "deals/need_open.html",
        {
            "demand": demand,
            "suggestions": suggestions,
            "chosen": chosen,
            "open_here": open_here,
        },
    )


def deal_assignment_context(user: User, deal: Deal) -> dict[str, Any]:
    """What the deal page shows of this app: the warnings, and the reassign/resolve forms."""
    conflicts = [
        selectors.conflict_view(c, deal=deal, user=user)
        for c in selectors.conflicts_for_deal(deal, include_resolved=False)
    ]
    may_resolve = bool(conflicts) and permissions.may_resolve_conflict(user, deal)
    active = deal.state in ACTIVE_STATES
    may_reassign = active and permissions.may_reassign_lead(user, deal)
    lead_choices = (
        list(
            brokers_visible_to(user)
            .filter(organisation_id=deal.organisation_id, is_active=True)
            .exclude(pk=deal.lead_broker_id)
        )
        if may_reassign
        else []
    )
    resolve_people: list[dict[str, Any]] = []
    if may_resolve:
        shares = {
            link.user_id: link.share
            for link in DealBroker.objects.filter(deal=deal).select_related("user")
        }
        people = brokers_visible_to(user).filter(organisation_id=deal.organisation_id)
        # This deal's brokers first, then the other deals' brokers of the same organisation.
        others = {
            link.user_id
            for c in conflicts
            if c["other_deal"]["same_organisation"] and c["other_deal"]["id"]
            for link in DealBroker.objects.filter(deal_id=c["other_deal"]["id"])
        }
        for person in people.filter(pk__in=set(shares) | others).order_by("id"):
            resolve_people.append(
                {"user": person, "share": shares.get(person.pk, ""), "on_deal": person.pk in shares}
            )
        resolve_people.sort(key=lambda p: (not p["on_deal"], p["user"].pk))
    return {
        "conflicts": conflicts,
        "may_resolve_conflicts": may_resolve,
        "resolve_people": resolve_people,
        "may_reassign": may_reassign,
        "lead_choices": lead_choices,
        "lead_changes": list(selectors.lead_changes_for_deal(deal)),
    }


@login_required
@require_POST
def deal_reassign(request: HttpRequest, deal_id: int) -> HttpResponse:
    user = signed_in(request)
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    back = reverse("deal-detail", args=[deal.pk]) + "#brokers"
    raw = request.POST.get("lead_broker", "")
    lead = (
        brokers_visible_to(user).filter(pk=int(raw)).first()
        if raw.isdigit() and len(raw) < 12
        else None
    )
    if lead is None:
        messages.error(
            request,
            _("请选择本机构的一位经纪人作为新的主办经纪人。"),
            extra_tags=panel_tags("brokers"),
        )
        return redirect(back)
    try:
        services.deal_reassign_lead(
            deal=deal, actor=user, lead_broker=lead, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        report_domain_error(request, exc, panel="brokers")
    else:
        messages.success(
            request,
            _("主办经纪人已更换为 %(name)s。") % {"name": lead},
            extra_tags=panel_tags("brokers"),
        )
    return redirect(back)


@login_required
@require_POST
def deal_conflict_resolve(request: HttpRequest, deal_id: int, conflict_id: int) -> HttpResponse:
    """`share_<user id>` per broker (empty leaves them out), `note`."""
    user = signed_in(request)
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    conflict = selectors.conflict_get_for_deal(deal=deal, conflict_id=conflict_id)
    back = reverse("deal-detail", args=[deal.pk]) + "#conflicts"
    people = {
        b.pk: b for b in brokers_visible_to(user).filter(organisation_id=deal.organisation_id)
    }
    shares = []
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("share_") and value.strip():
            person = people.get(int(key[6:])) if key[6:].isdigit() and len(key) < 20 else None
            if person is None:
                messages.error(request, _("分成名单中有不属于本机构的经纪人。"))
                return redirect(back)
            shares.append((person, value.strip()))
    try:
        services.conflict_resolve(
            conflict=conflict,
            deal=deal,
            actor=user,
            shares=shares,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("已记录协商结果，分成已更新，双方项目的预警已解除。"))
    return redirect(back)
