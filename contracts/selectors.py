"""Reads of contracts. Anything hanging off a deal is reached through `deal_get_for_user`."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from brokers.models import User
from common.language import stored_text
from contracts.models import (
    Contract,
    ContractAttachment,
    ContractDocument,
    ContractStatus,
    DocumentStatus,
    ExchangeRegistration,
)
from deals.models import Deal
from deals.selectors import deal_get_for_user


def contract_for_deal(deal_id: int) -> Contract | None:
    """The deal's current contract (the latest version that is not cancelled), or None."""
    return (
        Contract.objects.select_related("deal", "registration")
        .filter(deal_id=deal_id, is_current=True)
        .first()
    )


def registration_for_deal(deal_id: int) -> ExchangeRegistration | None:
    """The active (not cancelled) registration of the deal's current contract, or None."""
    return (
        ExchangeRegistration.objects.select_related("contract")
        .filter(contract__deal_id=deal_id, contract__is_current=True, cancelled_at__isnull=True)
        .first()
    )


def current_contract_id() -> Subquery:
    """The deal's current contract id, as an expression over a deal row (the deal API's
    "contract" field, annotated onto the deal list's own query)."""
    return Subquery(
        Contract.objects.filter(deal_id=OuterRef("pk"), is_current=True).values("id")[:1]
    )


def contract_get_for_user(*, user: User, contract_id: int | str) -> Contract:
    """The contract if the user may see its deal; 404 otherwise (never reveal that it exists)."""
    try:
        contract = Contract.objects.select_related("deal").get(pk=int(contract_id))
    except (Contract.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    deal_get_for_user(user=user, deal_id=contract.deal_id)
    return contract


def contract_versions(contract: Contract) -> QuerySet[Contract]:
    return Contract.objects.filter(deal_id=contract.deal_id).order_by("version")


def documents_for_contract(contract: Contract) -> QuerySet[ContractDocument]:
    return contract.documents.select_related("created_by").order_by("-version")


def latest_ready_document(contract: Contract) -> ContractDocument | None:
    return documents_for_contract(contract).filter(status=DocumentStatus.READY).first()


def final_document_ready(contract: Contract) -> bool:
    return contract.documents.filter(status=DocumentStatus.READY, final=True).exists()


def agreement_blockers(deal_id: int) -> list[str]:
    """What the agreement stage still needs, in words a broker can act on (empty: complete)."""
    from django.utils.translation import gettext as _

    contract = contract_for_deal(deal_id)
    if contract is None or contract.status not in (
        ContractStatus.SIGNED,
        ContractStatus.REGISTERED,
    ):
        return [
            _("没有已签署的技术合同：请起草合同并在双方签署后录入签订日期。"),
            _("合同 PDF 尚未生成：合同签署后生成正式文本。"),
            _("没有合同登记记录：请录入技术合同认定登记编号和登记日期。"),
        ]
    blockers: list[str] = []
    if contract.technology_amount <= 0:
        blockers.append(_("技术交易额必须大于 0：请以新版本修改合同的技术交易额。"))
    if not final_document_ready(contract):
        blockers.append(
            _("合同 PDF 尚未生成：请生成签署后的正式合同文本（或查看生成失败的原因）。")
        )
    if registration_for_deal(deal_id) is None:
        blockers.append(_("没有合同登记记录：请录入技术合同认定登记编号和登记日期。"))
    return blockers


def contract_history(contract: Contract) -> list[dict[str, object]]:
    """Every recorded change of the deal's contract, all versions, and of their registrations,
    oldest first: when, who, what (the reason recorded by the service), and the state after."""
    versions = Contract.objects.filter(deal_id=contract.deal_id)
    rows: list[dict[str, object]] = []
    for h in (
        Contract.history.filter(id__in=versions.values("id"))
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
        rows.append(
            {
                "at": h.history_date,
                "actor": str(h.history_user) if h.history_user else None,
                "object": "contract",
                "contract": h.id,
                "version": h.version,
                "event": h.history_change_reason or "",
                "status": h.status,
                "revision": h.revision,
            }
        )
    for r in (
        ExchangeRegistration.history.filter(contract_id__in=versions.values("id"))
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
        rows.append(
            {
                "at": r.history_date,
                "actor": str(r.history_user) if r.history_user else None,
                "object": "registration",
                "contract": r.contract_id,
                "version": None,
                "event": r.history_change_reason or "",
                "status": "cancelled" if r.cancelled_at else "active",
                "revision": None,
            }
        )
    rows.sort(key=lambda row: row["at"])  # type: ignore[arg-type, return-value]
    return rows


def deal_history_events(deal: Deal) -> list[dict[str, object]]:
    """The contract's recorded changes (every version, every registration) in the shape of the
    deal's merged history (deals.selectors.deal_history), which registers this as a source."""
    versions = Contract.objects.filter(deal_id=deal.pk).values("id")
    events: list[dict[str, object]] = []
    rows = (
        [
            ("contract", h, f"{h.number} · {h.get_status_display()}")
            for h in Contract.history.filter(id__in=versions).select_related("history_user")
        ]
        + [
            (
                "registration",
                r,
                f"{r.registration_number} · {_('已撤销') if r.cancelled_at else _('有效')}",
            )
            for r in ExchangeRegistration.history.filter(contract_id__in=versions).select_related(
                "history_user"
            )
        ]
        + [
            ("contract_attachment", a, f"{a.filename} · {a.get_kind_display()}")
            for a in ContractAttachment.history.filter(contract_id__in=versions).select_related(
                "history_user"
            )
        ]
    )
    labels = {
        "contract": _("技术合同"),
        "registration": _("合同登记"),
        "contract_attachment": _("合同附件"),
    }
    for kind, row, summary in rows:
        user = row.history_user
        reason = stored_text(row.history_change_reason or "")
        events.append(
            {
                "at": row.history_date,
                "actor": {"id": user.pk, "username": user.username, "name": str(user)}
                if user
                else None,
                "event": kind,
                "label": labels[kind],
                "from_state": None,
                "to_state": None,
                "comment": _("%(reason)s（%(summary)s）") % {"reason": reason, "summary": summary}
                if reason
                else summary,
            }
        )
    return events


def attachments_for_contract(contract: Contract) -> QuerySet[ContractAttachment]:
    return ContractAttachment.objects.filter(contract=contract).select_related(
        "uploaded_by", "registration"
    )


def attachment_get_for_user(*, user: User, attachment_id: int | str) -> ContractAttachment:
    """The attachment if the user may see its deal; 404 otherwise."""
    try:
        attachment = ContractAttachment.objects.select_related("contract").get(
            pk=int(attachment_id)
        )
    except (ContractAttachment.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc
    deal_get_for_user(user=user, deal_id=attachment.contract.deal_id)
    return attachment
