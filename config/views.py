"""Pages composed above the apps: the role home at `/`, the deal page with its contract (and,
when the rewards app provides it, its reward), and finance's reward ledger."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from brokers.models import User
from brokers.views import sign_in
from common.exceptions import DomainError
from config.forms import ContractDraftForm, RegistrationForm, SignForm
from contracts import services as contract_services
from contracts.models import ContractStatus
from contracts.selectors import (
    contract_for_deal,
    contract_get_for_user,
    documents_for_contract,
    latest_ready_document,
)
from deals import views as deal_views
from deals.models import Deal, DealState
from deals.selectors import deal_get_for_user, deal_history
from rewards.explain import explanation_text
from rewards.models import Reward, RewardStatus
from rewards.permissions import (
    held_by_four_eyes,
    may_approve_reward,
    may_export_ledger,
    may_pay_reward,
)
from rewards.selectors import reward_get_for_user, rewards_filtered, rewards_visible_to
from rewards.services import reward_approve, reward_pay

# What each history event code reads as on the page.
HISTORY_LABELS = {
    "created": gettext_lazy("创建项目"),
    "requested": gettext_lazy("申请变更"),
    "approved": gettext_lazy("批准"),
    "rejected": gettext_lazy("驳回"),
    "withdrawn": gettext_lazy("撤回申请"),
    "moved": gettext_lazy("阶段变更"),
    "edited": gettext_lazy("修改"),
    "activity_logged": gettext_lazy("记录洽谈/对接"),
    "achievement_linked": gettext_lazy("关联成果"),
    "achievement_unlinked": gettext_lazy("取消关联成果"),
    "brokers_changed": gettext_lazy("调整经纪人"),
}


class LedgerFilterForm(forms.Form):
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(required=False, choices=[("", ""), *RewardStatus.choices])
    broker = forms.IntegerField(required=False, min_value=1)


class PayForm(forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("发放日期"))
    reference = forms.CharField(label=gettext_lazy("付款凭证号"), max_length=100)


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
    user = request.user
    assert isinstance(user, User)
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    context = deal_views.deal_page_context(request, deal)
    context.update(_contract_panel(user, deal, *context["stashed"]))
    context.update({"reward": _reward_for_deal(user, deal.pk), "history": _history_rows(deal)})
    return render(request, "deals/deal_detail.html", context)


def _contract_panel(user: User, deal: Deal, stashed: str, data: dict[str, str]) -> dict[str, Any]:
    """The contract panel: the contract, its PDF, and the next step this user may take on it."""
    contract = contract_for_deal(deal.pk)
    may_act = deal.state not in (
        DealState.REGISTERED,
        DealState.LOST,
    ) and contract_services.can_act(deal=deal, user=user)
    panel: dict[str, Any] = {
        "contract": contract,
        "contract_pdf": latest_ready_document(contract) if contract else None,
        "contract_document": documents_for_contract(contract).first() if contract else None,
        "contract_may_act": may_act,
    }
    if not may_act:
        return panel
    if contract is None and deal.state == DealState.AGREEMENT:
        form = (
            ContractDraftForm(data)
            if stashed == "contract"
            else ContractDraftForm(initial=ContractDraftForm.initial_for(deal))
        )
        if form.is_bound:
            form.is_valid()
        panel.update(
            {"contract_form": form, "a_rows": form.party_rows("a"), "b_rows": form.party_rows("b")}
        )
    elif contract is not None and contract.status == ContractStatus.DRAFT:
        panel["sign_form"] = SignForm(
            data if stashed == "sign" else None, initial={"signed_on": timezone.localdate()}
        )
    elif contract is not None and contract.status == ContractStatus.SIGNED:
        registration = RegistrationForm(data if stashed == "registration" else None)
        if registration.is_bound:
            registration.is_valid()
        panel["registration_form"] = registration
    return panel


def _contract_action(
    request: HttpRequest, deal_id: int, form: forms.Form, name: str, act: Any, done: str
) -> HttpResponseRedirect:
    """Validate the form, call the contracts service, say what happened, back to the deal page."""
    if not form.is_valid():
        deal_views.stash_form(request, deal_id, name)
        messages.error(request, _("未保存，请检查合同表单。"))
    else:
        try:
            act(form)
        except DomainError as exc:
            deal_views.stash_form(request, deal_id, name)
            deal_views.report_domain_error(request, exc)
        else:
            messages.success(request, done)
    return redirect(reverse("deal-detail", args=[deal_id]) + "#contract")


@login_required
@require_POST
def contract_draft(request: HttpRequest, deal_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    deal = deal_get_for_user(user=user, deal_id=deal_id)

    def act(form: ContractDraftForm) -> None:
        contract_services.contract_create(deal=deal, actor=user, **form.service_fields())

    return _contract_action(
        request, deal.pk, ContractDraftForm(request.POST), "contract", act, _("合同草稿已保存。")
    )


@login_required
@require_POST
def contract_sign(request: HttpRequest, contract_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    contract = contract_get_for_user(user=user, contract_id=contract_id)

    def act(form: SignForm) -> None:
        contract_services.contract_sign(
            contract=contract, actor=user, signed_on=form.cleaned_data["signed_on"]
        )

    done = _("合同已签署，正式文本 PDF 正在生成。")
    return _contract_action(request, contract.deal_id, SignForm(request.POST), "sign", act, done)


@login_required
@require_POST
def contract_pdf(request: HttpRequest, contract_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    contract = contract_get_for_user(user=user, contract_id=contract_id)

    def act(form: forms.Form) -> None:
        contract_services.document_request(contract=contract, actor=user)

    done = _("已请求生成合同 PDF。")
    return _contract_action(request, contract.deal_id, forms.Form({}), "pdf", act, done)


@login_required
@require_POST
def contract_registration(request: HttpRequest, contract_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    contract = contract_get_for_user(user=user, contract_id=contract_id)

    def act(form: RegistrationForm) -> None:
        contract_services.registration_record(contract=contract, actor=user, **form.cleaned_data)

    form = RegistrationForm(request.POST)
    done = _("已录入合同登记；现在可以申请“登记完成”。")
    return _contract_action(request, contract.deal_id, form, "registration", act, done)


def _reward_for_deal(user: User, deal_id: int) -> Reward | None:
    reward = rewards_visible_to(user).filter(deal_id=deal_id).first()
    if reward is not None:
        reward.explanation_lines = explanation_text(reward.explanation)  # type: ignore[attr-defined]
    return reward


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """Finance's reward ledger: every visible reward with its explanation, approve and pay."""
    user = request.user
    assert isinstance(user, User)
    form = LedgerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rewards = rewards_filtered(
        rewards_visible_to(user),
        year=filters.get("year"),
        status=filters.get("status") or None,
        broker_id=filters.get("broker"),
    ).order_by("-registered_on", "-id")
    totals: dict[str, dict[str, Any]] = {
        row["status"]: dict(row)
        for row in rewards.order_by().values("status").annotate(n=Count("id"), total=Sum("amount"))
    }
    page = Paginator(rewards, 50).get_page(request.GET.get("page"))
    for reward in page.object_list:
        reward.may_approve = may_approve_reward(user, reward)  # type: ignore[attr-defined]
        reward.may_pay = may_pay_reward(user, reward)  # type: ignore[attr-defined]
        reward.four_eyes = held_by_four_eyes(user, reward)  # type: ignore[attr-defined]
        reward.explanation_lines = explanation_text(reward.explanation)  # type: ignore[attr-defined]
    export_year = filters.get("year") or timezone.localdate().year
    return render(
        request,
        "pages/ledger.html",
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
            "may_export": may_export_ledger(user),
            "today": timezone.localdate(),
        },
    )


def _reward_action(request: HttpRequest, reward_id: int, action: str) -> HttpResponseRedirect:
    user = request.user
    assert isinstance(user, User)
    reward = reward_get_for_user(user=user, reward_id=reward_id)
    try:
        if action == "approve":
            reward_approve(reward_id=reward.pk, actor=user, comment=request.POST.get("comment", ""))
            messages.success(request, _("已审核奖励：%(deal)s。") % {"deal": reward.deal.title})
        else:
            pay = PayForm(request.POST)
            if not pay.is_valid():
                for field_errors in pay.errors.values():
                    messages.error(request, " ".join(str(e) for e in field_errors))
                return deal_views.redirect_back(request, reverse("ledger"))
            reward_pay(
                reward_id=reward.pk,
                actor=user,
                paid_on=pay.cleaned_data["paid_on"],
                reference=pay.cleaned_data["reference"],
            )
            messages.success(request, _("已登记发放：%(deal)s。") % {"deal": reward.deal.title})
    except DomainError as exc:
        deal_views.report_domain_error(request, exc)
    return deal_views.redirect_back(request, reverse("ledger"))


@login_required
@require_POST
def reward_approve_view(request: HttpRequest, reward_id: int) -> HttpResponse:
    return _reward_action(request, reward_id, "approve")


@login_required
@require_POST
def reward_pay_view(request: HttpRequest, reward_id: int) -> HttpResponse:
    return _reward_action(request, reward_id, "pay")
