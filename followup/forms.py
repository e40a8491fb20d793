"""The deal page's follow-up forms. Each runs the same checks as the service (followup.rules), so
an error shows next to its field, with what the user typed, when the page comes back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followup import rules
from followup.exceptions import FollowUpInvalid
from followup.models import MilestoneKind, OutcomeResult


def _date(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class FollowUpForm(forms.Form):
    """A form that knows the deal's contract signing date (the earliest date it accepts)."""

    def __init__(self, *args: Any, signed_on: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signed_on = signed_on

    def run_rule(self, check: Any, **kwargs: Any) -> None:
        try:
            check(**kwargs)
        except FollowUpInvalid as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)


class MilestoneForm(FollowUpForm):
    kind = forms.ChoiceField(choices=MilestoneKind.choices, widget=forms.HiddenInput)
    planned_on = _date(_("计划日期"))
    actual_on = _date(_("实际日期"))
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)
    reason = forms.CharField(
        label=_("修改原因"), max_length=2000, required=False, help_text=_("改动已记录的日期时必填")
    )

    def __init__(
        self, *args: Any, actual_by_kind: dict[str, dt.date | None] | None = None, **kwargs: Any
    ) -> None:
        self.recorded: dict[str, Any] = kwargs.pop("recorded", {})
        super().__init__(*args, **kwargs)
        self.actual_by_kind = actual_by_kind or {}
        kind = self.data.get("kind") or self.initial.get("kind", "")
        for name in ("planned_on", "actual_on", "note", "reason"):
            self.fields[name].widget.attrs["id"] = f"id_{kind}_{name}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        self.run_rule(
            rules.check_milestone,
            kind=data["kind"],
            planned_on=data.get("planned_on"),
            actual_on=data.get("actual_on"),
            signed_on=self.signed_on,
            today=timezone.localdate(),
            actual_by_kind=self.actual_by_kind,
        )
        self.run_rule(
            rules.not_empty,
            recorded=self.recorded.get("id") is not None,
            planned_on=data.get("planned_on"),
            actual_on=data.get("actual_on"),
            note=data.get("note", ""),
        )
        rewritten = [
            str(self.fields[name].label)
            for name in ("planned_on", "actual_on")
            if self.recorded.get(name) is not None and self.recorded.get(name) != data.get(name)
        ]
        if rewritten:
            self.run_rule(
                rules.require_reason, reason=data.get("reason", ""), what=_("、").join(rewritten)
            )
        return data


class VisitForm(FollowUpForm):
    visited_on = _date(_("回访日期"), required=True)
    visitors = forms.CharField(label=_("回访人员"), max_length=300, help_text=_("谁去的、见了谁"))
    notes = forms.CharField(
        label=_("回访记录"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        self.run_rule(
            rules.check_visit,
            visited_on=data["visited_on"],
            visitors=data["visitors"],
            notes=data["notes"],
            signed_on=self.signed_on,
            today=timezone.localdate(),
        )
        return data


class OutcomeForm(FollowUpForm):
    result = forms.ChoiceField(label=_("实施结果"), choices=OutcomeResult.choices)
    reason = forms.CharField(
        label=_("原因说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("部分实施、实施失败或修改已记录的结果时必填"),
    )
    decided_on = _date(_("认定日期"))

    def __init__(self, *args: Any, has_outcome: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_outcome = has_outcome

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        today = timezone.localdate()
        self.run_rule(
            rules.check_outcome,
            result=data["result"],
            reason=data.get("reason", ""),
            decided_on=data.get("decided_on") or today,
            signed_on=self.signed_on,
            today=today,
        )
        if self.has_outcome:
            self.run_rule(rules.require_reason, reason=data.get("reason", ""), what=_("实施结果"))
        return data
