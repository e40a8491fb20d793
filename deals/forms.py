"""Forms of the deal pages. They parse and check input; the writes are deals.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from brokers.regions import resolve_region
from common.exceptions import ValidationFailed
from deals import services
from deals.lost_reasons import lost_reason_choices
from deals.models import ActivityKind

REGION_HELP = _("6 位行政区划代码或地区名称，例如 330211 或“镇海区”。")


class RegionField(forms.CharField):
    """Accepts a 6-digit code or a known region name; cleans to the code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("help_text", REGION_HELP)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return ""
        try:
            return resolve_region(value)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ActivityKind.choices)
    occurred_at = forms.DateTimeField(
        label=_("时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    location = forms.CharField(
        label=_("地点/平台"), max_length=300, required=False, help_text=_("线下对接必填")
    )
    participants = forms.CharField(
        label=_("参与人员"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    minutes = forms.CharField(
        label=_("纪要"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean(self) -> dict[str, Any]:
        # The service's own rules, run here too so the page shows every error at once.
        data = super().clean() or {}
        for problem in services.activity_problems(
            kind=data.get("kind", ActivityKind.ONLINE_TALK),
            occurred_at=data.get("occurred_at"),
            location=data.get("location", ""),
        ):
            self.add_error(problem.field, problem.error.message)
        return data


class PlanForm(forms.Form):
    """A talk or meeting planned ahead. Prefix "plan": the logging form above has fields of the
    same names on the same page."""

    prefix = "plan"
    kind = forms.ChoiceField(label=_("类型"), choices=ActivityKind.choices)
    occurred_at = forms.DateTimeField(
        label=_("计划时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    location = forms.CharField(
        label=_("地点/平台"),
        max_length=300,
        required=False,
        help_text=_("线下对接写地点，线上洽谈写平台（如腾讯会议及会议号）。"),
    )
    participants = forms.CharField(
        label=_("拟参加人员"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        # The service's planning rules, run here too so the page shows every error at once.
        data = super().clean() or {}
        for problem in services.activity_plan_problems(
            kind=data.get("kind", ActivityKind.ONLINE_TALK),
            occurred_at=data.get("occurred_at"),
            location=data.get("location", ""),
        ):
            if problem.field not in self.errors:
                self.add_error(problem.field, problem.error.message)
        return data


class TransitionRequestForm(forms.Form):
    target = forms.ChoiceField(label=_("申请变更到"))
    comment = forms.CharField(
        label=_("说明"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("退回必须说明原因；终止原因选“其他”时必须写明。"),
    )
    lost_reason_code = forms.ChoiceField(
        label=_("终止原因"),
        required=False,
        help_text=_("仅申请终止时填写。"),
    )

    def __init__(self, *args: Any, options: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["lost_reason_code"]
        if not isinstance(reason, forms.ChoiceField):
            raise RuntimeError("invariant: isinstance(reason, forms.ChoiceField)")
        reason.choices = [("", "—"), *lost_reason_choices()]
        target = self.fields["target"]
        if not isinstance(target, forms.ChoiceField):
            raise RuntimeError("invariant: isinstance(target, forms.ChoiceField)")
        target.choices = [(o["target"], o["label"]) for o in options]
        self.kinds = {o["target"]: o["kind"] for o in options}

    def clean(self) -> dict[str, Any]:
        # The service's rules on words, run here too so the page shows them at their fields.
        data = super().clean() or {}
        if "target" in data:
            for problem in services.request_problems(
                kind=self.kinds.get(data["target"]),
                comment=data.get("comment", ""),
                lost_reason_code=data.get("lost_reason_code", ""),
            ):
                self.add_error(problem.field, problem.error.message)
        return data


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("审批意见"), max_length=5000, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回理由"), max_length=5000)


class LinkAchievementForm(forms.Form):
    achievement = forms.IntegerField(min_value=1)
    note = forms.CharField(max_length=500, required=False)
