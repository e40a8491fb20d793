"""Writes of contracts. Each is one action with an acting user and a recorded reason.

Who may act on a deal's contract is decided in `contracts.permissions`.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from brokers.models import BrokerProfile, User
from brokers.regions import region_name
from common.exceptions import Conflict, ValidationFailed
from common.files import PDF_AND_IMAGES, CheckedFile, check_upload
from common.history import stamp
from common.tasks import enqueue_on_commit
from contracts import permissions
from contracts import validation as v
from contracts.clause_texts import clause_defaults
from contracts.clauses import clause_keys
from contracts.models import (
    AttachmentKind,
    Contract,
    ContractAttachment,
    ContractDocument,
    ContractStatus,
    DocumentStatus,
    ExchangeRegistration,
    PaymentMode,
)
from contracts.signals import registration_cancelled
from deals.models import TERMINAL_STATES, Deal
from deals.services import deal_registration_cancelled

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = (
    "contract_type",
    "subtype",
    "title",
    "subject",
    "party_a",
    "party_b",
    "amount",
    "technology_amount",
    "payment_mode",
    "payment_terms",
    "payment_schedule",
    "clauses",
    "patent",
    "sign_place",
    "valid_from",
    "valid_to",
)


class ContractLocked(Conflict):
    code = "contract_signed"


def intermediary_block(deal: Deal) -> dict[str, str]:
    """The broker as intermediary (中介方): the deal's organisation and its lead broker."""
    lead = deal.lead_broker
    profile = BrokerProfile.objects.filter(user_id=lead.pk).first()
    organisation = deal.organisation
    return {
        "organisation": organisation.name,
        "region": region_name(organisation.region) if organisation.region else "",
        "broker": str(lead),
        "certificate_number": profile.certificate_number if profile else "",
    }


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate the full set of a contract's editable fields; returns them normalised."""
    out: dict[str, Any] = {}
    out["contract_type"], out["subtype"] = v.type_and_subtype(
        fields.get("contract_type"), fields.get("subtype")
    )
    out["title"] = v.text(fields.get("title"), "title", max_length=200)
    out["subject"] = v.text(fields.get("subject"), "subject", max_length=200, required=False)
    out["party_a"] = v.party(fields.get("party_a"), "party_a")
    out["party_b"] = v.party(fields.get("party_b"), "party_b")
    out["amount"] = v.money(fields.get("amount"), "amount")
    out["technology_amount"] = v.money(fields.get("technology_amount"), "technology_amount")
    v.amounts(out["amount"], out["technology_amount"])
    out["payment_mode"], out["payment_schedule"] = v.payment(
        fields.get("payment_mode") or PaymentMode.LUMP_SUM,
        fields.get("payment_schedule"),
        out["amount"],
    )
    out["payment_terms"] = v.text(
        fields.get("payment_terms"), "payment_terms", max_length=5000, required=False
    )
    out["patent"] = v.patent(fields.get("patent"))
    out["sign_place"] = v.text(fields.get("sign_place"), "sign_place", max_length=200)
    out["valid_from"] = v.date(fields.get("valid_from"), "valid_from")
    out["valid_to"] = v.date(fields.get("valid_to"), "valid_to")
    v.validity(out["valid_from"], out["valid_to"])
    return out


def _subject_for(deal: Deal, patent: dict[str, str]) -> str:
    """The contract's subject when the user names none: the patent, else the deal's achievement
    (the one with that patent number, else the first linked), else nothing (the title stands)."""
    from deals.models import DealAchievement

    if patent.get("title"):
        return patent["title"]
    links = DealAchievement.objects.filter(deal=deal).select_related("achievement").order_by("id")
    achievements = [link.achievement for link in links]
    number = patent.get("number")
    chosen = next((a for a in achievements if number and a.patent_number == number), None)
    chosen = chosen or (achievements[0] if achievements else None)
    return chosen.title if chosen else ""


def _merge_clauses(
    *,
    draft: Contract,
    given: dict[str, str | None],
    stored: dict[str, str],
    stored_defaults: dict[str, str],
) -> dict[str, str]:
    """The articles of `draft` (its other fields already set): what the user gives wins (None:
    back to the model text); an article the user edited before stays as edited; every other one
    is the model text filled with the draft's facts, so it follows changed amounts or dates."""
    defaults = clause_defaults(draft)
    out: dict[str, str] = {}
    for key in clause_keys(draft.contract_type):
        if key in given:
            value = given[key]
            out[key] = defaults[key] if value is None else value
        elif key in stored and stored[key] != stored_defaults.get(key):
            out[key] = stored[key]
        else:
            out[key] = defaults[key]
    return out


def _contract_number(deal: Deal, version: int) -> str:
    base = f"JSHT{timezone.localdate():%Y}{deal.pk:06d}"
    return base if version == 1 else f"{base}-V{version}"


def _lock_contract(contract_id: int) -> Contract:
    return Contract.objects.select_for_update().select_related("deal").get(pk=contract_id)


# --- drafting -----------------------------------------------------------------------------------


@transaction.atomic
def contract_create(*, deal: Deal, actor: User, **fields: Any) -> Contract:
    """Draft the deal's contract. A deal has one current contract; change a signed one by a new
    version (`contract_new_version`), not by a second draft."""
    deal = (
        Deal.objects.select_for_update()
        .select_related("organisation", "lead_broker")
        .get(pk=deal.pk)
    )
    permissions.may_draft_contract.require(actor, deal)
    if deal.state in TERMINAL_STATES:
        raise Conflict(_("项目已结束，不能再起草合同。"), code="deal_closed")
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(_("未知字段：%(f)s。") % {"f": _("、").join(unknown)})
    if Contract.objects.filter(deal=deal, is_current=True).exists():
        raise Conflict(
            _("本项目已有合同：请修改现有草稿，或对已签署的合同创建新版本。"),
            code="contract_exists",
        )
    cleaned = _clean(fields)
    given = v.clauses(fields.get("clauses"), cleaned["contract_type"])
    if not cleaned["subject"]:
        cleaned["subject"] = _subject_for(deal, cleaned["patent"])
    last = Contract.objects.filter(deal=deal).aggregate(m=Max("version"))["m"] or 0
    contract = Contract(
        deal=deal,
        version=last + 1,
        number=_contract_number(deal, last + 1),
        intermediary=intermediary_block(deal),
        created_by=actor,
        **cleaned,
    )
    contract.clauses = _merge_clauses(draft=contract, given=given, stored={}, stored_defaults={})
    stamp(contract, actor, gettext_noop("起草合同"))
    contract.save()
    return contract


def contract_assert_editable(contract: Contract) -> None:
    if not contract.is_editable:
        raise ContractLocked(
            _("合同当前状态为“%(status)s”，不能再修改；如需变更，请创建新版本。")
            % {"status": ContractStatus(contract.status).label},
            blockers=[_("已签署的合同只能以新版本变更。")],
        )


@transaction.atomic
def contract_update(
    *, contract: Contract, actor: User, reason: str = gettext_noop("修改合同草稿"), **fields: Any
) -> Contract:
    contract = _lock_contract(contract.pk)
    permissions.may_edit_contract.require(actor, contract.deal)
    contract_assert_editable(contract)
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(_("未知字段：%(f)s。") % {"f": _("、").join(unknown)})
    merged = {key: getattr(contract, key) for key in EDITABLE_FIELDS}
    merged.update(fields)
    cleaned = _clean(merged)
    given = v.clauses(fields.get("clauses"), cleaned["contract_type"])
    stored, stored_defaults = dict(contract.clauses or {}), clause_defaults(contract)
    intermediary = intermediary_block(contract.deal)
    before = {key: getattr(contract, key) for key in (*EDITABLE_FIELDS, "intermediary")}
    for key, value in cleaned.items():
        setattr(contract, key, value)
    contract.intermediary = intermediary
    contract.clauses = _merge_clauses(
        draft=contract, given=given, stored=stored, stored_defaults=stored_defaults
    )
    if all(getattr(contract, key) == value for key, value in before.items()):
        return contract  # a no-op save would write an empty history row
    contract.revision += 1
    stamp(contract, actor, reason)
    contract.save()
    return contract


@transaction.atomic
def contract_sign(*, contract: Contract, actor: User, signed_on: Any) -> Contract:
    """Record that the parties signed; from now on the contract is immutable. The signed text's
    PDF is rendered after commit."""
    contract = _lock_contract(contract.pk)
    permissions.may_sign_contract.require(actor, contract.deal)
    if contract.status != ContractStatus.DRAFT:
        raise ContractLocked(
            _("合同当前状态为“%(status)s”，只有草稿可以签署。")
            % {"status": ContractStatus(contract.status).label},
            blockers=[],
        )
    if not contract.is_current:
        raise Conflict(_("这不是本项目的当前合同版本。"), code="not_current")
    signed = v.date(signed_on, "signed_on")
    if signed > timezone.localdate():
        raise ValidationFailed(
            _("signed_on: 签订日期不能在将来；请在双方签署后录入。"), code="invalid_signed_on"
        )
    if signed > contract.valid_to:
        raise ValidationFailed(
            _("signed_on: 签订日期（%(d)s）晚于合同有效期截止日（%(to)s）。")
            % {"d": signed, "to": contract.valid_to},
            code="invalid_signed_on",
        )
    missing = _patent_missing(contract)
    if missing:
        raise ValidationFailed(
            _("patent: 专利合同签署前请填写专利的%(fields)s。") % {"fields": _("、").join(missing)},
            code="patent_incomplete",
        )
    contract.intermediary = intermediary_block(contract.deal)
    contract.sign()
    contract.signed_on = signed
    contract.signed_by = actor
    contract.signed_at = timezone.now()
    contract.revision += 1
    stamp(contract, actor, gettext_noop("合同签署"))
    contract.save()
    document_request(contract=contract, actor=actor)
    return contract


PATENT_SUBTYPES = {
    "patent_right",
    "patent_application_right",
    "exclusive_patent",
    "sole_patent",
    "ordinary_patent",
}
# The holder, dates and validity are printed when given; number and title identify the patent.
PATENT_REQUIRED = {"number": "专利号（申请号）", "title": "名称"}


def _patent_missing(contract: Contract) -> list[str]:
    """A patent contract names its patent (the model texts' first clause); drafts may be partial."""
    if contract.subtype not in PATENT_SUBTYPES:
        return []
    patent = contract.patent or {}
    return [label for key, label in PATENT_REQUIRED.items() if not patent.get(key)]


@transaction.atomic
def contract_new_version(
    *, contract: Contract, actor: User, reason: str, **changes: Any
) -> Contract:
    """Change a signed contract: a new draft version that supersedes it. The old version stays
    signed and unchanged, with its documents; it is no longer the deal's current contract."""
    old = _lock_contract(contract.pk)
    permissions.may_edit_contract.require(actor, old.deal)
    if not (reason or "").strip():
        raise ValidationFailed(_("请说明变更原因（reason）。"), code="reason_required")
    if old.status != ContractStatus.SIGNED or not old.is_current:
        raise Conflict(
            _("只有当前的已签署合同可以创建新版本（已登记的合同请先撤销登记）。"),
            code="transition_not_allowed",
        )
    merged = {key: getattr(old, key) for key in EDITABLE_FIELDS}
    merged.update(changes)
    cleaned = _clean(merged)
    given = v.clauses(changes.get("clauses"), cleaned["contract_type"])
    old.is_current = False
    stamp(old, actor, f"被新版本取代：{reason}")
    old.save()
    last = Contract.objects.filter(deal_id=old.deal_id).aggregate(m=Max("version"))["m"] or 0
    new = Contract(
        deal=old.deal,
        version=last + 1,
        number=f"{old.number.split('-V')[0]}-V{last + 1}",
        supersedes=old,
        intermediary=intermediary_block(old.deal),
        created_by=actor,
        **cleaned,
    )
    new.clauses = _merge_clauses(
        draft=new, given=given, stored=dict(old.clauses or {}), stored_defaults=clause_defaults(old)
    )
    stamp(new, actor, reason)
    new.save()
    return new


@transaction.atomic
def contract_cancel(*, contract: Contract, actor: User, reason: str) -> Contract:
    contract = _lock_contract(contract.pk)
    permissions.may_edit_contract.require(actor, contract.deal)
    if not (reason or "").strip():
        raise ValidationFailed(_("请说明作废原因（reason）。"), code="reason_required")
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.SIGNED):
        raise Conflict(
            _("合同当前状态为“%(status)s”，不能作废（已登记的合同请先撤销登记）。")
            % {"status": ContractStatus(contract.status).label},
            code="transition_not_allowed",
        )
    contract.cancel()
    contract.is_current = False
    contract.cancel_reason = reason.strip()
    stamp(contract, actor, reason)
    contract.save()
    return contract


# --- PDF documents ------------------------------------------------------------------------------


@transaction.atomic
def document_request(*, contract: Contract, actor: User | None) -> ContractDocument:
    """Ask for the contract's PDF; rendered by a task after commit. Asking again for an unchanged
    contract returns the pending or ready document instead of rendering the same bytes twice."""
    from contracts.pdf import TEMPLATE_VERSION, template_name_for
    from contracts.tasks import render_contract_document

    contract = _lock_contract(contract.pk)
    if actor is not None:
        permissions.may_request_document.require(actor, contract.deal)
    if contract.status == ContractStatus.CANCELLED:
        raise Conflict(_("合同已作废，不能再生成文本。"), code="contract_cancelled")
    existing = (
        contract.documents.filter(
            contract_revision=contract.revision,
            template_version=TEMPLATE_VERSION,
            status__in=[DocumentStatus.PENDING, DocumentStatus.READY],
        )
        .order_by("-version")
        .first()
    )
    if existing is not None:
        return existing
    last = contract.documents.aggregate(m=Max("version"))["m"] or 0
    document = ContractDocument(
        contract=contract,
        version=last + 1,
        contract_revision=contract.revision,
        final=contract.status != ContractStatus.DRAFT,
        template_name=template_name_for(contract.contract_type),
        template_version=TEMPLATE_VERSION,
        created_by=actor,
    )
    stamp(document, actor, gettext_noop("请求生成合同文本"))
    document.save()
    document_id = document.pk
    enqueue_on_commit(render_contract_document, document_id)
    return document


def document_render(*, document_id: int) -> ContractDocument:
    """Render a pending document and store it. Idempotent: a document that is no longer pending
    is returned as it is. A failure is written on the document (status failed, the message), except
    transient database errors, which the task retries."""
    from contracts.pdf import PdfError, render_contract_pdf

    document = ContractDocument.objects.select_related("contract__deal").get(pk=document_id)
    if document.status != DocumentStatus.PENDING:
        return document
    contract = document.contract
    if contract.revision != document.contract_revision:
        # Edited after the request (a late task, a sweep after an outage): the text asked for is
        # gone, and rendering today's would put other terms under the old request's version.
        return _document_fail(document_id, _superseded_message(document, contract.revision))
    # Render outside any transaction: it takes a fraction of a second to seconds, and holding row
    # locks that long would stall the users editing the deal.
    try:
        pdf = render_contract_pdf(contract, final=document.final)
    except OperationalError:
        raise
    except PdfError as exc:
        return _document_fail(document_id, str(exc))
    except Exception as exc:
        logger.exception("contract document %s failed to render", document_id)
        return _document_fail(
            document_id,
            _("生成失败（%(kind)s）：%(msg)s") % {"kind": type(exc).__name__, "msg": exc},
        )
    digest = hashlib.sha256(pdf.data).hexdigest()
    name = f"contracts/{contract.pk}/{contract.number}-d{document.version}-{digest[:16]}.pdf"
    # A retried task finds its own file already there: same name, same bytes, keep it.
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(pdf.data))
    with transaction.atomic():
        document = ContractDocument.objects.select_for_update().get(pk=document_id)
        if document.status != DocumentStatus.PENDING:
            return document
        # Edits lock the contract row and bump its revision: one that landed while we rendered
        # means the bytes are of a revision nobody asked for.
        revision = (
            Contract.objects.select_for_update()
            .values_list("revision", flat=True)
            .get(pk=document.contract_id)
        )
        if revision != document.contract_revision:
            # Nested in this transaction, so the failure is written under the same locks.
            return _document_fail(document_id, _superseded_message(document, revision))
        document.file.name = name
        document.sha256 = digest
        document.size = len(pdf.data)
        document.pages = pdf.pages
        document.status = DocumentStatus.READY
        document.error = ""
        document.rendered_at = timezone.now()
        document.attempts += 1
        stamp(document, None, gettext_noop("合同文本已生成"))
        document.save()
    return document


def _superseded_message(document: ContractDocument, revision: int) -> str:
    return str(
        _("已作废：请求后合同已修改（修订 %(old)d → %(new)d），请重新生成合同文本。")
        % {"old": document.contract_revision, "new": revision}
    )


def _document_fail(document_id: int, message: str) -> ContractDocument:
    with transaction.atomic():
        document = ContractDocument.objects.select_for_update().get(pk=document_id)
        if document.status != DocumentStatus.PENDING:
            return document
        document.status = DocumentStatus.FAILED
        document.error = message[:5000]
        document.attempts += 1
        stamp(document, None, gettext_noop("合同文本生成失败"))
        document.save()
    logger.warning("contract document %s failed: %s", document_id, message)
    return document


# --- registration -------------------------------------------------------------------------------


@transaction.atomic
def registration_record(
    *,
    contract: Contract,
    actor: User,
    exchange: Any,
    registration_number: Any,
    registered_on: Any,
    certificate_number: Any = "",
    certificate: Any = None,
) -> ExchangeRegistration:
    """Record the office's registration of a signed contract; the contract becomes registered.
    `certificate`, an uploaded scan of the office's certificate, is kept with it."""
    contract = _lock_contract(contract.pk)
    permissions.may_register.require(actor, contract.deal)
    checked = _check_attachment(certificate) if certificate else None
    exchange = v.text(exchange, "exchange", max_length=200)
    number = v.registration_number(registration_number)
    on = v.date(registered_on, "registered_on")
    certificate = v.text(certificate_number, "certificate_number", max_length=50, required=False)
    if contract.status != ContractStatus.SIGNED or not contract.is_current:
        raise Conflict(
            _("只有当前的已签署合同可以登记（合同当前状态：%(status)s）。")
            % {"status": ContractStatus(contract.status).label},
            code="transition_not_allowed",
            blockers=[_("请先签署合同。")] if contract.status == ContractStatus.DRAFT else [],
        )
    if ExchangeRegistration.objects.filter(contract=contract).exists():
        raise Conflict(
            _("该合同版本的登记已被撤销；重新登记请创建新的合同版本。"),
            code="registration_cancelled",
        )
    if contract.signed_on is None:
        raise RuntimeError(
            "invariant: contract.signed_on is not None (a signed contract has its date (a DB constraint))"
        )
    if on < contract.signed_on:
        raise ValidationFailed(
            _("registered_on: 登记日期（%(on)s）不能早于合同签订日期（%(signed)s）。")
            % {"on": on, "signed": contract.signed_on},
            code="invalid_registered_on",
        )
    if on > timezone.localdate():
        raise ValidationFailed(
            _("registered_on: 登记日期不能在将来。"), code="invalid_registered_on"
        )
    if ExchangeRegistration.objects.filter(registration_number=number).exists():
        raise ValidationFailed(
            _("registration_number: 登记编号 %(n)s 已被另一份合同使用，请核对。") % {"n": number},
            code="registration_number_taken",
        )
    registration = ExchangeRegistration(
        contract=contract,
        exchange=exchange,
        registration_number=number,
        registered_on=on,
        certificate_number=certificate,
        recorded_by=actor,
    )
    stamp(registration, actor, gettext_noop("录入合同登记"))
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:  # a parallel recording of the same number won
        raise ValidationFailed(
            _("registration_number: 登记编号 %(n)s 已被使用。") % {"n": number},
            code="registration_number_taken",
        ) from exc
    contract.register()
    stamp(contract, actor, gettext_noop("合同已登记"))
    contract.save()
    if checked is not None:
        _attachment_save(
            contract=contract,
            actor=actor,
            kind=AttachmentKind.REGISTRATION_CERTIFICATE,
            checked=checked,
            note="",
            registration=registration,
        )
    return registration


# --- attachments --------------------------------------------------------------------------------


def _check_attachment(upload: Any) -> CheckedFile:
    return check_upload(
        upload, allowed=PDF_AND_IMAGES, max_bytes=settings.CONTRACT_ATTACHMENT_MAX_BYTES
    )


def _attachment_save(
    *,
    contract: Contract,
    actor: User,
    kind: str,
    checked: CheckedFile,
    note: str,
    registration: ExchangeRegistration | None = None,
) -> ContractAttachment:
    attachment = ContractAttachment(
        contract=contract,
        registration=registration,
        kind=kind,
        file=checked.upload,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        note=note,
        uploaded_by=actor,
    )
    stamp(attachment, actor, f"上传附件：{AttachmentKind(kind).label}")
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(
    *, contract: Contract, actor: User, kind: Any, file: Any, note: Any = ""
) -> ContractAttachment:
    """Keep a file with the contract: the stamped scan once it is signed, the registration
    certificate once it is registered, other files any time before it is cancelled."""
    contract = _lock_contract(contract.pk)
    permissions.may_attach.require(actor, contract.deal)
    if kind not in AttachmentKind.values:
        raise ValidationFailed(
            _("kind: 附件类型应为：%(kinds)s。")
            % {"kinds": _("、").join(f"{k.value}（{k.label}）" for k in AttachmentKind)},
            code="invalid_kind",
        )
    note = v.text(note, "note", max_length=200, required=False)
    if file is None:
        raise ValidationFailed(
            _("file: 请选择要上传的文件（PDF、PNG 或 JPEG）。"), code="file_missing"
        )
    status = ContractStatus(contract.status)
    if status == ContractStatus.CANCELLED:
        raise Conflict(_("合同已作废，不能再上传附件。"), code="contract_cancelled")
    if kind == AttachmentKind.SIGNED_SCAN and status == ContractStatus.DRAFT:
        raise Conflict(
            _("盖章合同扫描件请在录入签署后上传（合同当前为草稿）。"), code="contract_not_signed"
        )
    registration = None
    if kind == AttachmentKind.REGISTRATION_CERTIFICATE:
        registration = ExchangeRegistration.objects.filter(
            contract=contract, cancelled_at__isnull=True
        ).first()
        if registration is None:
            raise Conflict(
                _("登记证明请在录入合同登记后上传（该合同尚无有效登记）。"),
                code="not_registered",
            )
    checked = _check_attachment(file)
    return _attachment_save(
        contract=contract,
        actor=actor,
        kind=kind,
        checked=checked,
        note=note,
        registration=registration,
    )


@transaction.atomic
def attachment_remove(*, attachment: ContractAttachment, actor: User, reason: Any) -> None:
    """Take a wrong file off a draft contract, or off a registration that was cancelled; the
    history keeps who removed which file and why. A signed or registered contract's files are
    its record: they stay (a corrected file is uploaded beside them)."""
    contract = _lock_contract(attachment.contract_id)
    permissions.may_attach.require(actor, contract.deal)
    attachment = ContractAttachment.objects.select_related("registration").get(pk=attachment.pk)
    reason = v.text(reason, "reason", max_length=200)
    registration = attachment.registration
    removable = contract.status == ContractStatus.DRAFT or (
        registration is not None and not registration.is_active
    )
    if not removable:
        raise Conflict(
            _(
                "合同已签署，附件是签署和登记的记录，不能删除；"
                "如有错误，请上传更正后的文件并在说明中注明。"
            ),
            code="attachment_kept",
        )
    name, storage = attachment.file.name or "", attachment.file.storage
    stamp(attachment, actor, f"删除附件：{reason}")
    attachment.delete()
    # The file goes once the row is gone for good (a rolled-back removal keeps both). Robust: a
    # file the disk refuses to delete is logged and left, never a 500 for a committed removal.
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)


@transaction.atomic
def registration_cancel(*, contract: Contract, actor: User, reason: str) -> ExchangeRegistration:
    """Deregister (撤销登记): the contract goes back to signed; rewards listen and claw back."""
    contract = _lock_contract(contract.pk)
    permissions.may_cancel_registration.require(actor, contract.deal)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请说明撤销登记的原因（reason）。"), code="reason_required")
    registration = (
        ExchangeRegistration.objects.select_for_update().filter(contract=contract).first()
    )
    if registration is None or not registration.is_active:
        raise Conflict(_("该合同没有有效的登记记录。"), code="not_registered")
    registration.cancelled_at = timezone.now()
    registration.cancelled_by = actor
    registration.cancel_reason = reason[:5000]
    stamp(registration, actor, reason)
    registration.save()
    contract.deregister()
    stamp(contract, actor, f"撤销登记：{reason}")
    contract.save()
    deal_registration_cancelled(deal_id=contract.deal_id, actor=actor, reason=reason)
    contract_id, deal_id, actor_id = contract.pk, contract.deal_id, actor.pk
    transaction.on_commit(
        lambda: registration_cancelled.send(
            sender=ExchangeRegistration,
            contract_id=contract_id,
            deal_id=deal_id,
            actor_id=actor_id,
            reason=reason,
        )
    )
    return registration
