from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ReadOnlyAdminMixin
from contracts.models import Contract, ContractAttachment, ContractDocument, ExchangeRegistration


class DocumentInline(admin.TabularInline):
    model = ContractDocument
    extra = 0
    can_delete = False
    fields = ("version", "status", "final", "template_version", "sha256", "size", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "number",
        "title",
        "contract_type",
        "status",
        "version",
        "is_current",
        "amount",
        "technology_amount",
        "signed_on",
    ]
    list_filter = ["status", "contract_type", "is_current"]
    search_fields = ["number", "title", "deal__title"]
    raw_id_fields = ["deal", "supersedes", "created_by", "signed_by"]
    inlines = [DocumentInline]


@admin.register(ContractDocument)
class ContractDocumentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "contract",
        "version",
        "status",
        "final",
        "template_version",
        "size",
        "created_at",
    ]
    list_filter = ["status", "final", "template_version"]
    search_fields = ["contract__number", "sha256"]


@admin.register(ExchangeRegistration)
class ExchangeRegistrationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "registration_number",
        "contract",
        "exchange",
        "registered_on",
        "certificate_number",
        "cancelled_at",
    ]
    list_filter = ["exchange"]
    search_fields = ["registration_number", "certificate_number", "contract__number"]


@admin.register(ContractAttachment)
class ContractAttachmentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Metadata only: the file itself leaves through the deal-checking download view."""

    list_display = ["filename", "kind", "contract", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["filename", "sha256", "contract__number"]
    exclude = ["file"]
