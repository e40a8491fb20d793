"""Pages composed above the apps: the role home at `/` and the deal page (the deal with its
contract panel, its expert reviews and, when this user may see it, its reward panel). Every other page is its app's."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from brokers.models import User
from brokers.requests import AuthedHttpRequest
from brokers.views import sign_in
from challenges.views import deal_expert_panel
from common.pages import login_required
from contracts.views import contract_panel
from deals import views as deal_views
from deals.selectors import deal_get_for_user
from followup.views import followup_panel
from payments.views import payments_panel
from rewards.views import ledger, reward_panel


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
