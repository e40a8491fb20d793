"""Admin plumbing shared by the apps: the admin shows rule-governed rows, the services write them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """For rows that change only through the services (validation, permissions, who and why,
    side effects): the admin lists them and shows their history, and that is all. An editable
    admin form would be a second door that skips every rule."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
