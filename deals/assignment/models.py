"""Models of lead assignment and the double-brokering guard (owned by deals.assignment).

Django discovers an app's models from `deals.models` only; it star-imports this module.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = ["BrokeringConflict", "ConflictKind", "ConflictStatus", "LeadChange"]


class LeadChange(models.Model):
    """One change of a deal's lead broker: who, to whom, why, and the share that moved."""

    deal = models.ForeignKey("deals.Deal", on_delete=models.CASCADE, related_name="lead_changes")
    from_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("原主办经纪人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("新主办经纪人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The new lead's share after the change (the old lead's share plus any they already held).
    share = models.DecimalField(_("新主办分成（%）"), max_digits=5, decimal_places=2)
    reason = models.CharField(_("更换原因"), max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("主办经纪人变更")
        verbose_name_plural = _("主办经纪人变更")
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_lead=F("to_lead")), name="lead_change_changes_lead"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_lead_id} → {self.to_lead_id}"


class ConflictKind(models.TextChoices):
    SAME_NEED = "same_need", _("同一需求在两个项目中办理")
    SIMILAR_NEED = "similar_need", _("同一企业的相近需求在两个项目中办理")
    SHARED_ACHIEVEMENT = "shared_achievement", _("同一成果被两个机构的项目关联")


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("待协调")
    RESOLVED = "resolved", _("已协调")


class BrokeringConflict(models.Model):
    """Two open deals that may be brokering the same thing (重复撮合预警).

    One row per pair of deals and kind, the lower deal id first; both deals show it. Resolving
    it records the agreed split of credit (see deals.assignment.services.conflict_resolve).
    """

    deal_a = models.ForeignKey("deals.Deal", on_delete=models.CASCADE, related_name="+")
    deal_b = models.ForeignKey("deals.Deal", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=30, choices=ConflictKind.choices)
    # Text similarity of the two needs (similar_need), 0–1.
    similarity = models.DecimalField(
        _("相似度"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    achievement = models.ForeignKey(
        "deals.Achievement", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    detected_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The deal whose broker shares the agreement set, and the agreement itself.
    resolved_deal = models.ForeignKey(
        "deals.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    shares = models.JSONField(_("协商分成"), default=list, blank=True)
    note = models.CharField(_("协调说明"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("重复撮合预警")
        verbose_name_plural = _("重复撮合预警")
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["deal_a", "deal_b", "kind"], name="conflict_once"),
            models.CheckConstraint(
                condition=Q(deal_a__lt=F("deal_b")), name="conflict_pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(resolved_by__isnull=False),
                name="resolved_conflict_has_resolver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.deal_a_id} ↔ {self.deal_b_id}"
