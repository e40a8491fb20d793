"""Submissions in the admin: read-only. Deciding one goes through the triage page or the API
(`intake.services`), which lock the row, decide once and tell the submitter."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ReadOnlyAdminMixin
from intake.models import Submission


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["reference", "kind", "title", "party", "region", "organisation", "status"]
    list_filter = ["status", "kind", "organisation"]
    search_fields = ["reference", "title", "party", "email"]
