"""Forms of the challenge pages. They parse the shape of the input; the services check the rest
(the same checks as the API), and their errors come back onto the form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from brokers.industries import industry_grouped_choices
from common.honeypot import honeypot_field
from deals.models import Demand


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ProposalForm(forms.Form):
    institution = forms.CharField(label=_("揭榜单位"), max_length=200)
    team = forms.CharField(
        label=_("团队"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("负责人、主要成员及其专长。"),
    )
    plan = forms.CharField(
        label=_("技术方案"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )
    schedule = forms.CharField(
        label=_("进度安排"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    price = forms.DecimalField(
        label=_("报价（元）"), max_digits=14, decimal_places=2, min_value=Decimal(0)
    )
    contact = forms.CharField(label=_("联系人及电话"), max_length=200)
    email = forms.EmailField(label=_("电子邮箱"), help_text=_("评审结果将发送到此邮箱。"))
    attachments = MultipleFileField(
        label=_("附件"),
        required=False,
        help_text=_(
            "PDF 或 Office 文件（.pdf .doc .docx .xls .xlsx .ppt .pptx），每个不超过 10 MB，最多 5 个。"
        ),
    )
    website = honeypot_field()  # common.honeypot: hidden from people, filled by bots


class PublishForm(forms.Form):
    demand = forms.ModelChoiceField(label=_("技术需求"), queryset=Demand.objects.order_by("-id"))
    title = forms.CharField(label=_("榜单名称"), max_length=200)
    description = forms.CharField(
        label=_("公开描述"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("公开展示给所有人；请勿写入企业不愿公开的信息。"),
    )
    show_enterprise = forms.BooleanField(label=_("公开需求企业名称"), required=False)
    support_amount = forms.DecimalField(
        label=_("支持资金（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    deadline = forms.CharField(
        label=_("揭榜截止"),
        max_length=40,
        help_text=_(
            "日期（当天 24 时，北京时间），例如 2026-12-31；或带时区的时间 2026-12-31T17:00:00+08:00。"
        ),
    )
    criteria = forms.CharField(
        label=_("评审标准与权重"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="技术先进性 40\n可行性 30\n团队能力 15\n报价合理性 15",
        help_text=_("每行一条：名称 权重。"),
    )
    panel_size = forms.IntegerField(label=_("评审专家人数"), min_value=3, max_value=15, initial=3)

    def clean_criteria(self) -> list[dict[str, str]]:
        rows = []
        for line in self.cleaned_data["criteria"].splitlines():
            line = line.strip()
            if not line:
                continue
            name, _sep, weight = line.rpartition(" ")
            if not name.strip():
                raise forms.ValidationError(
                    _("“%(line)s”应写成“名称 权重”，例如“可行性 30”。") % {"line": line[:40]}
                )
            rows.append({"name": name.strip(), "weight": weight})
        return rows


class AwardForm(forms.Form):
    proposal = forms.IntegerField(min_value=1)


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("关闭原因"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExpertSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=50)
    field = forms.ChoiceField(
        required=False, choices=lambda: [("", _("全部领域")), *industry_grouped_choices()]
    )
    region = forms.CharField(required=False, max_length=6)
