"""The rewards app's pages: the reward ledger (finance decides there; a broker sees their own),
finance's approve and pay, and the deal page's reward panel (a fragment the composed deal page
includes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brokers.models import User
from brokers.requests import AuthedHttpRequest
from common.exceptions import DomainError
from common.pages import login_required, paginate, redirect_back, report_domain_error
from rewards import services
from rewards.explain import explanation_text
from rewards.forms import LedgerFilterForm, PayForm
from rewards.models import Reward, RewardStatus
from rewards.permissions import (
    decider_refusal,
    held_by_four_eyes,
    may_approve_reward,
    may_export_ledger,
    may_pay_reward,
)
from rewards.selectors import (
    brokers_in_rewards,
    reward_get_for_user,
    rewards_filtered,
    rewards_visible_to,
    share_totals_by_broker_year,
    share_totals_by_status,
    shares_of,
)


def reward_panel(user: User, deal_id: int) -> dict[str, Any]:
    """The deal page's reward panel: the deal's reward, when this user may see it; under a
    policy on money received, its active partial rewards, one per payment, and their total."""
    reward = rewards_visible_to(user).filter(deal_id=deal_id).order_by("-active", "-id").first()
    if reward is not None:
        reward.explanation_lines = explanation_text(reward.explanation)  # type: ignore[attr-defined]
    partials: list[Reward] = []
    if reward is not None and reward.payment_id is not None:
        partials = list(
            rewards_visible_to(user)
            .filter(deal_id=deal_id, active=True, payment__isnull=False)
            .select_related("payment")
            .order_by("payment_id")
        )
        for partial in partials:
            partial.explanation_lines = explanation_text(partial.explanation)  # type: ignore[attr-defined]
    return {
        "reward": reward,
        "partial_rewards": partials,
        "partial_total": sum((p.amount for p in partials), Decimal(0)),
    }


BROKER_PAGE_SHARES = 50


def broker_rewards_panel(user: User, broker: User) -> dict[str, Any]:
    """A broker's page: their shares of the rewards this user sees (never the whole rewards),
    the latest first, and their totals per reward status (as 我的奖励 adds them up)."""
    visible = rewards_visible_to(user)
    totals = share_totals_by_status(visible, user_id=broker.pk)
    return {
        "reward_shares": list(shares_of(visible, user_id=broker.pk)[:BROKER_PAGE_SHARES]),
        "reward_share_limit": BROKER_PAGE_SHARES,
        "reward_totals": [
            {
                "status": value,
                "label": label,
                "n": totals.get(value, {}).get("n", 0),
                "total": totals.get(value, {}).get("total"),
            }
            for value, label in RewardStatus.choices
        ],
    }


@login_required
def ledger(request: AuthedHttpRequest) -> HttpResponse:
    """Finance's reward ledger: every visible reward with its explanation, approve and pay."""
    user = request.user
    form = LedgerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    visible = rewards_visible_to(user)
    broker_id = filters.get("broker")
    rewards = rewards_filtered(
        visible,
        year=filters.get("year"),
        status=filters.get("status") or None,
        broker_id=broker_id,
    ).order_by("-registered_on", "-id")
    # A broker's cards add up their own shares; finance filtering by one broker sees that
    # broker's shares; otherwise the whole rewards.
    share_of = user.pk if user.is_broker else broker_id
    totals: dict[str, dict[str, Any]]
    if share_of is not None:
        totals = share_totals_by_status(rewards, user_id=share_of)
    else:
        totals = {
            row["status"]: dict(row)
            for row in rewards.order_by()
            .values("status")
            .annotate(n=Count("id"), total=Sum("amount"))
        }
    page = paginate(request, rewards, 50)
    for reward in page.object_list:
        reward.may_approve = may_approve_reward(user, reward)  # type: ignore[attr-defined]
        reward.may_pay = may_pay_reward(user, reward)  # type: ignore[attr-defined]
        reward.four_eyes = held_by_four_eyes(user, reward)  # type: ignore[attr-defined]
        reward.explanation_lines = explanation_text(reward.explanation)  # type: ignore[attr-defined]
    export_year = filters.get("year") or timezone.localdate().year
    return render(
        request,
        "rewards/ledger.html",
        {
            "page": page,
            "form": form,
            "totals": [
                {
                    "status": value,
                    "label": label,
                    "n": totals.get(value, {}).get("n", 0),
                    "total": totals.get(value, {}).get("total"),
                }
                for value, label in RewardStatus.choices
            ],
            "export_year": export_year,
            "shares_only": share_of is not None,
            "brokers": [] if user.is_broker else list(brokers_in_rewards(visible)),
            "broker_totals": [] if user.is_broker else share_totals_by_broker_year(rewards),
            "may_export": may_export_ledger(user),
            "today": timezone.localdate(),
        },
    )


def _reward_action(request: AuthedHttpRequest, reward_id: int, action: str) -> HttpResponse:
    user = request.user
    reward: Reward = reward_get_for_user(user=user, reward_id=reward_id)
    # Who asks comes first, as in the API: someone who may not decide sees why, not form errors.
    allowed = may_approve_reward if action == "approve" else may_pay_reward
    if not allowed(user, reward):
        report_domain_error(request, decider_refusal(user, reward))
        return redirect_back(request, reverse("ledger"))
    try:
        if action == "approve":
            services.reward_approve(
                reward_id=reward.pk, actor=user, comment=request.POST.get("comment", "")
            )
            messages.success(request, _("已审核奖励：%(deal)s。") % {"deal": reward.deal.title})
        else:
            pay = PayForm(request.POST)
            if not pay.is_valid() or request.POST.get("confirmed") != "1":
                # Money leaves with this: the amounts, date and reference are shown once more;
                # a date or reference that is wrong is corrected there, at its field.
                return render(
                    request,
                    "rewards/pay_confirm.html",
                    {"reward": reward, "form": pay, "next": request.POST.get("next", "")},
                    status=400 if pay.errors else 200,
                )
            services.reward_pay(
                reward_id=reward.pk,
                actor=user,
                paid_on=pay.cleaned_data["paid_on"],
                reference=pay.cleaned_data["reference"],
            )
            messages.success(request, _("已登记发放：%(deal)s。") % {"deal": reward.deal.title})
    except DomainError as exc:
        report_domain_error(request, exc)
    return redirect_back(request, reverse("ledger"))


@login_required
@require_POST
def reward_approve(request: AuthedHttpRequest, reward_id: int) -> HttpResponse:
    return _reward_action(request, reward_id, "approve")


@login_required
@require_POST
def reward_pay(request: AuthedHttpRequest, reward_id: int) -> HttpResponse:
    return _reward_action(request, reward_id, "pay")
