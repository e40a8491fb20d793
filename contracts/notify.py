"""Contracts tell the deal's brokers when a contract PDF failed to render (once per document)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from common.language import written_in_chinese
from contracts.models import ContractDocument, DocumentStatus
from deals.models import DealBroker
from notifications import kinds
from notifications.services import notify


@written_in_chinese
def document_saved(sender: Any, instance: ContractDocument, **kwargs: Any) -> None:
    if instance.status != DocumentStatus.FAILED:
        return
    deal_id = instance.contract.deal_id
    notify(
        recipients=lambda: DealBroker.objects.filter(deal_id=deal_id).values_list(
            "user_id", flat=True
        ),
        kind=kinds.CONTRACT_PDF_FAILED,
        text=_("合同 %(number)s 的 PDF 生成失败，请检查合同内容后重新生成。")
        % {"number": instance.contract.number or instance.contract_id},
        key=f"contract-document-{instance.pk}-failed",
        deal_id=deal_id,
        url=reverse("deal-detail", args=[deal_id]),
    )
