"""The deal page's payment forms. Field checks here; the rules that need the database (the
ceiling, a reference recorded twice) are the service's, and its refusal comes back next to the
field it names."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class PaymentForm(forms.Form):
    received_on = forms.DateField(
        label=_("到账日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    amount = forms.DecimalField(
        label=_("到账金额（元）"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}),
    )
    payer = forms.CharField(label=_("付款方"), max_length=200)
    reference = forms.CharField(label=_("银行流水号"), max_length=100)


class ScanForm(forms.Form):
    """The confirmation step: the bank slip is chosen there (a file does not survive a page)."""

    scan = forms.FileField(
        label=_("凭证扫描件（可选）"),
        required=False,
        help_text=_("PDF、PNG 或 JPEG，不超过 10 MB；仅本项目可见的人员可下载。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲销原因"), max_length=2000)

    def __init__(self, *args: Any, payment_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs.update(
            {"id": f"id_reverse_{payment_id}", "placeholder": _("例如：银行退票、重复录入")}
        )


# The service names the field its refusal is about; the page puts the message next to it.
FIELD_OF_CODE = {
    "invalid_amount": "amount",
    "exceeds_contract_amount": "amount",
    "invalid_received_on": "received_on",
    "implausible_date": "received_on",
    "invalid_payer": "payer",
    "invalid_reference": "reference",
    "duplicate_reference": "reference",
    "invalid_scan": "scan",
}


def field_message(message: str, field: str) -> str:
    """`"amount: 到账金额必须大于 0。"` → `"到账金额必须大于 0。"` (the field is shown already)."""
    prefix = f"{field}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
