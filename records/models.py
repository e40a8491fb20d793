"""Enterprises and institutions as records: one row per real organisation, found again by its
unified social credit code or its exact name, so "enterprises served" can be counted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from brokers.industries import industry_choices
from brokers.models import region_code_validator


class EnterpriseSize(models.TextChoices):
    # The size classes of 《统计上大中小微型企业划分办法》.
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


class InstitutionKind(models.TextChoices):
    UNIVERSITY = "university", _("高等院校")
    INSTITUTE = "institute", _("科研院所")
    ENTERPRISE = "enterprise", _("企业")
    HOSPITAL = "hospital", _("医疗机构")
    OTHER = "other", _("其他")


class _Party(models.Model):
    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    region = models.CharField(
        _("所在地区代码"), max_length=6, blank=True, validators=[region_code_validator]
    )
    industry = models.CharField(_("行业"), max_length=30, choices=industry_choices(), blank=True)
    contact = models.CharField(_("联系人"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Enterprise(_Party):
    """An enterprise with needs (需求方)."""

    size = models.CharField(
        _("企业规模"), max_length=10, choices=EnterpriseSize.choices, blank=True
    )
    history = HistoricalRecords()

    class Meta(_Party.Meta):
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="enterprise_name_once"),
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="enterprise_code_once"
            ),
        ]


class Institution(_Party):
    """A university, institute or company that owns achievements (成果权利人)."""

    kind = models.CharField(
        _("类型"), max_length=20, choices=InstitutionKind.choices, default=InstitutionKind.OTHER
    )
    history = HistoricalRecords()

    class Meta(_Party.Meta):
        verbose_name = _("成果权利人（单位）")
        verbose_name_plural = _("成果权利人（单位）")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="institution_name_once"),
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="institution_code_once"
            ),
        ]
