"""Organisations, users with one role each, broker profiles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

region_code_validator = RegexValidator(
    r"^\d{6}$", _("行政区划代码应为 6 位数字，例如 330211（宁波市镇海区）。")
)


class Role(models.TextChoices):
    BROKER = "broker", _("技术经纪人")
    SUPERVISOR = "supervisor", _("主管")
    FINANCE = "finance", _("财务")
    ADMIN = "admin", _("管理员")
    # An outside expert (专家库): signs in to review only what a supervisor invited them to.
    EXPERT = "expert", _("评审专家")


class Organisation(models.Model):
    """A technology-transfer organisation, tech market or science bureau that employs brokers."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    region = models.CharField(
        _("行政区划代码"), max_length=6, blank=True, validators=[region_code_validator]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.BROKER)
    display_name = models.CharField(_("姓名"), max_length=100, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    region = models.CharField(
        _("行政区划代码"), max_length=6, blank=True, validators=[region_code_validator]
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    # A superuser acts as an admin whatever `role` says (`createsuperuser` leaves the default).
    @property
    def effective_role(self) -> str:
        return Role.ADMIN if self.is_superuser else self.role

    @property
    def is_broker(self) -> bool:
        return self.effective_role == Role.BROKER

    @property
    def is_supervisor(self) -> bool:
        return self.effective_role == Role.SUPERVISOR

    @property
    def is_finance(self) -> bool:
        return self.effective_role == Role.FINANCE

    @property
    def is_expert(self) -> bool:
        return self.effective_role == Role.EXPERT


class BrokerProfile(models.Model):
    """What a certified technology broker brings: certificate, region, specialties, capacity."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="broker_profile")
    certificate_number = models.CharField(_("技术经纪人证书编号"), max_length=50, blank=True)
    region_code = models.CharField(
        _("执业地区代码"), max_length=6, blank=True, validators=[region_code_validator]
    )
    specialties = models.CharField(_("专业领域"), max_length=300, blank=True)
    caseload_limit = models.PositiveIntegerField(_("在办项目上限"), default=15)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("经纪人档案")
        verbose_name_plural = _("经纪人档案")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(caseload_limit__gte=1), name="broker_caseload_limit_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.certificate_number})"
