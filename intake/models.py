"""Public submissions: what an enterprise or an institution sent through the public forms,
waiting for a supervisor to accept it into the library, merge it into a record already there, or
decline it. Nothing a stranger types reaches the library without that decision."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from brokers.industries import industry_choices, industry_label
from brokers.models import Organisation, region_code_validator
from brokers.regions import region_name
from deals.models import Achievement, AchievementKind, Deal, Demand


class SubmissionKind(models.TextChoices):
    NEED = "need", _("技术需求")
    ACHIEVEMENT = "achievement", _("科技成果")


# The reference's prefix per kind: 需求 XQ, 成果 CG (XQ-2026-000123).
REFERENCE_PREFIX = {SubmissionKind.NEED: "XQ", SubmissionKind.ACHIEVEMENT: "CG"}


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("已收到，待受理")
    ACCEPTED = "accepted", _("已受理")
    MERGED = "merged", _("已受理（并入已有记录）")
    DECLINED = "declined", _("未受理")


class Submission(ConcurrentTransitionMixin, models.Model):
    """One public submission. The submitter's fields are kept exactly as typed (shown escaped);
    the triage decision points to the library record it became or joined."""

    reference = models.CharField(_("受理编号"), max_length=20, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=SubmissionKind.choices)
    status = FSMField(
        _("状态"),
        max_length=20,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.PENDING,
        protected=True,
    )
    # Routed when received: the organisation whose region covers the submission's (most specific
    # first). None: no organisation covers it, only admins triage it.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("分拣机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )

    title = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("描述"), max_length=20000)
    party = models.CharField(_("单位名称"), max_length=200)  # the enterprise, or the owner
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    industry = models.CharField(_("行业"), max_length=30, choices=industry_choices(), blank=True)
    region = models.CharField(
        _("所在地区代码"), max_length=6, blank=True, validators=[region_code_validator]
    )
    # A need's
    budget = models.DecimalField(
        _("预算（元）"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    deadline = models.DateField(_("期望解决日期"), null=True, blank=True)
    # An achievement's
    achievement_kind = models.CharField(
        _("成果类型"), max_length=20, choices=AchievementKind.choices, blank=True
    )
    patent_number = models.CharField(_("专利号"), max_length=40, blank=True)
    maturity = models.PositiveSmallIntegerField(
        _("技术成熟度（1–9）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    asking_price = models.DecimalField(
        _("意向价格（元）"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )

    contact = models.CharField(_("联系人"), max_length=100)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"))
    # 个人信息保护法: the submitter agreed to the notice of this version, at this time.
    consented_at = models.DateTimeField(_("同意隐私说明的时间"))
    privacy_notice = models.CharField(_("隐私说明版本"), max_length=20)
    received_at = models.DateTimeField(_("收到时间"), auto_now_add=True)
    receipt_sent_at = models.DateTimeField(_("回执邮件发送时间"), null=True, blank=True)

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分拣人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("分拣时间"), null=True, blank=True)
    decline_reason = models.TextField(_("未受理原因"), max_length=2000, blank=True)
    decision_sent_at = models.DateTimeField(_("结果邮件发送时间"), null=True, blank=True)
    demand = models.ForeignKey(
        Demand, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    achievement = models.ForeignKey(
        Achievement, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("公开征集提交")
        verbose_name_plural = _("公开征集提交")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "organisation"], name="submission_queue")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=SubmissionStatus.DECLINED) | ~Q(decline_reason=""),
                name="submission_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=SubmissionStatus.PENDING)
                | Q(status=SubmissionStatus.DECLINED)
                | Q(demand__isnull=False)
                | Q(achievement__isnull=False),
                name="submission_accepted_has_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def region_label(self) -> str:
        return region_name(self.region) if self.region else ""

    @property
    def industry_label(self) -> str:
        return industry_label(self.industry) if self.industry else ""

    # The triage decisions: from `pending` only, once. The service around them locks the row,
    # checks who decides, and records who and why.
    @transition(field=status, source=SubmissionStatus.PENDING, target=SubmissionStatus.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=status, source=SubmissionStatus.PENDING, target=SubmissionStatus.MERGED)
    def merge(self) -> None:
        pass

    @transition(field=status, source=SubmissionStatus.PENDING, target=SubmissionStatus.DECLINED)
    def decline(self) -> None:
        pass


class ReferenceCounter(models.Model):
    """The last number handed out per prefix and year: XQ-2026-000123 is XQ's 123rd of 2026.
    Incremented with an UPDATE under the row's lock, so two parallel submissions never share one."""

    prefix = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"
