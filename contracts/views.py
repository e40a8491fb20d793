"""The contracts app's pages: the deal page's contract panel (a fragment the composed deal page
includes) and its actions: draft, sign, request the PDF, record the exchange registration.

Each action validates its form, calls contracts.services and goes back to the deal page; a form
that fails or a refused action comes back with its errors and what the user typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brokers.models import User
from brokers.requests import AuthedHttpRequest
from common.exceptions import DomainError
from common.pages import report_domain_error, stash_form
from contracts import permissions, services
from contracts.forms import ContractDraftForm, RegistrationForm, SignForm
from contracts.models import ContractStatus
from contracts.selectors import (
    contract_for_deal,
    contract_get_for_user,
    documents_for_contract,
    latest_ready_document,
)
from deals.models import TERMINAL_STATES, Deal, DealState
from deals.selectors import deal_get_for_user


def contract_panel(user: User, deal: Deal, stashed: str, data: dict[str, str]) -> dict[str, Any]:
    """The deal page's contract panel: the contract, its PDF, and the next step this user may take
    on it (with the form that failed last time, `stashed`, bound to what the user typed)."""
    contract = contract_for_deal(deal.pk)
    open_deal = deal.state not in TERMINAL_STATES
    panel: dict[str, Any] = {
        "contract": contract,
        "contract_pdf": latest_ready_document(contract) if contract else None,
        "contract_document": documents_for_contract(contract).first() if contract else None,
        # The "generate PDF" button.
        "contract_may_act": open_deal and permissions.may_request_document(user, deal),
    }
    if not open_deal:
        return panel
    if (
        contract is None
        and deal.state == DealState.AGREEMENT
        and permissions.may_draft_contract(user, deal)
    ):
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
    elif (
        contract is not None
        and contract.status == ContractStatus.DRAFT
        and permissions.may_sign_contract(user, deal)
    ):
        panel["sign_form"] = SignForm(
            data if stashed == "sign" else None, initial={"signed_on": timezone.localdate()}
        )
    elif (
        contract is not None
        and contract.status == ContractStatus.SIGNED
        and permissions.may_register(user, deal)
    ):
        registration = RegistrationForm(data if stashed == "registration" else None)
        if registration.is_bound:
            registration.is_valid()
        panel["registration_form"] = registration
    return panel


def _contract_action(
    request: HttpRequest,
    deal_id: int,
    form: forms.Form,
    name: str,
    act: Callable[[Any], object],
    done: str,
) -> HttpResponseRedirect:
    """Validate the form, call the contracts service, say what happened, back to the deal page."""
    deal_page = reverse("deal-detail", args=[deal_id])
    if not form.is_valid():
        stash_form(request, deal_page, name)
        messages.error(request, _("未保存，请检查合同表单。"))
    else:
        try:
            act(form)
        except DomainError as exc:
            stash_form(request, deal_page, name)
            report_domain_error(request, exc)
        else:
            messages.success(request, done)
    return redirect(deal_page + "#contract")


@login_required
@require_POST
def contract_draft(request: AuthedHttpRequest, deal_id: int) -> HttpResponse:
    user = request.user
    deal = deal_get_for_user(user=user, deal_id=deal_id)

    def act(form: ContractDraftForm) -> None:
        services.contract_create(deal=deal, actor=user, **form.service_fields())

    return _contract_action(
        request, deal.pk, ContractDraftForm(request.POST), "contract", act, _("合同草稿已保存。")
    )


@login_required
@require_POST
def contract_sign(request: AuthedHttpRequest, contract_id: int) -> HttpResponse:
    user = request.user
    contract = contract_get_for_user(user=user, contract_id=contract_id)

    def act(form: SignForm) -> None:
        services.contract_sign(
            contract=contract, actor=user, signed_on=form.cleaned_data["signed_on"]
        )

    done = _("合同已签署，正式文本 PDF 正在生成。")
    return _contract_action(request, contract.deal_id, SignForm(request.POST), "sign", act, done)


@login_required
@require_POST
def contract_pdf(request: AuthedHttpRequest, contract_id: int) -> HttpResponse:
    user = request.user
    contract = contract_get_for_user(user=user, contract_id=contract_id)

    def act(form: forms.Form) -> None:
        services.document_request(contract=contract, actor=user)

    done = _("已请求生成合同 PDF。")
    return _contract_action(request, contract.deal_id, forms.Form({}), "pdf", act, done)


@login_required
@require_POST
def contract_registration(request: AuthedHttpRequest, contract_id: int) -> HttpResponse:
    user = request.user
    contract = contract_get_for_user(user=user, contract_id=contract_id)

    def act(form: RegistrationForm) -> None:
        services.registration_record(contract=contract, actor=user, **form.cleaned_data)

    form = RegistrationForm(request.POST)
    done = _("已录入合同登记；现在可以申请“登记完成”。")
    return _contract_action(request, contract.deal_id, form, "registration", act, done)
