"""The expert library (专家库) and open challenges (揭榜挂帅): challenges published from a need,
proposals answering them, expert invitations and reviews.

This app sits above `deals`: an awarded challenge opens a deal. Nothing below imports it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from brokers.models import Organisation, region_code_validator

# PrivateStorage stays importable here: migration 0001 names it by this path.
from common.files import PrivateStorage, private_storage  # noqa: F401
from deals.models import Achievement, Deal, Demand


class Expert(models.Model):
    """An expert of an organisation's library, who may review matches and challenge proposals."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="experts"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    name = models.CharField(_("姓名"), max_length=100)
    employer = models.CharField(_("工作单位"), max_length=200)
    title = models.CharField(_("职称"), max_length=100, blank=True)
    fields = models.JSONField(_("专业领域（行业代码）"), default=list, blank=True)
    region = models.CharField(
        _("所在地区代码"), max_length=6, blank=True, validators=[region_code_validator]
    )
    contact = models.CharField(_("联系电话"), max_length=100, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    available = models.BooleanField(_("可接受邀请"), default=True)
    availability_note = models.CharField(_("时间安排"), max_length=200, blank=True)
    conflicts = models.JSONField(_("利益关联单位"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("专家")
        verbose_name_plural = _("专家库")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name", "employer"], name="expert_once_per_library"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.employer}）"


class ChallengeStatus(models.TextChoices):
    OPEN = "open", _("征集中")
    AWARDED = "awarded", _("已揭榜")
    CLOSED = "closed", _("未授予，已关闭")


class Challenge(models.Model):
    """A hard problem of an enterprise, published with support money and a deadline (揭榜挂帅)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("发布机构"),
        on_delete=models.PROTECT,
        related_name="challenges",
    )
    demand = models.ForeignKey(
        Demand, verbose_name=_("技术需求"), on_delete=models.PROTECT, related_name="challenges"
    )
    title = models.CharField(_("榜单名称"), max_length=200)
    description = models.TextField(_("公开描述"), max_length=20000)
    show_enterprise = models.BooleanField(_("公开需求企业名称"), default=False)
    support_amount = models.DecimalField(
        _("支持资金（元）"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    deadline = models.DateTimeField(_("揭榜截止时间"))
    criteria = models.JSONField(_("评审标准与权重"), default=list)
    panel_size = models.PositiveSmallIntegerField(_("评审专家人数"), default=3)
    status = models.CharField(
        _("状态"), max_length=20, choices=ChallengeStatus.choices, default=ChallengeStatus.OPEN
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    winner = models.ForeignKey(
        "Proposal", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deal = models.OneToOneField(
        Deal, null=True, blank=True, on_delete=models.PROTECT, related_name="challenge"
    )
    close_reason = models.TextField(_("关闭原因"), max_length=5000, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("揭榜挂帅榜单")
        verbose_name_plural = _("揭榜挂帅榜单")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(panel_size__gte=3), name="challenge_panel_ge_3"),
            models.CheckConstraint(
                condition=Q(support_amount__gt=0), name="challenge_support_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def accepting_proposals(self, now: object = None) -> bool:
        now = now or timezone.now()
        return self.status == ChallengeStatus.OPEN and now <= self.deadline  # type: ignore[operator]

    @property
    def enterprise_label(self) -> str:
        return self.demand.enterprise if self.show_enterprise else str(_("（企业名称不公开）"))


class ProposalOutcome(models.TextChoices):
    PENDING = "pending", _("评审中")
    WON = "won", _("揭榜成功")
    NOT_WON = "not_won", _("未入选")
    CLOSED = "closed", _("榜单关闭")


class Proposal(models.Model):
    """An answer to a challenge (揭榜) by a university, institute or company; no account needed."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="proposals")
    reference = models.CharField(_("受理编号"), max_length=20, unique=True)
    institution = models.CharField(_("揭榜单位"), max_length=200)
    team = models.TextField(_("团队"), max_length=5000)
    plan = models.TextField(_("技术方案"), max_length=20000)
    schedule = models.TextField(_("进度安排"), max_length=5000)
    price = models.DecimalField(
        _("报价（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    contact = models.CharField(_("联系人及电话"), max_length=200)
    email = models.EmailField(_("电子邮箱"))
    submitted_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(
        _("结果"), max_length=20, choices=ProposalOutcome.choices, default=ProposalOutcome.PENDING
    )
    notified_at = models.DateTimeField(_("结果通知时间"), null=True, blank=True)
    achievement = models.OneToOneField(
        Achievement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("揭榜方案")
        verbose_name_plural = _("揭榜方案")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="proposal_price_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.institution}"


class Attachment(models.Model):
    """A PDF or Office file of a proposal, kept in private storage (never under a static URL)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to="proposals/%Y/%m/")
    filename = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class Invitation(models.Model):
    """An expert invited to a challenge's panel or to review a deal's match (exactly one of them)."""

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="invitations")
    challenge = models.ForeignKey(
        Challenge, null=True, blank=True, on_delete=models.CASCADE, related_name="panel"
    )
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.CASCADE, related_name="expert_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("专家邀请")
        verbose_name_plural = _("专家邀请")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(challenge__isnull=True, deal__isnull=False)
                | Q(challenge__isnull=False, deal__isnull=True),
                name="invitation_one_target",
            ),
            models.UniqueConstraint(
                fields=["expert", "challenge"],
                condition=Q(challenge__isnull=False),
                name="invitation_once_per_challenge",
            ),
            models.UniqueConstraint(
                fields=["expert", "deal"],
                condition=Q(deal__isnull=False),
                name="invitation_once_per_deal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.challenge_id or self.deal_id}"


class Review(models.Model):
    """An expert's scores (1–5 per criterion) and opinion on a proposal or on a deal's match."""

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="reviews")
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.CASCADE, related_name="expert_reviews"
    )
    scores = models.JSONField(_("评分"), default=dict)
    opinion = models.TextField(_("评审意见"), max_length=5000)
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("专家评审")
        verbose_name_plural = _("专家评审")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=True, deal__isnull=False)
                | Q(proposal__isnull=False, deal__isnull=True),
                name="review_one_target",
            ),
            models.UniqueConstraint(
                fields=["expert", "proposal"],
                condition=Q(proposal__isnull=False),
                name="review_once_per_proposal",
            ),
            models.UniqueConstraint(
                fields=["expert", "deal"],
                condition=Q(deal__isnull=False),
                name="review_once_per_deal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.proposal_id or self.deal_id}"
