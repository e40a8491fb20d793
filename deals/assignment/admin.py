"""Read-only admin of lead changes and double-brokering warnings: a lead changes, and a warning
is resolved, through the services (deal page or API) that apply the share and caseload rules."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ReadOnlyAdminMixin
from deals.assignment.models import BrokeringConflict, LeadChange


@admin.register(LeadChange)
class LeadChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["deal", "from_lead", "to_lead", "share", "reason", "changed_by", "changed_at"]
    search_fields = ["deal__title", "reason"]


@admin.register(BrokeringConflict)
class BrokeringConflictAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["deal_a", "deal_b", "kind", "similarity", "status", "detected_at"]
    list_filter = ["kind", "status"]
