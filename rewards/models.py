"""Reward policies (as data), the reward of each registered deal, its shares and clawbacks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from brokers.models import region_code_validator

MONEY: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}


class Basis(models.TextChoices):
    TECHNOLOGY_AMOUNT = "technology_amount", _("技术交易额")
    CONTRACT_AMOUNT = "contract_amount", _("合同成交额")
    # Nanjing pays on money actually received: one partial reward per payment received
    # (`payments`), computed on the cumulative amount received (see Reward.payment).
    RECEIVED_AMOUNT = "received_amount", _("实际到账金额")


class TierMode(models.TextChoices):
    FLAT = "flat", _("固定比例")
    BRACKET = "bracket", _("全额分档")
    MARGINAL = "marginal", _("超额累进")


class RewardPolicy(models.Model):
    """A region's reward rule for a period. Policies covering the same region never overlap."""

    name = models.CharField(_("政策名称"), max_length=200)
    region = models.CharField(
        _("适用地区代码"), max_length=6, validators=[region_code_validator], db_index=True
    )
    basis = models.CharField(
        _("计奖基数"), max_length=30, choices=Basis.choices, default=Basis.TECHNOLOGY_AMOUNT
    )
    tier_mode = models.CharField(
        _("计算方式"), max_length=20, choices=TierMode.choices, default=TierMode.FLAT
    )
    # A fraction ("0.015" = 1.5%). In tiered modes it is the first tier's rate, kept for display.
    rate = models.DecimalField(_("比例"), max_digits=9, decimal_places=6, null=True, blank=True)
    # [{"up_to": "30000000.00" | null, "rate": "0.005", "cap": "..." | null}], ascending.
    tiers = models.JSONField(_("分档"), default=list, blank=True)
    cap_per_project = models.DecimalField(_("单个项目上限（元）"), **MONEY, null=True, blank=True)
    cap_per_person_year = models.DecimalField(
        _("每人每年上限（元）"), **MONEY, null=True, blank=True
    )
    effective_from = models.DateField(_("生效日期"))
    # Inclusive: a policy ending 2025-12-31 still covers contracts registered that day.
    effective_to = models.DateField(_("失效日期（含）"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("奖励政策")
        verbose_name_plural = _("奖励政策")
        ordering = ["region", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | (Q(rate__gte=0) & Q(rate__lte=1)),
                name="reward_policy_rate_0_to_1",
            ),
            models.CheckConstraint(
                condition=Q(cap_per_project__isnull=True) | Q(cap_per_project__gte=0),
                name="reward_policy_project_cap_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(cap_per_person_year__isnull=True) | Q(cap_per_person_year__gte=0),
                name="reward_policy_year_cap_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="reward_policy_period_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(tier_mode="flat") | Q(rate__isnull=False),
                name="reward_policy_flat_has_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.region}）"


class RewardStatus(models.TextChoices):
    NEEDS_POLICY = "needs_policy", _("待补政策")
    CALCULATED = "calculated", _("已核算")
    APPROVED = "approved", _("已审核")
    PAID = "paid", _("已发放")
    VOID = "void", _("已作废")


# Rewards that count towards a person's yearly cap (void ones were never owed).
COUNTING_STATUSES = [RewardStatus.CALCULATED, RewardStatus.APPROVED, RewardStatus.PAID]


class Reward(ConcurrentTransitionMixin, models.Model):
    """The reward of one registration of a deal. One *active* reward per deal (the database
    says so); a cancelled registration makes it inactive (voided, or paid and clawed back), and
    registering the deal again computes a fresh one.

    Under a policy on money received (`Basis.RECEIVED_AMOUNT`) the deal has no whole reward but
    one *partial* reward per payment received (`payment` set): one active reward per payment
    (the database says so too), each going through the finance workflow on its own; together
    they add up to the reward on the cumulative amount received."""

    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="rewards"
    )
    policy = models.ForeignKey(
        RewardPolicy,
        verbose_name=_("奖励政策"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rewards",
    )
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set on a partial reward: the payment received it rewards (policies on money received).
    payment = models.ForeignKey(
        "payments.Payment",
        verbose_name=_("到账"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rewards",
    )
    status = FSMField(
        _("状态"),
        default=RewardStatus.CALCULATED,
        choices=RewardStatus.choices,
        protected=True,
        db_index=True,
    )
    region = models.CharField(_("项目地区代码"), max_length=6)
    registered_on = models.DateField(_("登记日期"))
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    basis = models.CharField(_("计奖基数"), max_length=30, choices=Basis.choices, blank=True)
    basis_amount = models.DecimalField(_("基数金额（元）"), **MONEY, null=True, blank=True)
    amount = models.DecimalField(_("奖励金额（元）"), **MONEY, default=0)
    explanation = models.JSONField(_("计算说明"), default=dict)
    computed_at = models.DateTimeField(_("核算时间"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_on = models.DateField(_("发放日期"), null=True, blank=True)
    payment_reference = models.CharField(_("付款凭证号"), max_length=100, blank=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.TextField(_("作废原因"), blank=True)
    # False once the registration it rewards was cancelled (voided, or paid and clawed back).
    active = models.BooleanField(_("有效"), default=True)
    history = HistoricalRecords(excluded_fields=["explanation"])

    class Meta:
        verbose_name = _("经纪人奖励")
        verbose_name_plural = _("经纪人奖励")
        ordering = ["-registered_on", "-id"]
        constraints = [
            # The whole reward of a deal: one active at a time. Partial rewards (one per payment
            # received) are keyed by their payment instead.
            models.UniqueConstraint(
                fields=["deal"],
                condition=Q(active=True, payment__isnull=True),
                name="reward_one_active_per_deal",
            ),
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(active=True, payment__isnull=False),
                name="reward_one_active_per_payment",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="reward_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(basis_amount__isnull=True) | Q(basis_amount__gte=0),
                name="reward_basis_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status="needs_policy") | Q(status="void") | Q(policy__isnull=False),
                name="reward_computed_has_policy",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"]) | Q(approved_by__isnull=False),
                name="reward_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | (Q(paid_on__isnull=False) & ~Q(payment_reference="")),
                name="reward_paid_has_date_and_reference",
            ),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.amount} ({self.status})"

    # The finance workflow. Paid is final: nothing leaves it (a cancelled registration records a
    # Clawback instead), so a paid row never changes.
    @transition(field=status, source=RewardStatus.NEEDS_POLICY, target=RewardStatus.CALCULATED)
    def calculate(self) -> None:
        pass

    @transition(field=status, source=RewardStatus.CALCULATED, target=RewardStatus.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=RewardStatus.APPROVED, target=RewardStatus.PAID)
    def pay(self) -> None:
        pass

    @transition(
        field=status,
        source=[RewardStatus.NEEDS_POLICY, RewardStatus.CALCULATED, RewardStatus.APPROVED],
        target=RewardStatus.VOID,
    )
    def void(self) -> None:
        pass


class RewardShare(models.Model):
    """One beneficiary's part. Written once with the computed reward; never edited."""

    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reward_shares"
    )
    share = models.DecimalField(_("分成比例（%）"), max_digits=5, decimal_places=2)
    is_lead = models.BooleanField(_("主办"), default=False)
    # The part of the project amount by share, before this person's yearly cap.
    allocated = models.DecimalField(_("按比例分得（元）"), **MONEY)
    amount = models.DecimalField(_("应发金额（元）"), **MONEY)

    class Meta:
        verbose_name = _("奖励份额")
        verbose_name_plural = _("奖励份额")
        ordering = ["-share", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reward", "user"], name="reward_share_once"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(amount__lte=F("allocated")),
                name="reward_share_amount_0_to_allocated",
            ),
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=100), name="reward_share_0_to_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.amount}"


class Clawback(models.Model):
    """A paid reward whose registration was cancelled: the money is owed back (recorded once)."""

    reward = models.OneToOneField(Reward, on_delete=models.PROTECT, related_name="clawback")
    amount = models.DecimalField(_("追回金额（元）"), **MONEY)
    reason = models.TextField(_("追回原因"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("奖励追回")
        verbose_name_plural = _("奖励追回")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="clawback_amount_not_negative"),
            models.CheckConstraint(condition=~Q(reason=""), name="clawback_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.reward_id}: -{self.amount}"


class RewardYearTotal(models.Model):
    """What a person has been granted in a year under a region's policies: the running total
    the yearly cap is checked against. Kept by the services in the same transaction as the
    shares (added on computation, taken off on void and clawback), so checking the cap reads one
    row per person instead of summing their whole history."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.CharField(_("政策地区代码"), max_length=6)
    amount = models.DecimalField(_("本年度已得（元）"), **MONEY, default=0)

    class Meta:
        verbose_name = _("年度奖励累计")
        verbose_name_plural = _("年度奖励累计")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "year", "region"], name="reward_year_total_once"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="reward_year_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.year} {self.region}: {self.amount}"
