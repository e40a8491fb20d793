from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from records.models import Enterprise, Institution


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ["name", "credit_code", "region", "industry", "size"]
    search_fields = ["name", "credit_code"]
    list_filter = ["size", "industry"]


@admin.register(Institution)
class InstitutionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "credit_code", "kind", "region", "industry"]
    search_fields = ["name", "credit_code"]
    list_filter = ["kind"]
