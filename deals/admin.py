"""The admin of the deal pipeline: needs and achievements are edited through the services (the
signed-in admin is the actor); deals, their brokers and shares, requests, links and activities
are read-only here, because each has rules (shares sum to 100, the caseload limit, the state
machine, four eyes) that only the services and the deal page / API apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from brokers.models import User
from brokers.requests import signed_in
from common.admin import ReadOnlyAdminMixin
from deals import permissions, services
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


class CatalogueAdmin(SimpleHistoryAdmin):
    """Adds and edits go through `<entity>_create` / `<entity>_update` with the admin as actor."""

    create_service: Callable[..., Model]
    update_service: Callable[..., Model]
    instance_kwarg: str
    readonly_fields = ["created_by", "submitted_publicly", "created_at", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and permissions.may_write_catalogue(
            signed_in(request)
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        if not (super().has_change_permission(request, obj) and isinstance(user, User)):
            return False
        if obj is None:
            return permissions.may_write_catalogue(user)
        return permissions.may_edit_catalogue_record(user, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            current = type(obj).objects.get(pk=obj.pk)
            saved = type(self).update_service(
                actor=request.user, **{self.instance_kwarg: current}, **fields
            )
        else:
            saved = type(self).create_service(actor=request.user, **form.cleaned_data)
        obj.pk = saved.pk


@admin.register(Demand)
class DemandAdmin(CatalogueAdmin):
    list_display = ["title", "enterprise", "industry", "region", "budget", "created_at"]
    list_filter = ["industry", "region"]
    search_fields = ["title", "description", "enterprise", "external_id"]
    create_service = staticmethod(services.demand_create)
    update_service = staticmethod(services.demand_update)
    instance_kwarg = "demand"


@admin.register(Achievement)
class AchievementAdmin(CatalogueAdmin):
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
    create_service = staticmethod(services.achievement_create)
    update_service = staticmethod(services.achievement_update)
    instance_kwarg = "achievement"


class DealBrokerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DealBroker
    extra = 0
    fields = readonly_fields = ("user", "share")


class ActivityInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Activity
    extra = 0
    fields = readonly_fields = (
        "kind",
        "status",
        "occurred_at",
        "planned_at",
        "location",
        "participants",
        "minutes",
        "created_by",
    )


@admin.register(Deal)
class DealAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Stage moves go through the request/approval flow, brokers and shares through the deal
    page or the API. History "revert" is disabled project-wide (SIMPLE_HISTORY_REVERT_DISABLED):
    it would bypass the state machine."""

    list_display = ["title", "state", "organisation", "lead_broker", "due_at"]
    list_filter = ["state", "organisation"]
    search_fields = ["title", "demand__title", "demand__enterprise"]
    inlines = [DealBrokerInline, ActivityInline]


@admin.register(TransitionRequest)
class TransitionRequestAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["deal", "from_state", "target", "status", "requested_by", "decided_by"]
    list_filter = ["status", "target"]


@admin.register(DealAchievement)
class DealAchievementAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["deal", "achievement", "linked_by", "linked_at"]


@admin.register(DealBroker)
class DealBrokerAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["deal", "user", "share"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["deal", "kind", "status", "occurred_at", "location"]
    list_filter = ["kind", "status"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Raised by the SLA sweep; an admin may only mark one resolved."""

    list_display = ["deal", "kind", "message", "created_at", "resolved_at"]
    list_filter = ["kind"]
    readonly_fields = ["deal", "kind", "key", "message", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# The subpackage's admin registers itself when imported (Django autodiscovers `deals.admin` only).
from deals.assignment import admin as assignment_admin  # noqa: E402,F401
