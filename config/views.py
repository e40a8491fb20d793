"""Pages composed above the apps: the role home at `/`, the deal page with its contract (and,
when the rewards app provides it, its reward), and finance's reward ledger."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from brokers.models import User
from brokers.views import sign_in
from contracts.selectors import contract_for_deal, latest_ready_document
from deals import views as deal_views
from deals.models import DealState
from deals.selectors import deal_get_for_user, deal_history

# What each history event code reads as on the page.
HISTORY_LABELS = {
    "created": _("创建项目"),
    "requested": _("申请变更"),
    "approved": _("批准"),
    "rejected": _("驳回"),
    "withdrawn": _("撤回申请"),
    "moved": _("阶段变更"),
    "edited": _("修改"),
    "activity_logged": _("记录洽谈/对接"),
    "achievement_linked": _("关联成果"),
    "achievement_unlinked": _("取消关联成果"),
    "brokers_changed": _("调整经纪人"),
}


def home(request: HttpRequest) -> HttpResponseBase:
    """Signed out: the sign-in form. Signed in: the home page of the user's role."""
    user = request.user
    if not user.is_authenticated:
        return sign_in(request)
    assert isinstance(user, User)
    if user.is_admin:
        return render(request, "pages/admin_home.html", deal_views.queue_context(user))
    if user.is_supervisor:
        return deal_views.queue(request)
    if user.is_finance:
        return ledger(request)
    return deal_views.board(request)


def _history_rows(deal: Any) -> list[dict[str, Any]]:
    rows = []
    events: list[dict[str, Any]] = deal_history(deal)  # type: ignore[assignment]
    for event in events:
        code = str(event["event"])
        move = ""
        if event.get("from_state") and event.get("to_state"):
            move = f"{DealState(event['from_state']).label} → {DealState(event['to_state']).label}"
        elif event.get("to_state"):
            move = str(DealState(event["to_state"]).label)
        rows.append(
            {
                "at": event["at"],
                "actor": (event.get("actor") or {}).get("name", ""),
                "label": HISTORY_LABELS.get(code, code),
                "code": code,
                "move": move,
                "comment": event.get("comment", ""),
            }
        )
    return rows


@login_required
def deal_detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    deal = deal_get_for_user(user=request.user, deal_id=deal_id)
    context = deal_views.deal_page_context(request, deal)
    contract = contract_for_deal(deal.pk)
    context.update(
        {
            "history": _history_rows(deal),
            "contract": contract,
            "contract_pdf": latest_ready_document(contract) if contract else None,
        }
    )
    return render(request, "deals/deal_detail.html", context)


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/ledger.html", {"rewards": None})
