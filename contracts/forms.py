"""Forms of the contract pages: the deal page's contract panel (draft, sign, registration)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brokers.regions import region_name
from contracts.models import SUBTYPES, ContractType
from deals.models import Deal, DealAchievement

PARTY_FIELDS = [
    ("name", _("名称"), True),
    ("credit_code", _("统一社会信用代码"), False),
    ("address", _("住所"), True),
    ("representative", _("法定代表人"), True),
    ("contact", _("联系人"), False),
    ("phone", _("电话"), False),
    ("bank_account", _("开户银行及账号"), False),
]


def kind_choices() -> list[tuple[str, str]]:
    return [
        (f"{ctype}:{key}", f"{ContractType(ctype).label} · {label}")
        for ctype, subtypes in SUBTYPES.items()
        for key, label in subtypes.items()
    ]


class ContractDraftForm(forms.Form):
    """The deal's contract in one form: the service validates it fully (as the API does)."""

    kind = forms.ChoiceField(label=_("合同类别"))
    title = forms.CharField(label=_("项目名称"), max_length=200)
    amount = forms.DecimalField(
        label=_("成交额（元）"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    technology_amount = forms.DecimalField(
        label=_("技术交易额（元）"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text=_("成交额减去设备、材料等非技术性费用；奖励按此计算。"),
    )
    payment_terms = forms.CharField(
        label=_("支付约定"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    patent_number = forms.CharField(label=_("专利号"), max_length=40, required=False)
    patent_title = forms.CharField(label=_("专利名称"), max_length=300, required=False)
    sign_place = forms.CharField(label=_("签订地点"), max_length=200)
    valid_from = forms.DateField(
        label=_("有效期自"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("有效期至"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        if not isinstance(kind, forms.ChoiceField):
            raise RuntimeError("invariant: isinstance(kind, forms.ChoiceField)")
        kind.choices = kind_choices()
        # The page shows each side's fields under its own heading, so the labels stay short.
        for side in ("a", "b"):
            for key, label, required in PARTY_FIELDS:
                self.fields[f"{side}_{key}"] = forms.CharField(
                    label=label, max_length=200, required=required
                )

    def party(self, side: str) -> dict[str, str]:
        return {key: self.cleaned_data[f"{side}_{key}"] for key, _label, _req in PARTY_FIELDS}

    def party_rows(self, side: str) -> list[forms.BoundField]:
        return [self[f"{side}_{key}"] for key, _label, _req in PARTY_FIELDS]

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of contracts.services.contract_create."""
        data = self.cleaned_data
        contract_type, subtype = data["kind"].split(":", 1)
        patent = (
            {"number": data["patent_number"], "title": data["patent_title"]}
            if data["patent_number"]
            else {}
        )
        return {
            "contract_type": contract_type,
            "subtype": subtype,
            "title": data["title"],
            "party_a": self.party("a"),
            "party_b": self.party("b"),
            "amount": data["amount"],
            "technology_amount": data["technology_amount"],
            "payment_terms": data["payment_terms"],
            "patent": patent,
            "sign_place": data["sign_place"],
            "valid_from": data["valid_from"],
            "valid_to": data["valid_to"],
        }

    @classmethod
    def initial_for(cls, deal: Deal) -> dict[str, Any]:
        """What the deal already knows: the enterprise, the linked result and its owner."""
        today = timezone.localdate()
        link = DealAchievement.objects.filter(deal=deal).select_related("achievement").first()
        achievement = link.achievement if link else None
        patent = bool(achievement and achievement.patent_number)
        return {
            "kind": "transfer:patent_right" if patent else "transfer:know_how",
            "title": deal.title,
            "a_name": deal.demand.enterprise,
            "b_name": achievement.owner if achievement else "",
            "patent_number": achievement.patent_number if patent and achievement else "",
            "patent_title": achievement.title if patent and achievement else "",
            "sign_place": region_name(deal.demand.region) if deal.demand.region else "",
            "valid_from": today,
            "valid_to": today + dt.timedelta(days=365),
        }


class SignForm(forms.Form):
    signed_on = forms.DateField(
        label=_("签订日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class RegistrationForm(forms.Form):
    exchange = forms.CharField(label=_("技术交易机构"), max_length=200)
    registration_number = forms.CharField(
        label=_("登记编号"), max_length=20, help_text=_("登记机构出具的 14 或 16 位编号")
    )
    registered_on = forms.DateField(
        label=_("登记日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    certificate_number = forms.CharField(label=_("交易证明编号"), max_length=50, required=False)
