"""Forms of the one-click actions on a planned or held activity (the planning form is the deal
page's, deals.forms.PlanForm)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class HeldForm(forms.Form):
    """One click: nothing is required. Minutes may be written at once or later."""

    minutes = forms.CharField(
        label=_("纪要"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    participants = forms.CharField(label=_("参与人员"), max_length=2000, required=False)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("纪要"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    participants = forms.CharField(label=_("参与人员"), max_length=2000, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=500)
