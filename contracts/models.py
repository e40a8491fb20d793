"""Technology contracts (技术合同), their rendered PDF documents and the exchange registration.

A contract is drafted, then signed; a signed contract never changes. Changing it means a new
version: a new Contract row with `version + 1` that `supersedes` the old one, which stays as it
was (with its documents and history). Exactly one row per deal is `is_current` (a database
constraint), so "the deal's contract" is a single indexed lookup.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from common.files import private_storage


class ContractType(models.TextChoices):
    DEVELOPMENT = "development", _("技术开发")
    TRANSFER = "transfer", _("技术转让")
    LICENSE = "license", _("技术许可")
    CONSULTING = "consulting", _("技术咨询")
    SERVICE = "service", _("技术服务")


# The kinds of each type, as the registration rules classify them. Data, not code: the API, the
# templates and the validation read this table.
SUBTYPES: dict[str, dict[str, Any]] = {
    ContractType.DEVELOPMENT: {"commissioned": _("委托开发"), "cooperative": _("合作开发")},
    ContractType.TRANSFER: {
        "patent_right": _("专利权转让"),
        "patent_application_right": _("专利申请权转让"),
        "know_how": _("技术秘密转让"),
        "other": _("其他技术转让"),
    },
    ContractType.LICENSE: {
        "exclusive_patent": _("专利实施许可（独占）"),
        "sole_patent": _("专利实施许可（排他）"),
        "ordinary_patent": _("专利实施许可（普通）"),
        "exclusive_know_how": _("技术秘密使用许可（独占）"),
        "sole_know_how": _("技术秘密使用许可（排他）"),
        "ordinary_know_how": _("技术秘密使用许可（普通）"),
    },
    ContractType.CONSULTING: {"consulting": _("技术咨询")},
    ContractType.SERVICE: {
        "service": _("技术服务"),
        "training": _("技术培训"),
        "brokerage": _("技术中介"),
    },
}


class PaymentMode(models.TextChoices):
    LUMP_SUM = "lump_sum", _("一次总付")
    INSTALMENTS = "instalments", _("分期支付")
    ROYALTY = "royalty", _("提成支付")
    ENTRY_FEE_ROYALTY = "entry_fee_royalty", _("入门费加提成")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SIGNED = "signed", _("已签署")
    REGISTERED = "registered", _("已登记")
    CANCELLED = "cancelled", _("已作废")


class Contract(ConcurrentTransitionMixin, models.Model):
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(_("合同编号"), max_length=40, unique=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("取代的版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    is_current = models.BooleanField(_("当前版本"), default=True)
    # Bumped by every edit: a document rendered at one revision is reused for a re-request at the
    # same revision (same bytes), and a new one is rendered after a change.
    revision = models.PositiveIntegerField(default=1)

    contract_type = models.CharField(_("合同类型"), max_length=20, choices=ContractType.choices)
    subtype = models.CharField(_("合同子类"), max_length=40)
    title = models.CharField(_("项目名称"), max_length=200)
    # What the contract is about: the achievement's or the patent's name (项目名称 is the deal's).
    subject = models.CharField(_("合同标的"), max_length=200, blank=True)
    party_a = models.JSONField(_("甲方"), default=dict)
    party_b = models.JSONField(_("乙方"), default=dict)
    # The broker as intermediary (中介方): the organisation and the lead broker, copied when the
    # contract is drafted or edited and frozen by signing, so a signed PDF never changes.
    intermediary = models.JSONField(_("中介方"), default=dict)
    amount = models.DecimalField(_("成交额（元）"), max_digits=18, decimal_places=2)
    technology_amount = models.DecimalField(_("技术交易额（元）"), max_digits=18, decimal_places=2)
    payment_mode = models.CharField(
        _("支付方式"), max_length=20, choices=PaymentMode.choices, default=PaymentMode.LUMP_SUM
    )
    payment_terms = models.TextField(_("支付约定"), max_length=5000, blank=True)
    # [{"due_on": "YYYY-MM-DD", "amount": "123.45", "note": "..."}] — instalments, in order.
    payment_schedule = models.JSONField(_("支付计划"), default=list, blank=True)
    clauses = models.JSONField(_("条款"), default=dict, blank=True)
    # Patent contracts name the patent: number, kind, title, holder, inventors, application and
    # grant dates, validity, fees paid up to, and the patent office's registration / filing data.
    patent = models.JSONField(_("专利信息"), default=dict, blank=True)
    sign_place = models.CharField(_("签订地点"), max_length=200)
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    valid_from = models.DateField(_("有效期自"))
    valid_to = models.DateField(_("有效期至"))
    status = FSMField(
        _("状态"),
        default=ContractStatus.DRAFT,
        choices=ContractStatus.choices,
        protected=True,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(_("作废原因"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("技术合同")
        verbose_name_plural = _("技术合同")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(technology_amount__gte=0), name="contract_tech_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(technology_amount__lte=F("amount")),
                name="contract_tech_amount_le_amount",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="contract_validity_ordered"
            ),
            models.CheckConstraint(
                # A cancelled draft was never signed; every other non-draft was.
                condition=Q(status__in=["draft", "cancelled"]) | Q(signed_on__isnull=False),
                name="contract_signed_has_date",
            ),
            models.UniqueConstraint(
                fields=["deal"], condition=Q(is_current=True), name="one_current_contract_per_deal"
            ),
            models.UniqueConstraint(fields=["deal", "version"], name="contract_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def subtype_label(self) -> str:
        return str(SUBTYPES.get(self.contract_type, {}).get(self.subtype, self.subtype))

    @property
    def is_editable(self) -> bool:
        return self.status == ContractStatus.DRAFT

    @transition(field=status, source=ContractStatus.DRAFT, target=ContractStatus.SIGNED)
    def sign(self) -> None:
        pass

    @transition(field=status, source=ContractStatus.SIGNED, target=ContractStatus.REGISTERED)
    def register(self) -> None:
        pass

    # Deregistration puts the contract back to signed: it is still a signed contract, only its
    # registration was withdrawn; registering again needs a new version (the registration is 1:1).
    @transition(field=status, source=ContractStatus.REGISTERED, target=ContractStatus.SIGNED)
    def deregister(self) -> None:
        pass

    @transition(
        field=status,
        source=[ContractStatus.DRAFT, ContractStatus.SIGNED],
        target=ContractStatus.CANCELLED,
    )
    def cancel(self) -> None:
        pass


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


class ContractDocument(models.Model):
    """One rendered PDF version of a contract. The file lives in storage; the row keeps its hash."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="documents")
    version = models.PositiveIntegerField(_("文档版本"))
    contract_revision = models.PositiveIntegerField()
    # Rendered from a signed contract: only such a document completes the agreement stage.
    final = models.BooleanField(_("正式文本"), default=False)
    template_name = models.CharField(max_length=100)
    template_version = models.CharField(_("模板版本"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    file = models.FileField(_("文件"), upload_to="contracts/", blank=True, max_length=300)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("合同文档")
        verbose_name_plural = _("合同文档")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "version"], name="contract_document_once"),
            models.CheckConstraint(
                condition=~Q(status="ready") | (Q(sha256__regex=r"^[0-9a-f]{64}$") & ~Q(file="")),
                name="ready_document_has_file_and_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} PDF v{self.version} ({self.status})"


class ExchangeRegistration(models.Model):
    """The registration office's record (认定登记) and the exchange's transaction certificate."""

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="registration")
    exchange = models.CharField(_("技术交易机构"), max_length=200)
    registration_number = models.CharField(_("登记编号"), max_length=20)
    registered_on = models.DateField(_("登记日期"))
    certificate_number = models.CharField(_("交易证明编号"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.TextField(_("撤销原因"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("合同登记")
        verbose_name_plural = _("合同登记")
        ordering = ["-registered_on", "-id"]
        constraints = [
            # The office issues each number once; a cancelled registration frees nothing.
            models.UniqueConstraint(
                fields=["registration_number"], name="registration_number_once"
            ),
            models.CheckConstraint(
                condition=Q(registration_number__regex=r"^[0-9]+$"),
                name="registration_number_digits",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | ~Q(cancel_reason=""),
                name="registration_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_number} ({self.exchange})"

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None


class AttachmentKind(models.TextChoices):
    SIGNED_SCAN = "signed_scan", _("盖章合同扫描件")
    REGISTRATION_CERTIFICATE = "registration_certificate", _("登记证明")
    OTHER = "other", _("其他附件")


class ContractAttachment(models.Model):
    """A stamped scan, a registration certificate or another file of a contract: PDF or image,
    checked by content, kept in private storage and served only to those who may see the deal."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="attachments")
    registration = models.ForeignKey(
        ExchangeRegistration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField(_("附件类型"), max_length=30, choices=AttachmentKind.choices)
    file = models.FileField(storage=private_storage, upload_to="contracts/%Y/%m/", max_length=300)
    filename = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("合同附件")
        verbose_name_plural = _("合同附件")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="registration_certificate") | Q(registration__isnull=False),
                name="certificate_belongs_to_registration",
            )
        ]

    def __str__(self) -> str:
        return self.filename
