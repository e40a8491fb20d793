"""Writes of payments: record one received under a deal's contract, reverse one. Each is one
action with an acting user and a recorded reason; the rewards app listens (`payments.signals`).

Which contracts take payments: the deal's *current* contract once it is signed (signed or
registered). Money often arrives on signing, before the registration office has decided; it is
recorded then, and rewards paid on money received become due only once the contract is
registered (`rewards`). A draft, a cancelled contract or a superseded version takes none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokers.models import User
from common.exceptions import Conflict, ValidationFailed
from common.history import stamp
from contracts import validation as v
from contracts.models import Contract, ContractStatus
from deals.models import DealState
from payments import permissions
from payments.exceptions import (
    AlreadyReversed,
    ContractNotSigned,
    DuplicateReference,
    ExceedsContractAmount,
    PaymentInvalid,
)
from payments.models import Payment
from payments.selectors import received_total
from payments.signals import payment_recorded, payment_reversed

TAKES_PAYMENTS = (ContractStatus.SIGNED, ContractStatus.REGISTERED)


def _lock_contract(contract_id: int) -> Contract:
    # Every writer of a deal's payments locks its contract row first (then the payment): two
    # payments recorded at once serialise here, so the second sees the first in the total.
    # NO KEY UPDATE (here and on the payment), not FOR UPDATE: a reward being inserted that
    # references the contract or the payment takes a KEY SHARE lock on them, which this does
    # not block, so a reversal waiting for the rewards' people locks can never deadlock with
    # the computation holding them.
    return (
        Contract.objects.select_for_update(no_key=True, of=("self",))
        .select_related("deal")
        .get(pk=contract_id)
    )


def _amount(value: Any) -> Decimal:
    amount = v.money(value, "amount")
    if amount <= 0:
        raise PaymentInvalid(_("amount: 到账金额必须大于 0。"), code="invalid_amount")
    return amount


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


@transaction.atomic
def payment_record(
    *,
    contract: Contract,
    actor: User,
    received_on: Any,
    amount: Any,
    payer: Any,
    reference: Any,
    scan: Any = None,
) -> Payment:
    """Record money received under the deal's current, signed contract. The deal's payments
    never add up to more than the contract amount (400 `exceeds_contract_amount`)."""
    contract = _lock_contract(contract.pk)
    deal = contract.deal
    # Who asks comes first: someone who may not record learns nothing from the body's errors.
    permissions.may_record_payment.require(actor, deal)
    on = v.date(received_on, "received_on")
    value = _amount(amount)
    payer_name = v.text(payer, "payer", max_length=200)
    bank_reference = v.text(reference, "reference", max_length=100)
    if contract.status not in TAKES_PAYMENTS:
        raise ContractNotSigned(
            _("合同当前状态为“%(status)s”：只有已签署（或已登记）的合同可以录入到账。")
            % {"status": ContractStatus(contract.status).label},
            blockers=[_("请先录入合同签署。")] if contract.status == ContractStatus.DRAFT else [],
        )
    if not contract.is_current:
        raise Conflict(
            _("这不是本项目的当前合同版本：请在当前版本下录入到账。"), code="not_current"
        )
    if deal.state == DealState.LOST:
        raise Conflict(_("项目已终止，不能再录入到账。"), code="deal_closed")
    if on > timezone.localdate():
        raise PaymentInvalid(
            _("received_on: 到账日期不能在将来；请在款项到账后录入。"), code="invalid_received_on"
        )
    if contract.signed_on is not None and on < contract.signed_on:
        raise PaymentInvalid(
            _("received_on: 到账日期（%(on)s）不能早于合同签订日期（%(signed)s）。")
            % {"on": on, "signed": contract.signed_on},
            code="invalid_received_on",
        )
    already = received_total(deal.pk)
    if already + value > contract.amount:
        room = max(contract.amount - already, Decimal("0"))
        raise ExceedsContractAmount(
            _(
                "amount: 到账合计不能超过合同成交额 %(total)s 元：已到账 %(already)s 元，"
                "本笔 %(amount)s 元，最多还可录入 %(room)s 元。请核对金额，或先冲销录错的到账。"
            )
            % {
                "total": _yuan(contract.amount),
                "already": _yuan(already),
                "amount": _yuan(value),
                "room": _yuan(room),
            }
        )
    if Payment.objects.filter(
        deal=deal, reference=bank_reference, reversed_at__isnull=True
    ).exists():
        raise DuplicateReference(
            _("reference: 银行流水号 %(ref)s 已录入过本项目的一笔到账；如确为两笔，请核对流水号。")
            % {"ref": bank_reference}
        )
    payment = Payment(
        deal=deal,
        contract=contract,
        received_on=on,
        amount=value,
        payer=payer_name,
        reference=bank_reference,
        recorded_by=actor,
    )
    if scan is not None:
        from payments.scans import attach_scan

        attach_scan(payment, scan)
    stamp(payment, actor, f"录入到账 {_yuan(value)} 元")
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError as exc:  # the same reference recorded meanwhile (the partial index)
        raise DuplicateReference(
            _("reference: 银行流水号 %(ref)s 刚被录入。") % {"ref": bank_reference}
        ) from exc
    payment_recorded.send(sender=Payment, payment_id=payment.pk, deal_id=deal.pk, actor_id=actor.pk)
    return payment


@transaction.atomic
def payment_reverse(*, payment: Payment, actor: User, reason: Any) -> Payment:
    """Reverse a payment (冲销: bounced, recorded twice, wrong amount): it stays, marked with who,
    when and why, and stops counting; a reward paid on it is voided or clawed back."""
    _lock_contract(payment.contract_id)
    payment = (
        Payment.objects.select_for_update(no_key=True, of=("self",))
        .select_related("deal")
        .get(pk=payment.pk)
    )
    permissions.may_reverse_payment.require(actor, payment.deal)
    text = (reason if isinstance(reason, str) else "").strip()
    if not text:
        raise ValidationFailed(_("reason: 请说明冲销原因。"), code="reason_required")
    if len(text) > 2000:
        raise ValidationFailed(_("reason: 最多 2000 个字符。"), code="invalid_reason")
    if payment.is_reversed:
        raise AlreadyReversed(
            _("这笔到账已于 %(at)s 冲销。")
            % {"at": timezone.localtime(payment.reversed_at).strftime("%Y-%m-%d %H:%M")}
        )
    payment.reversed_at = timezone.now()
    payment.reversed_by = actor
    payment.reverse_reason = text
    stamp(payment, actor, f"冲销：{text}")
    payment.save()
    payment_reversed.send(
        sender=Payment,
        payment_id=payment.pk,
        deal_id=payment.deal_id,
        actor_id=actor.pk,
        reason=text,
    )
    return payment
