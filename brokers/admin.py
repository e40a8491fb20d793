from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from brokers.models import BrokerProfile, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "region", "created_at"]
    search_fields = ["name"]


class BrokerProfileInline(admin.StackedInline):
    model = BrokerProfile
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "display_name", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    search_fields = ["username", "display_name", "email"]
    inlines = [BrokerProfileInline]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("DealDesk", {"fields": ("role", "display_name", "organisation", "region")}),
    )


@admin.register(BrokerProfile)
class BrokerProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "certificate_number", "region_code", "caseload_limit"]
    search_fields = ["user__username", "user__display_name", "certificate_number"]
