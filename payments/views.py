"""The payments app's pages: the deal page's payments panel (a fragment the composed deal page
includes: scheduled against received, the payments, the record and reverse forms) and its two
actions. Recording shows the figures once more for confirmation (money is recorded with it, and
it feeds rewards) before it calls the service; a refusal comes back next to its field, with what
the user typed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brokers.models import User
from brokers.requests import AuthedHttpRequest
from common.exceptions import DomainError
from common.pages import login_required, panel_tags, report_domain_error
from contracts.models import Contract
from contracts.selectors import contract_for_deal, contract_get_for_user
from deals.models import Deal, DealState
from payments import permissions, selectors, services
from payments.forms import FIELD_OF_CODE, PaymentForm, ReverseForm, ScanForm, field_message
from payments.models import Payment

ERROR_FIELD = "_error_field"
ERROR_TEXT = "_error"


# Messages of the payments forms are shown in the payments panel (where the action was).
PANEL = panel_tags("payments")


def _takes_payments(contract: Contract, deal: Deal) -> bool:
    return (
        contract.status in services.TAKES_PAYMENTS
        and contract.is_current
        and deal.state != DealState.LOST
    )


def _bound(form_class: type[Any], data: dict[str, str], **kwargs: Any) -> Any:
    """A form bound to what the user typed, with its errors and the service's refusal (kept
    with the data across the redirect) next to its field."""
    form = form_class(data, **kwargs)
    form.is_valid()
    field = data.get(ERROR_FIELD)
    if field:
        form.add_error(field if field in form.fields else None, data.get(ERROR_TEXT, ""))
    return form


def payments_panel(user: User, deal: Deal, stashed: str, data: dict[str, str]) -> dict[str, Any]:
    """The deal page's payments panel, once the deal has a signed contract (or payments)."""
    contract = contract_for_deal(deal.pk)
    payments = list(selectors.payments_for_deal(deal.pk))
    if contract is None or (contract.status not in services.TAKES_PAYMENTS and not payments):
        return {"payments_panel": None}
    received = sum((p.amount for p in payments if not p.is_reversed), selectors.ZERO)
    today = timezone.localdate()
    may_reverse = permissions.may_reverse_payment(user, deal)
    rows = []
    for payment in payments:
        form = None
        if may_reverse and not payment.is_reversed:
            key = f"reverse:{payment.pk}"
            form = (
                _bound(ReverseForm, data, payment_id=payment.pk)
                if stashed == key
                else ReverseForm(payment_id=payment.pk)
            )
        rows.append({"payment": payment, "reverse_form": form})
    panel: dict[str, Any] = {
        "contract": contract,
        "summary": selectors.schedule_status(contract, received=received, today=today),
        "rows": rows,
        "form": None,
    }
    if permissions.may_record_payment(user, deal) and _takes_payments(contract, deal):
        panel["form"] = (
            _bound(PaymentForm, data)
            if stashed == "payment"
            else PaymentForm(initial={"received_on": today})
        )
    return {"payments_panel": panel}


def _back(
    request: HttpRequest, deal_id: int, name: str = "", error: DomainError | None = None
) -> HttpResponseRedirect:
    """Back to the deal page's payments panel; with `name`, the form the user filled in is kept
    (with the refusal next to its field)."""
    page = reverse("deal-detail", args=[deal_id])
    if name:
        data = {
            k: v
            for k, v in request.POST.items()
            if k not in ("csrfmiddlewaretoken", "confirmed", ERROR_FIELD, ERROR_TEXT)
        }
        if error is not None:
            field = FIELD_OF_CODE.get(error.code, "")
            data[ERROR_FIELD] = field or "__all__"
            data[ERROR_TEXT] = field_message(error.message, field) if field else error.message
        request.session[f"stashed-form:{page}"] = {"name": name, "data": data}
    return redirect(page + "#payments")


def _confirm(
    request: HttpRequest,
    contract: Contract,
    form: PaymentForm,
    scan_form: ScanForm,
    status: int = 200,
) -> HttpResponse:
    received = selectors.received_total(contract.deal_id)
    amount = form.cleaned_data["amount"]
    return render(
        request,
        "payments/confirm.html",
        {
            "contract": contract,
            "form": form,
            "scan_form": scan_form,
            "received": received,
            "after": received + amount,
            "left": contract.amount - received - amount,
        },
        status=status,
    )


@login_required
@require_POST
def payment_record(request: AuthedHttpRequest, contract_id: int) -> HttpResponse:
    user = request.user
    contract = contract_get_for_user(user=user, contract_id=contract_id)
    deal_id = contract.deal_id
    # Who asks comes first: someone who may not record sees why, not form errors.
    try:
        permissions.may_record_payment.require(user, contract.deal)
    except DomainError as exc:
        report_domain_error(request, exc)
        return _back(request, deal_id)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未录入，请检查到账表单。"), extra_tags=PANEL)
        return _back(request, deal_id, "payment")
    scan_form = ScanForm(request.POST, request.FILES)
    if request.POST.get("confirmed") != "1" or not scan_form.is_valid():
        return _confirm(request, contract, form, ScanForm())
    try:
        services.payment_record(
            contract=contract,
            actor=user,
            scan=scan_form.cleaned_data.get("scan"),
            **form.cleaned_data,
        )
    except DomainError as exc:
        if exc.code == "invalid_scan":
            scan_form.add_error("scan", field_message(exc.message, "scan"))
            return _confirm(request, contract, form, scan_form, status=400)
        messages.error(request, _("未录入：请按表单中的提示修改。"), extra_tags=PANEL)
        return _back(request, deal_id, "payment", exc)
    messages.success(
        request,
        _("已录入到账 %(amount)s 元。") % {"amount": f"{form.cleaned_data['amount']:,.2f}"},
        extra_tags=PANEL,
    )
    return _back(request, deal_id)


@login_required
@require_POST
def payment_reverse(request: AuthedHttpRequest, payment_id: int) -> HttpResponse:
    user = request.user
    payment: Payment = selectors.payment_get_for_user(user=user, payment_id=payment_id)
    deal_id = payment.deal_id
    name = f"reverse:{payment.pk}"
    form = ReverseForm(request.POST, payment_id=payment.pk)
    try:
        permissions.may_reverse_payment.require(user, payment.deal)
        if not form.is_valid():
            messages.error(request, _("未冲销：请填写冲销原因。"), extra_tags=PANEL)
            return _back(request, deal_id, name)
        services.payment_reverse(payment=payment, actor=user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        if exc.code == "permission_denied":
            report_domain_error(request, exc)
            return _back(request, deal_id)
        messages.error(request, _("未冲销：请按表单中的提示修改。"), extra_tags=PANEL)
        return _back(request, deal_id, name, exc)
    messages.success(
        request,
        _("已冲销到账 %(amount)s 元。") % {"amount": f"{payment.amount:,.2f}"},
        extra_tags=PANEL,
    )
    return _back(request, deal_id)
