"""Follow-up after registration (实施跟踪): the implementation milestones, the visits and the
outcome of a registered deal. Each row keeps its history (who, when, why) with simple-history.

The registration deadline (a signed contract must be registered within N working days) is not
stored: it is derived from the contract's signing date and the holiday calendar
(`followup.registration`), so a calendar upgrade corrects every deadline at once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class MilestoneKind(models.TextChoices):
    # In the order they happen; "the next milestone" is the first of these without an actual date.
    DOCUMENTS_DELIVERED = "documents_delivered", _("技术资料交付")
    ACCEPTANCE = "acceptance", _("验收")
    TRIAL_PRODUCTION = "trial_production", _("试生产")
    IN_PRODUCTION = "in_production", _("投产")


MILESTONE_ORDER: list[str] = list(MilestoneKind.values)


class Milestone(models.Model):
    """One implementation milestone of a deal: when it is planned, when it happened."""

    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="milestones"
    )
    kind = models.CharField(_("里程碑"), max_length=30, choices=MilestoneKind.choices)
    planned_on = models.DateField(_("计划日期"), null=True, blank=True)
    actual_on = models.DateField(_("实际日期"), null=True, blank=True)
    note = models.TextField(_("说明"), max_length=2000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("实施里程碑")
        verbose_name_plural = _("实施里程碑")
        ordering = ["deal_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "kind"], name="milestone_once_per_deal"),
            models.CheckConstraint(
                condition=Q(kind__in=MILESTONE_ORDER), name="milestone_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.get_kind_display()}"


class Visit(models.Model):
    """A follow-up visit (回访): when, who went and whom they met, what was found."""

    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("回访日期"))
    visitors = models.CharField(_("回访人员"), max_length=300)
    notes = models.TextField(_("回访记录"), max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.visited_on}"


class OutcomeResult(models.TextChoices):
    COMPLETED = "completed", _("实施完成")
    PARTLY = "partly", _("部分实施")
    FAILED = "failed", _("实施失败")


class Outcome(models.Model):
    """How the implementation ended. Partly or failed always says why."""

    deal = models.OneToOneField(
        "deals.Deal", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="outcome"
    )
    result = models.CharField(_("实施结果"), max_length=20, choices=OutcomeResult.choices)
    reason = models.TextField(_("原因说明"), max_length=2000, blank=True)
    decided_on = models.DateField(_("认定日期"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("实施结果")
        verbose_name_plural = _("实施结果")
        constraints = [
            models.CheckConstraint(
                condition=Q(result="completed") | ~Q(reason=""), name="outcome_not_done_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(result__in=list(OutcomeResult.values)), name="outcome_result_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.get_result_display()}"
