"""The public submission forms. The page and the JSON API both check input with these forms, so
a field means the same and fails with the same message whichever door it came through; every
error is reported at once, next to its field.

What a stranger types is stored as typed (HTML included) and shown escaped; the forms bound its
size, check that dates, codes, the region and contacts are plausible, and require consent to the
privacy notice.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brokers.industries import industry_grouped_choices, resolve_industry
from common.dates import LATEST, check_plausible
from common.exceptions import ValidationFailed
from common.honeypot import honeypot_field, is_bot
from deals.forms import RegionField
from deals.models import AchievementKind
from records.credit_code import normalise_credit_code

# Mainland mobile (13x–19x, 11 digits), a landline with its area code (010-12345678, 0574 8888
# 6666, an extension after "转"/"-"/"ext"), 400/800 service numbers; "+86"/"86" in front allowed.
_PHONE = re.compile(
    r"^(?:\+?86[\s-]?)?(?:1[3-9]\d{9}|0\d{2,3}[\s-]?\d{7,8}(?:\s*(?:-|转|ext\.?)\s*\d{1,6})?"
    r"|[48]00[\s-]?\d{3}[\s-]?\d{4})$",
    re.IGNORECASE,
)
MAX_MONEY = Decimal("10000000000.00")  # 100 亿元: more is a typing slip

# The privacy notice the consent box refers to (个人信息保护法); its version is stored with the
# consent, so a later change of wording does not rewrite what someone agreed to.
PRIVACY_NOTICE_VERSION = "2026-12"
PRIVACY_NOTICE = _(
    "您填写的联系人、电话和电子邮箱仅用于本平台受理本次提交、与您联系对接及告知处理结果，"
    "由受理地区的技术转移机构处理，不向无关第三方提供；提交记录保存三年后删除联系方式。"
    "您可通过提交时的邮箱联系我们查询、更正或删除您的个人信息。"
)


def looks_like_phone(value: str) -> bool:
    return bool(_PHONE.match(value.strip()))


class IndustryField(forms.ChoiceField):
    """A catalogue code or its exact Chinese label; cleans to the code."""

    def __init__(self, **kwargs: Any) -> None:
        # A callable: the labels are read in the language of each page, not the one at import.
        kwargs.setdefault(
            "choices", lambda: [("", _("请选择（可不填）")), *industry_grouped_choices()]
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)  # any label resolve_industry knows, not only a choice

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return ""
        try:
            return resolve_industry(str(value))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc


class _SubmissionForm(forms.Form):
    title: forms.CharField
    party: forms.CharField
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        required=False,
        help_text=_("18 位，见营业执照；可不填。"),
    )
    industry = IndustryField(label=_("行业"))
    description: forms.CharField
    contact = forms.CharField(label=_("联系人"), max_length=100)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=40,
        required=False,
        help_text=_("手机或带区号的座机，例如 13800000000 或 0574-86888888。"),
    )
    email = forms.EmailField(
        label=_("电子邮箱"),
        max_length=254,
        help_text=_("受理编号和处理结果将发送到此邮箱。"),
    )
    consent = forms.BooleanField(
        label=_("我已阅读并同意上述个人信息处理说明"),
        error_messages={"required": _("请阅读个人信息处理说明并勾选同意，才能提交。")},
    )
    website = honeypot_field()  # common.honeypot: hidden from people, filled by bots

    field_order = [
        "title",
        "party",
        "credit_code",
        "kind",
        "patent_number",
        "industry",
        "maturity",
        "region",
        "description",
        "budget",
        "asking_price",
        "deadline",
        "contact",
        "phone",
        "email",
        "consent",
        "website",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].widget.attrs.update(
            {
                "data-region-picker": "",
                "data-regions-url": reverse("api:region-list"),
                # The picker's words, in the page's language (static/js/region-picker.js).
                "data-label-province": _("请选择省份"),
                "data-label-city": _("请选择城市"),
                "data-label-district": _("请选择区县"),
                "data-label-chosen": _("已选择："),
                "autocomplete": "off",
                "placeholder": _("例如 宁波市镇海区"),
            }
        )
        self.fields["phone"].widget.input_type = "tel"

    def clean_credit_code(self) -> str:
        try:
            return normalise_credit_code(self.cleaned_data.get("credit_code", ""))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and not looks_like_phone(phone):
            raise forms.ValidationError(
                _("“%(value)s”不像电话号码：请填写 11 位手机号或带区号的座机号。")
                % {"value": phone[:40]}
            )
        return phone

    @property
    def is_bot(self) -> bool:
        """The hidden field was filled: nobody who sees the page does that."""
        return is_bot(self.data)

    def submission_fields(self) -> dict[str, Any]:
        """The cleaned data as the service takes it (the honeypot and consent box left out)."""
        data = dict(self.cleaned_data)
        data.pop("website", None)
        data.pop("consent", None)
        return data


def _money_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=MAX_MONEY,
        help_text=_("单位：元，可不填。"),
    )


class NeedSubmissionForm(_SubmissionForm):
    title = forms.CharField(label=_("需求名称"), max_length=200)
    party = forms.CharField(label=_("需求企业"), max_length=200)
    region = RegionField(
        label=_("所在地区"),
        help_text=_("依次选择省、市、区县；也可填写 6 位行政区划代码或“宁波市镇海区”这样的名称。"),
    )
    description = forms.CharField(
        label=_("需求描述"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("遇到的技术难题、现有条件和希望达到的指标，不超过 5000 字。"),
    )
    budget = _money_field(_("预算（元）"))
    deadline = forms.DateField(
        label=_("期望解决日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_("可不填；不能早于今天。"),
    )

    def clean_deadline(self) -> dt.date | None:
        day = self.cleaned_data.get("deadline")
        if day is None:
            return None
        try:
            check_plausible(day, str(_("期望解决日期")))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(
                _("期望解决日期 %(day)s 已经过去：请填写今天（%(today)s）或以后的日期，或不填。")
                % {"day": day.isoformat(), "today": today.isoformat()}
            )
        if day > LATEST:  # pragma: no cover - check_plausible already refuses it
            raise forms.ValidationError(_("日期不在合理范围内。"))
        return day


class AchievementSubmissionForm(_SubmissionForm):
    title = forms.CharField(label=_("成果名称"), max_length=200)
    party = forms.CharField(label=_("权利人（单位）"), max_length=200)
    kind = forms.ChoiceField(label=_("成果类型"), choices=AchievementKind.choices)
    patent_number = forms.CharField(
        label=_("专利号"),
        max_length=40,
        required=False,
        help_text=_("专利成果请填写，例如 ZL202310000001.2。"),
    )
    maturity = forms.IntegerField(
        label=_("技术成熟度（1–9）"),
        required=False,
        min_value=1,
        max_value=9,
        help_text=_("1 为原理提出，9 为批量生产，可不填。"),
    )
    asking_price = _money_field(_("意向价格（元）"))
    region = RegionField(
        label=_("所在地区"),
        help_text=_("依次选择省、市、区县；也可填写 6 位行政区划代码或名称。"),
    )
    description = forms.CharField(
        label=_("成果简介"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("技术原理、主要指标、应用领域，不超过 5000 字。"),
    )

    def clean_patent_number(self) -> str:
        return "".join(self.cleaned_data.get("patent_number", "").split()).upper()


FORMS: dict[str, type[_SubmissionForm]] = {
    "need": NeedSubmissionForm,
    "achievement": AchievementSubmissionForm,
}

# The JSON API's field names for the party: the library's own (`enterprise`, `owner`).
PARTY_FIELD = {"need": "enterprise", "achievement": "owner"}
