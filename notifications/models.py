"""Notifications, one row per person and event, and each person's e-mail choice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("立即发送邮件")
    DIGEST = "digest", _("每日汇总一封")
    OFF = "off", _("不发邮件")


class Notification(models.Model):
    """Something that waits for this person. `key` makes it once-only: (user, key) is unique."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=40)
    text = models.CharField(_("内容"), max_length=500)
    # The deal it is about, by id: the deals app sits above this one (no foreign key upwards).
    deal_id = models.PositiveBigIntegerField(_("项目"), null=True, blank=True, db_index=True)
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # Set when what it announced no longer waits (an escalation's deal moved, its request decided).
    resolved_at = models.DateTimeField(_("已解决时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(
                fields=["emailed_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unsent",
            ),
            models.Index(fields=["key"], name="notification_key"),
        ]

    def __str__(self) -> str:
        return self.text


class NotificationSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_mode = models.CharField(
        _("邮件提醒"), max_length=20, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email_mode}"
