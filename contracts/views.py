"""The contracts app's pages: the deal page's contract panel (a fragment the composed deal page
includes) and its actions — draft, edit the draft, sign, request the PDF, record the exchange
registration, attach files —, the contract's articles page (edit a draft's articles; a signed
contract's through a new version) and the attachment downloads.

Each action validates its form, calls contracts.services and goes back to the form on the page
(an anchor). A form that fails comes back with every error next to its field, in words, and with
what the user typed; the message (failure or success) is shown at the form, not at the page top.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from brokers.models import User
from brokers.requests import AuthedHttpRequest
from common.exceptions import DomainError
from common.files import BadUpload, private_file_response
from common.pages import (
    bind,
    login_required,
    panel_tags,
    report_domain_error,
    report_invalid_form,
    stash_form,
    stashed_errors,
)
from contracts import permissions, services
from contracts.forms import (
    AttachmentForm,
    AttachmentRemoveForm,
    ClausesForm,
    ContractDraftForm,
    RegistrationForm,
    SignForm,
    clause_field_name,
)
from contracts.models import AttachmentKind, Contract, ContractStatus
from contracts.selectors import (
    attachment_get_for_user,
    attachments_for_contract,
    contract_for_deal,
    contract_get_for_user,
    contract_versions,
    documents_for_contract,
    latest_ready_document,
)
from deals.models import TERMINAL_STATES, Deal, DealState
from deals.selectors import deal_get_for_user

# Where each form sits on the deal page (the anchor a redirect lands on).
ANCHORS = {
    "contract": "contract-form",
    "contract-edit": "contract-edit",
    "sign": "sign-form",
    "registration": "registration-form",
    "attachment": "contract-attachments",
    "attachment-remove": "contract-attachments",
    "pdf": "contract",
}
# A service names the field it refuses ("signed_on: …", "party_a.name: …"); the page shows the
# message, without that name, next to the form's field.
FIELD_PREFIX = re.compile(r"^([a-z_]+(?:\.[a-z_]+|\[\d+\](?:\.[a-z_]+)?)*): (.+)$", re.DOTALL)
SERVICE_TO_FORM = {
    "contract_type": "kind",
    "subtype": "kind",
    "patent": "patent_number",
    "patent.number": "patent_number",
    "patent.title": "patent_title",
    "party_a": "a_name",
    "party_b": "b_name",
    # The schedule's totals are shown at the payment mode, just above its rows.
    "payment_schedule": "payment_mode",
}
SCHEDULE_ROW = re.compile(r"^payment_schedule\[(\d+)\]\.(due_on|amount|note)$")


def form_errors(exc: DomainError, form: forms.Form, file_field: str = "") -> dict[str, list[str]]:
    """The service's refusal as {form field: [message]}; "__all__" when no field is named."""
    if isinstance(exc, BadUpload) and file_field:
        return {file_field: [exc.message]}
    match = FIELD_PREFIX.match(exc.message)
    if match is None:
        return {"__all__": [exc.message, *exc.blockers]}
    name, text = match.groups()
    field = SERVICE_TO_FORM.get(name)
    if field is None and name.startswith(("party_a.", "party_b.")):
        field = f"{name[6]}_{name.split('.', 1)[1]}"
    if field is None and name.startswith("clauses."):
        field = clause_field_name(name.split(".", 1)[1])
    if field is None and (row := SCHEDULE_ROW.match(name)):
        field = f"s{row.group(1)}_{row.group(2)}"
    field = field or name
    return {field if field in form.fields else "__all__": [text]}


def contract_panel(user: User, deal: Deal, stashed: str, data: dict[str, Any]) -> dict[str, Any]:
    """The deal page's contract panel: the contract, its PDF, its attachments and the next step
    this user may take on it (with the form that failed last time, `stashed`, bound to what the
    user typed and showing its errors)."""
    contract = contract_for_deal(deal.pk)
    open_deal = deal.state not in TERMINAL_STATES
    errors = stashed_errors(data)
    panel: dict[str, Any] = {
        "contract": contract,
        "contract_pdf": latest_ready_document(contract) if contract else None,
        "contract_document": documents_for_contract(contract).first() if contract else None,
        "contract_attachments": list(attachments_for_contract(contract)) if contract else [],
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
            bind(ContractDraftForm(data), errors)
            if stashed == "contract"
            else ContractDraftForm(initial=ContractDraftForm.initial_for(deal))
        )
        panel.update(
            {"contract_form": form, "a_rows": form.party_rows("a"), "b_rows": form.party_rows("b")}
        )
        return panel
    if contract is None:
        return panel
    if contract.status == ContractStatus.DRAFT and permissions.may_edit_contract(user, deal):
        edit = (
            bind(ContractDraftForm(data), errors)
            if stashed == "contract-edit"
            else ContractDraftForm(initial=ContractDraftForm.initial_from(contract))
        )
        panel.update(
            {
                "edit_form": edit,
                "edit_a_rows": edit.party_rows("a"),
                "edit_b_rows": edit.party_rows("b"),
            }
        )
    if contract.status == ContractStatus.DRAFT and permissions.may_sign_contract(user, deal):
        panel["sign_form"] = (
            bind(SignForm(data), errors)
            if stashed == "sign"
            else SignForm(initial={"signed_on": timezone.localdate()})
        )
    if contract.status == ContractStatus.SIGNED and permissions.may_register(user, deal):
        panel["registration_form"] = (
            bind(RegistrationForm(data), errors)
            if stashed == "registration"
            else RegistrationForm()
        )
    if permissions.may_attach(user, deal):
        # A wrong file comes off a draft, or off a cancelled registration (services say so too).
        for attachment in panel["contract_attachments"]:
            if contract.status == ContractStatus.DRAFT or (
                attachment.registration_id is not None and not attachment.registration.is_active
            ):
                bound = stashed == "attachment-remove" and data.get("attachment") == str(
                    attachment.pk
                )
                attachment.remove_form = (
                    bind(AttachmentRemoveForm(data, attachment_id=attachment.pk), errors)
                    if bound
                    else AttachmentRemoveForm(
                        initial={"attachment": attachment.pk}, attachment_id=attachment.pk
                    )
                )
    if contract.status != ContractStatus.CANCELLED and permissions.may_attach(user, deal):
        default_kind = (
            AttachmentKind.OTHER
            if contract.status == ContractStatus.DRAFT
            else AttachmentKind.REGISTRATION_CERTIFICATE
            if contract.status == ContractStatus.REGISTERED
            else AttachmentKind.SIGNED_SCAN
        )
        panel["attachment_form"] = (
            bind(AttachmentForm(data), errors)
            if stashed == "attachment"
            else AttachmentForm(initial={"kind": default_kind})
        )
    return panel


def _contract_action(
    request: HttpRequest,
    deal_id: int,
    form: forms.Form,
    name: str,
    act: Callable[[Any], object],
    done: str,
    file_field: str = "",
) -> HttpResponseRedirect:
    """Validate the form, call the contracts service, say what happened at the form, back to the
    deal page at that form."""
    deal_page = reverse("deal-detail", args=[deal_id])
    tags = panel_tags(name)
    if not form.is_valid():
        # File fields are not kept across the redirect: their errors travel with the data.
        kept = {f: [str(m) for m in e] for f, e in form.errors.items() if f == file_field}
        stash_form(request, deal_page, name, errors=kept)
        report_invalid_form(request, form, name)
    else:
        try:
            act(form)
        except DomainError as exc:
            errors = form_errors(exc, form, file_field)
            stash_form(request, deal_page, name, errors=errors)
            if name == "attachment-remove" and "__all__" in errors:
                # A file that must stay has no removal form to show why: the word says it.
                report_domain_error(request, exc, panel=name)
            else:
                messages.error(request, _("未保存：请按标红处的提示修改。"), extra_tags=tags)
        else:
            # Most forms are gone once done (the draft became a contract, signed, registered):
            # the word goes to the top of the contract panel; the upload form stays.
            where = "attachment" if name.startswith("attachment") else "done"
            messages.success(request, done, extra_tags=panel_tags(where))
            return redirect(deal_page + "#" + ANCHORS.get(where, "contract"))
    return redirect(deal_page + "#" + ANCHORS.get(name, "contract"))


@login_required
@require_POST
def contract_draft(request: AuthedHttpRequest, deal_id: int) -> HttpResponse:
    user = request.user
    deal = deal_get_for_user(user=user, deal_id=deal_id)

    def act(form: ContractDraftForm) -> None:
        services.contract_create(deal=deal, actor=user, **form.service_fields())

    done = _("合同草稿已保存：各条款已按范本填好，可在“合同条款”中逐条修改。")
    return _contract_action(
        request, deal.pk, ContractDraftForm(request.POST), "contract", act, done
    )


@login_required
@require_POST
def contract_edit(request: AuthedHttpRequest, contract_id: int) -> HttpResponse:
    user = request.user
    contract = contract_get_for_user(user=user, contract_id=contract_id)

    def act(form: ContractDraftForm) -> None:
        services.contract_update(contract=contract, actor=user, **form.service_changes(contract))

    done = _("合同草稿已修改；未改动过的条款已按新的内容重新填写。")
    return _contract_action(
        request, contract.deal_id, ContractDraftForm(request.POST), "contract-edit", act, done
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
        services.registration_record(contract=contract, actor=user, **form.service_fields())

    form = RegistrationForm(request.POST, request.FILES)
    done = _("已录入合同登记；现在可以申请“登记完成”。")
    return _contract_action(
        request, contract.deal_id, form, "registration", act, done, file_field="certificate"
    )


@login_required
@require_POST
def contract_attachment_upload(request: AuthedHttpRequest, contract_id: int) -> HttpResponse:
    user = request.user
    contract = contract_get_for_user(user=user, contract_id=contract_id)

    def act(form: AttachmentForm) -> None:
        services.attachment_add(contract=contract, actor=user, **form.cleaned_data)

    form = AttachmentForm(request.POST, request.FILES)
    return _contract_action(
        request, contract.deal_id, form, "attachment", act, _("附件已上传。"), file_field="file"
    )


@login_required
@require_POST
def contract_attachment_remove(request: AuthedHttpRequest, attachment_id: int) -> HttpResponse:
    user = request.user
    attachment = attachment_get_for_user(user=user, attachment_id=attachment_id)

    def act(form: AttachmentRemoveForm) -> None:
        services.attachment_remove(
            attachment=attachment, actor=user, reason=form.cleaned_data["reason"]
        )

    form = AttachmentRemoveForm(request.POST, attachment_id=attachment.pk)
    done = _("已删除附件“%(name)s”，删除原因已记入项目历史。") % {"name": attachment.filename}
    return _contract_action(
        request, attachment.contract.deal_id, form, "attachment-remove", act, done
    )


@login_required
def contract_attachment_download(
    request: AuthedHttpRequest, attachment_id: int
) -> HttpResponseBase:
    attachment = attachment_get_for_user(user=request.user, attachment_id=attachment_id)
    return private_file_response(
        attachment.file, filename=attachment.filename, content_type=attachment.content_type
    )


@login_required
def contract_clauses(request: AuthedHttpRequest, contract_id: int) -> HttpResponse:
    """The contract's articles: a draft's are edited here; a signed contract's change through a
    new version (with a reason); a registered or cancelled one is read only."""
    user = request.user
    contract: Contract = contract_get_for_user(user=user, contract_id=contract_id)
    deal = contract.deal
    may_edit = (
        deal.state not in TERMINAL_STATES
        and contract.is_current
        and contract.status in (ContractStatus.DRAFT, ContractStatus.SIGNED)
        and permissions.may_edit_contract(user, deal)
    )
    status = 200
    form = ClausesForm(contract=contract)
    if request.method == "POST" and may_edit:
        form = ClausesForm(request.POST, contract=contract)
        if form.is_valid():
            changed = form.changed_clauses()
            try:
                if form.new_version:
                    new = services.contract_new_version(
                        contract=contract,
                        actor=user,
                        reason=form.cleaned_data["reason"],
                        clauses=changed,
                    )
                    messages.success(
                        request,
                        _("已创建新版本 %(number)s（草稿）；原签署版本保留不变。")
                        % {"number": new.number},
                        extra_tags=panel_tags("clauses"),
                    )
                    return redirect(reverse("contract-clauses", args=[new.pk]) + "#clauses")
                if changed:
                    services.contract_update(
                        contract=contract,
                        actor=user,
                        reason=gettext_noop("修改合同条款"),
                        clauses=changed,
                    )
                messages.success(
                    request,
                    ngettext(
                        "已保存 %(n)d 条条款；重新生成 PDF 即可看到新文本。",
                        "已保存 %(n)d 条条款；重新生成 PDF 即可看到新文本。",
                        len(changed),
                    )
                    % {"n": len(changed)},
                    extra_tags=panel_tags("clauses"),
                )
                return redirect(reverse("contract-clauses", args=[contract.pk]) + "#clauses")
            except DomainError as exc:
                for field, errs in form_errors(exc, form).items():
                    for err in errs:
                        form.add_error(None if field == "__all__" else field, err)
        status = 400
    elif request.method == "POST":
        status = 403
        messages.error(request, _("该合同当前不能修改。"), extra_tags=panel_tags("clauses"))
    return render(
        request,
        "contracts/contract_clauses.html",
        {
            "contract": contract,
            "deal": deal,
            "form": form,
            "articles": form.articles(),
            "may_edit": may_edit,
            "versions": contract_versions(contract),
            "pdf": latest_ready_document(contract),
        },
        status=status,
    )
