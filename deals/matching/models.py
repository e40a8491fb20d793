"""Models of the matching engine and the bulk import (owned by deals.matching).

The ranking index itself lives in each process's memory (see deals/matching/index.py); the
database holds what every process must agree on: a version counter per kind of document and the
log of changed ids, so that each web worker catches up incrementally before it answers a query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ImportJob",
    "ImportKind",
    "ImportStatus",
    "MatchChange",
    "MatchIndexState",
    "MatchKind",
    "MatchVector",
]


class MatchKind(models.TextChoices):
    ACHIEVEMENT = "achievement", _("科技成果")
    DEMAND = "demand", _("技术需求")


class MatchIndexState(models.Model):
    """One row per kind: the latest change version and the generation (bumped by a rebuild).

    Writers lock this row while they append to the change log, so versions commit in order and a
    reader that sees version v has also seen every change up to v.
    """

    kind = models.CharField(max_length=20, choices=MatchKind.choices, unique=True)
    version = models.BigIntegerField(default=0)
    generation = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("匹配索引状态")
        verbose_name_plural = _("匹配索引状态")

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} g{self.generation}"


class MatchChange(models.Model):
    """A document (achievement or need) changed at `version`; workers re-read it from its table."""

    kind = models.CharField(max_length=20, choices=MatchKind.choices)
    version = models.BigIntegerField()
    obj_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("匹配索引变更")
        verbose_name_plural = _("匹配索引变更")
        indexes = [models.Index(fields=["kind", "version"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.obj_id} v{self.version}"


class MatchVector(models.Model):
    """A document's sentence vector (deals/matching/semantic.py), computed by the worker after a
    save so that no request pays for it. `digest` says which text (and model) it was computed
    from: a vector whose text changed since is ignored until the worker replaces it."""

    kind = models.CharField(max_length=20, choices=MatchKind.choices)
    obj_id = models.BigIntegerField()
    digest = models.CharField(max_length=32)
    vector = models.BinaryField()  # float32, little-endian
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("匹配语义向量")
        verbose_name_plural = _("匹配语义向量")
        constraints = [
            models.UniqueConstraint(fields=["kind", "obj_id"], name="match_vector_one_per_doc")
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.obj_id}"


class ImportKind(models.TextChoices):
    ACHIEVEMENT = "achievement", _("科技成果")
    DEMAND = "demand", _("技术需求")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """A bulk import of a CSV/XLSX file: progress while it runs, every bad row with its reason."""

    kind = models.CharField(_("导入类型"), max_length=20, choices=ImportKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("原文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    progress = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新建"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    errors = models.JSONField(_("错误行"), default=list, blank=True)
    failure = models.TextField(_("失败原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("批量导入")
        verbose_name_plural = _("批量导入")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=models.F("total")), name="import_progress_le_total"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"
