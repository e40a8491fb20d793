"""Forms of the library pages. They parse input; deals.services writes (and validates again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from brokers.industries import industry_grouped_choices
from deals.forms import RegionField
from deals.models import Achievement, Demand


class IndustryChoiceField(forms.ChoiceField):
    """The catalogue as a grouped <select>, sector first; blank allowed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("行业"))
        super().__init__(**kwargs)
        # A callable: the labels are read in the language of each page, not the one at import.
        self.choices = lambda: [("", _("（未分类）")), *industry_grouped_choices()]


class DemandForm(forms.ModelForm):
    region = RegionField(label=_("所在地区"))
    industry = IndustryChoiceField()

    class Meta:
        model = Demand
        fields = [
            "title",
            "enterprise",
            "industry",
            "region",
            "description",
            "budget",
            "deadline",
            "contact",
            "external_id",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_external_id(self) -> str | None:
        # Blank means "none": NULL, so the unique constraint allows many needs without one.
        return (self.cleaned_data.get("external_id") or "").strip() or None


class AchievementForm(forms.ModelForm):
    region = RegionField(label=_("所在地区"), required=False)
    industry = IndustryChoiceField()

    class Meta:
        model = Achievement
        fields = [
            "title",
            "owner",
            "kind",
            "patent_number",
            "industry",
            "maturity",
            "asking_price",
            "region",
            "description",
            "contact",
            "external_id",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def clean_patent_number(self) -> str | None:
        # Blank means "none": NULL, so the unique constraint allows many achievements without one.
        return (self.cleaned_data.get("patent_number") or "").strip() or None

    def clean_external_id(self) -> str | None:
        return (self.cleaned_data.get("external_id") or "").strip() or None


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV 或 XLSX 文件"),
        help_text=_("第一行为表头；列名可用中文（如“成果名称”“权利人”）或英文字段名。"),
    )
