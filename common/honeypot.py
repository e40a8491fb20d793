"""The honeypot of the public forms: a field people never see (hidden by the `.hp` CSS class,
labelled for screen readers to leave it empty) and that bots, which fill every field, fill.

One field name and one test for every public door (challenge proposals, need and achievement
submissions); what each door answers a bot is its own choice (a refusal, or a silent drop that
looks like success)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

FIELD = "website"


def honeypot_field() -> forms.CharField:
    return forms.CharField(
        label=_("请勿填写"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


def is_bot(data: Any) -> bool:
    """The hidden field was filled in this request's data (a form's data, a JSON body)."""
    getter = getattr(data, "get", None)
    return bool(getter and str(getter(FIELD, "") or "").strip())
