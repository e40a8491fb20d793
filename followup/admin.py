from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ReadOnlyAdminMixin
from followup.models import Milestone, Outcome, Visit

# Read-only: every write goes through the services (actor, reason, the rules).


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["deal", "kind", "planned_on", "actual_on", "updated_by", "updated_at"]
    list_filter = ["kind"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["deal", "visited_on", "visitors", "created_by"]


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["deal", "result", "decided_on", "updated_by"]
    list_filter = ["result"]
