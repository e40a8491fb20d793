"""Forms of the rewards pages: the ledger's filters and finance's payment record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rewards.models import RewardStatus


class LedgerFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", ""), *RewardStatus.choices]
    )
    broker = forms.IntegerField(label=_("经纪人"), required=False, min_value=1)


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("发放日期"))
    reference = forms.CharField(label=_("付款凭证号"), max_length=100)
