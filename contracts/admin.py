from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contracts.models import Contract, ContractDocument, ExchangeRegistration


class ReadOnlyStateMixin:
    # Contracts, documents and registrations change only through the services (validation, who and
    # why, side effects such as the reward claw-back); the admin shows them and their history.
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class DocumentInline(admin.TabularInline):
    model = ContractDocument
    extra = 0
    can_delete = False
    fields = ("version", "status", "final", "template_version", "sha256", "size", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Contract)
class ContractAdmin(ReadOnlyStateMixin, SimpleHistoryAdmin):
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
class ContractDocumentAdmin(ReadOnlyStateMixin, SimpleHistoryAdmin):
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
class ExchangeRegistrationAdmin(ReadOnlyStateMixin, SimpleHistoryAdmin):
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
