from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from deals.models import (
    Achievement,
    Activity,
    Deal,
    DealAchievement,
    DealBroker,
    Demand,
    Escalation,
    TransitionRequest,
)


@admin.register(Demand)
class DemandAdmin(SimpleHistoryAdmin):
    list_display = ["title", "enterprise", "industry", "region", "budget", "created_at"]
    list_filter = ["industry", "region"]
    search_fields = ["title", "description", "enterprise", "external_id"]


@admin.register(Achievement)
class AchievementAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "owner",
        "kind",
        "patent_number",
        "industry",
        "maturity",
        "asking_price",
    ]
    list_filter = ["kind", "industry", "maturity"]
    search_fields = ["title", "description", "owner", "patent_number", "external_id"]


class DealBrokerInline(admin.TabularInline):
    model = DealBroker
    extra = 0
    readonly_fields = ["user", "share"]
    can_delete = False


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0
    readonly_fields = ["kind", "occurred_at", "location", "participants", "minutes", "created_by"]
    can_delete = False


@admin.register(Deal)
class DealAdmin(SimpleHistoryAdmin):
    """Read-mostly: stage moves go through the request/approval flow, never through the admin.
    History "revert" is disabled project-wide (SIMPLE_HISTORY_REVERT_DISABLED): it would
    bypass the state machine.
    """

    list_display = ["title", "state", "organisation", "lead_broker", "due_at"]
    list_filter = ["state", "organisation"]
    search_fields = ["title", "demand__title", "demand__enterprise"]
    readonly_fields = [
        "state",
        "state_entered_at",
        "due_at",
        "organisation",
        "lead_broker",
        "demand",
    ]
    inlines = [DealBrokerInline, ActivityInline]


@admin.register(TransitionRequest)
class TransitionRequestAdmin(SimpleHistoryAdmin):
    list_display = ["deal", "from_state", "target", "status", "requested_by", "decided_by"]
    list_filter = ["status", "target"]
    readonly_fields = [f.name for f in TransitionRequest._meta.fields]


@admin.register(DealAchievement)
class DealAchievementAdmin(SimpleHistoryAdmin):
    list_display = ["deal", "achievement", "linked_by", "linked_at"]


@admin.register(DealBroker)
class DealBrokerAdmin(SimpleHistoryAdmin):
    list_display = ["deal", "user", "share"]


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ["deal", "kind", "occurred_at", "location"]
    list_filter = ["kind"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["deal", "kind", "message", "created_at", "resolved_at"]
    list_filter = ["kind"]
