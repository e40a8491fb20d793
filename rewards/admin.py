"""Admin: policies are written through the services (same rules as the API); rewards are
read-only here (the finance workflow lives in the API and the pages, with four eyes)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from brokers.models import User
from common.exceptions import DomainError
from rewards import services
from rewards.models import Clawback, Reward, RewardPolicy, RewardShare
from rewards.permissions import may_write_policy


class RewardPolicyForm(forms.ModelForm):
    tiers = forms.JSONField(
        required=False,
        help_text='例：[{"up_to": "30000000.00", "rate": "0.005"}, {"up_to": null, "rate": "0.003"}]',
    )

    class Meta:
        model = RewardPolicy
        fields = services.POLICY_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        fields = {name: cleaned.get(name) for name in services.POLICY_FIELDS}
        try:
            if self.instance.pk:
                changes = {name: fields[name] for name in self.changed_data if name in fields}
                services.policy_validate(policy_id=self.instance.pk, fields=changes)
            else:
                services.policy_validate(policy_id=None, fields=fields)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        return cleaned


@admin.register(RewardPolicy)
class RewardPolicyAdmin(SimpleHistoryAdmin):
    form = RewardPolicyForm
    list_display = [
        "name",
        "region",
        "tier_mode",
        "rate",
        "cap_per_project",
        "cap_per_person_year",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["tier_mode", "basis", "region"]
    search_fields = ["name", "region"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data.get(name) for name in services.POLICY_FIELDS}
        actor: Any = request.user
        if change:
            changes = {name: fields[name] for name in form.changed_data if name in fields}
            saved = services.policy_update(policy_id=obj.pk, actor=actor, changes=changes)
        else:
            saved = services.policy_create(actor=actor, reason="后台新增", **fields)
        obj.pk = saved.pk

    # Django's model permissions and the domain's rule, both (a staff broker with the model
    # permission still may not write a policy).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and may_write_policy(cast(User, request.user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and may_write_policy(
            cast(User, request.user)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # rewards point at their policy: close it with effective_to instead


class RewardShareInline(admin.TabularInline):
    model = RewardShare
    extra = 0
    can_delete = False
    readonly_fields = ["user", "share", "is_lead", "allocated", "amount"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Reward)
class RewardAdmin(_ReadOnly, SimpleHistoryAdmin):
    list_display = ["id", "deal", "region", "registered_on", "amount", "status", "paid_on"]
    list_filter = ["status", "year", "region"]
    search_fields = ["deal__title", "payment_reference"]
    inlines = [RewardShareInline]
    list_select_related = ["deal"]


@admin.register(Clawback)
class ClawbackAdmin(_ReadOnly, SimpleHistoryAdmin):
    list_display = ["reward", "amount", "reason", "created_by", "created_at"]
