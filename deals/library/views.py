"""Pages that create and edit needs and achievements, and import them from a spreadsheet.

Who may edit a record is `deals.permissions.may_edit_catalogue_record` (403 with its message);
a record that does not exist is a 404. A refused or invalid save shows the form again with the
errors next to their fields and what was typed kept (status 400).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brokers.requests import signed_in
from common.exceptions import DomainError
from common.pages import login_required
from common.permissions import Predicate
from deals import permissions, services
from deals.library.forms import AchievementForm, DemandForm, ImportForm
from deals.matching import services as import_services
from deals.matching.models import ImportKind
from deals.matching.selectors import import_job_get_for_user
from deals.models import Achievement, Demand

KINDS: dict[str, dict[str, Any]] = {
    "need": {
        "model": Demand,
        "form": DemandForm,
        "create": services.demand_create,
        "update": services.demand_update,
        "instance_kwarg": "demand",
        "list": "needs",
        "import_kind": ImportKind.DEMAND,
        "title": gettext_lazy("技术需求"),
    },
    "achievement": {
        "model": Achievement,
        "form": AchievementForm,
        "create": services.achievement_create,
        "update": services.achievement_update,
        "instance_kwarg": "achievement",
        "list": "achievements",
        "import_kind": ImportKind.ACHIEVEMENT,
        "title": gettext_lazy("科技成果"),
    },
}


def _require(rule: Predicate[Any], *args: Any) -> None:
    """The rule's own message on the 403 page (the pages' door to the same predicate)."""
    if not rule(*args):
        raise PermissionDenied(str(rule.denied(*args) if callable(rule.denied) else rule.denied))


def _record_form(request: HttpRequest, kind: str, record: models.Model | None) -> HttpResponse:
    spec = KINDS[kind]
    user = signed_in(request)
    if record is None:
        _require(permissions.may_write_catalogue, user)
    else:
        _require(permissions.may_edit_catalogue_record, user, record)
    form = spec["form"](request.POST if request.method == "POST" else None, instance=record)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if record is None:
                saved = spec["create"](actor=user, reason=_("页面录入"), **data)
            else:
                # The form has already written its values onto `record`: the service compares
                # against a fresh copy, so that it sees (and records) what changed.
                fresh = spec["model"].objects.get(pk=record.pk)
                saved = spec["update"](
                    actor=user, reason=_("页面修改"), **{spec["instance_kwarg"]: fresh}, **data
                )
        except DjangoValidationError as exc:
            form.add_error(None, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存“%(title)s”。") % {"title": saved.title})
            return redirect(reverse(spec["list"]) + f"?q={saved.title[:50]}")
    return render(
        request,
        "deals/library_form.html",
        {"form": form, "kind": kind, "record": record, "kind_title": spec["title"]},
        status=400 if form.is_bound else 200,
    )


@login_required
def demand_new(request: HttpRequest) -> HttpResponse:
    return _record_form(request, "need", None)


@login_required
def demand_edit(request: HttpRequest, demand_id: int) -> HttpResponse:
    demand = get_object_or_404(Demand.objects.select_related("created_by"), pk=demand_id)
    return _record_form(request, "need", demand)


@login_required
def achievement_new(request: HttpRequest) -> HttpResponse:
    return _record_form(request, "achievement", None)


@login_required
def achievement_edit(request: HttpRequest, achievement_id: int) -> HttpResponse:
    achievement = get_object_or_404(
        Achievement.objects.select_related("created_by"), pk=achievement_id
    )
    return _record_form(request, "achievement", achievement)


def _import(request: HttpRequest, kind: str) -> HttpResponse:
    spec = KINDS[kind]
    user = signed_in(request)
    _require(permissions.may_import, user)
    posted = request.method == "POST"
    # Bound on every POST, even an empty one: an empty form is an error to show, not a blank page.
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_services.import_job_create(
                actor=user, kind=spec["import_kind"], upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("import-job", job_id=job.pk)
    return render(
        request,
        "deals/library_import.html",
        {"form": form, "kind": kind, "kind_title": spec["title"]},
        status=400 if form.is_bound else 200,
    )


@login_required
def demand_import(request: HttpRequest) -> HttpResponse:
    return _import(request, "need")


@login_required
def achievement_import(request: HttpRequest) -> HttpResponse:
    return _import(request, "achievement")


@login_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's progress: rendered as it stands, then kept current by
    static/js/import_progress.js polling GET /api/v1/jobs/{id}/ (no inline script: CSP)."""
    job = import_job_get_for_user(user=signed_in(request), job_id=job_id)
    kind = "need" if job.kind == ImportKind.DEMAND else "achievement"
    return render(
        request,
        "deals/import_job.html",
        {"job": job, "kind": kind, "list_url": reverse(KINDS[kind]["list"])},
    )
