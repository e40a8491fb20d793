"""Payments received under a deal's technology contract (合同到账), recorded against the
contract's payment schedule.

A payment is never deleted or edited: a wrong or bounced one is *reversed* (with who, when and
why), and stops counting. The non-reversed payments of a deal never add up to more than its
current contract's amount (checked under the contract's row lock, `payments.services`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.files import private_storage


class Payment(models.Model):
    # The deal owns the payments: a new contract version keeps the money already received under
    # the old one (`contract` remembers which version a payment was recorded under).
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="payments"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("合同"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    received_on = models.DateField(_("到账日期"))
    amount = models.DecimalField(_("到账金额（元）"), max_digits=18, decimal_places=2)
    payer = models.CharField(_("付款方"), max_length=200)
    reference = models.CharField(_("银行流水号"), max_length=100)
    # The bank slip, in private storage: served only through the API to those who see the deal.
    scan = models.FileField(
        _("凭证扫描件"),
        upload_to="payments/",
        storage=private_storage,
        blank=True,
        max_length=300,
    )
    scan_name = models.CharField(_("扫描件文件名"), max_length=200, blank=True)
    scan_content_type = models.CharField(max_length=100, blank=True)
    scan_size = models.PositiveIntegerField(null=True, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    reversed_at = models.DateTimeField(_("冲销时间"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reverse_reason = models.TextField(_("冲销原因"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("合同到账")
        verbose_name_plural = _("合同到账")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True) | ~Q(reverse_reason=""),
                name="payment_reversal_has_reason",
            ),
            # One bank transfer is recorded once per deal (a double click, a second person
            # entering the same slip); a reversed entry frees its reference.
            models.UniqueConstraint(
                fields=["deal", "reference"],
                condition=Q(reversed_at__isnull=True),
                name="payment_reference_once_per_deal",
            ),
        ]
        indexes = [models.Index(fields=["deal", "reversed_at"])]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount} ({self.reference})"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None
