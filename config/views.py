"""Pages composed above the apps: the role home at `/`, the deal page (the deal with its
contract panel, its expert reviews and, when this user may see it, its reward panel) and a
broker's own page (their open deals, this week's meetings, their reward shares). Every other
page is its app's."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from brokers.models import User
from brokers.requests import AuthedHttpRequest
from brokers.selectors import broker_get_for_page
from brokers.views import sign_in
from challenges.views import deal_expert_panel
from common.pages import login_required
from contracts.views import contract_panel
from deals import views as deal_views
from deals.extensions import attach_deal_flags
from deals.meetings.views import week_rows
from deals.selectors import deal_get_for_user, open_deals_of_broker
from followup.views import followup_panel
from payments.views import payments_panel
from rewards.views import broker_rewards_panel, ledger, reward_panel


def home(request: HttpRequest) -> HttpResponseBase:
    """Signed out: the sign-in form. Signed in: the home page of the user's role."""
    user = request.user
    if not isinstance(user, User):  # signed out
        return sign_in(request)
    if user.is_admin:
        return render(request, "pages/admin_home.html", deal_views.queue_context(user, request))
    if user.is_supervisor:
        return deal_views.queue(request)
    if user.is_finance:
        return ledger(cast(AuthedHttpRequest, request))  # its user is a User (checked above)
    if user.is_expert:
        return redirect("review-home")
    return deal_views.board(request)


@login_required
def deal_detail(request: AuthedHttpRequest, deal_id: int) -> HttpResponse:
    user = request.user
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    context = deal_views.deal_page_context(request, deal)
    context.update(contract_panel(user, deal, *context["stashed"]))
    context.update(payments_panel(user, deal, *context["stashed"]))
    context.update(followup_panel(user, deal, *context["stashed"]))
    context.update(reward_panel(user, deal.pk))
    context["expert_panel"] = deal_expert_panel(user, deal)
    return render(request, "deals/deal_detail.html", context)


@login_required
def me(request: AuthedHttpRequest) -> HttpResponse:
    """The signed-in broker's own page (for anyone else, their own, mostly empty)."""
    return _broker_page(request, request.user)


@login_required
def broker_page(request: AuthedHttpRequest, broker_id: int) -> HttpResponse:
    """A broker's page, for the broker and the supervisors of their organisation (404 else)."""
    broker = broker_get_for_page(user=request.user, broker_id=broker_id)
    return _broker_page(request, broker)


def _broker_page(request: AuthedHttpRequest, broker: User) -> HttpResponse:
    user = request.user
    deals = list(open_deals_of_broker(user, broker.pk))
    attach_deal_flags(deals)
    context = {
        "broker": broker,
        "own": broker.pk == user.pk,
        "deals": deals,
        "overdue_count": len([d for d in deals if d.is_overdue]),  # type: ignore[attr-defined]
        "rows": week_rows(user, broker_id=broker.pk),
        "here": request.get_full_path(),
        **broker_rewards_panel(user, broker),
    }
    return render(request, "pages/broker.html", context)
