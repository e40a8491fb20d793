"""Pages of public submissions: the two forms and the submitter's status page (no account), and
the triage queue with its decisions (supervisors of the routed organisation, admins).

Views parse input, call intake.services and show what came back; a DomainError becomes a message
on the page, never a 500. Submissions come through the selectors (404 when not visible)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brokers.models import User
from common.exceptions import DomainError
from common.pages import (
    login_required,
    paginate,
    panel_tags,
    pop_stashed_form,
    report_domain_error,
    stash_form,
    stashed_errors,
)
from intake import permissions, selectors, services
from intake.api import SUBMISSION_LIMIT, decoy_reference, receive
from intake.forms import FORMS, PRIVACY_NOTICE
from intake.models import Submission, SubmissionKind, SubmissionStatus

SUBMITTED = "intake_submitted"


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return user


# --- public ---------------------------------------------------------------------------------------


def _submit(request: HttpRequest, kind: str) -> HttpResponse:
    form = FORMS[kind](request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if not SUBMISSION_LIMIT.hit(request):
            form.is_valid()  # the fields keep what was typed
            form.add_error(None, SUBMISSION_LIMIT.message())
            status = 429
        elif form.is_bot:
            # Dropped without a trace; the page looks like any other thank-you page.
            receipt = {"kind": kind, "title": str(form.data.get("title", ""))[:200]}
            receipt["reference"] = decoy_reference(kind)
            return render(request, "intake/submitted.html", {"receipt": receipt})
        elif form.is_valid():
            try:
                submission = receive(kind, form)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                request.session[SUBMITTED] = {
                    "kind": kind,
                    "reference": submission.reference,
                    "title": submission.title,
                    "email": submission.email,
                }
                return redirect("submitted")
    return render(
        request,
        "intake/submit.html",
        {"form": form, "kind": kind, "privacy_notice": PRIVACY_NOTICE},
        status=status,
    )


def need_submit(request: HttpRequest) -> HttpResponse:
    return _submit(request, SubmissionKind.NEED)


def achievement_submit(request: HttpRequest) -> HttpResponse:
    return _submit(request, SubmissionKind.ACHIEVEMENT)


def submitted(request: HttpRequest) -> HttpResponse:
    receipt = request.session.get(SUBMITTED)
    if not receipt:
        return redirect("demand-submit")
    return render(request, "intake/submitted.html", {"receipt": receipt})


def submission_status(request: HttpRequest) -> HttpResponse:
    """The submitter's own submission by reference and e-mail; a wrong e-mail reads exactly like
    an unknown reference."""
    reference = request.GET.get("ref", "")[:20]
    email = request.GET.get("email", "")[:254]
    found = None
    if reference or email:
        try:
            submission = selectors.submission_for_submitter(reference=reference, email=email)
        except Http404:
            pass
        else:
            found = selectors.submission_public_status(submission)
    asked = bool(reference or email)
    return render(
        request,
        "intake/status.html",
        {"found": found, "asked": asked, "ref": reference, "email": email},
        status=404 if asked and found is None else 200,
    )


# --- triage ---------------------------------------------------------------------------------------


@login_required
def triage(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not permissions.may_see_triage(user):
        raise Http404
    wanted = request.GET.get("status", SubmissionStatus.PENDING)
    if wanted not in SubmissionStatus.values and wanted != "all":
        wanted = SubmissionStatus.PENDING
    rows = selectors.submission_list_for_user(user, status="" if wanted == "all" else wanted)
    page = paginate(request, rows, 20)
    return render(
        request,
        "intake/triage.html",
        {
            "page": page,
            "wanted": wanted,
            "statuses": [*SubmissionStatus.choices, ("all", _("全部"))],
            "pending_count": selectors.submission_list_for_user(
                user, status=SubmissionStatus.PENDING
            ).count(),
        },
    )


@login_required
def triage_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    user = _user(request)
    submission = selectors.submission_get_for_user(user=user, submission_id=submission_id)
    pending = submission.status == SubmissionStatus.PENDING
    stashed, typed = pop_stashed_form(request)
    context: dict[str, Any] = {
        "s": submission,
        "pending": pending,
        # A decision the service refused: what was typed, and the error at its field.
        "stashed": stashed,
        "typed": typed,
        "field_errors": stashed_errors(typed),
        "duplicates": selectors.submission_duplicates(submission) if pending else [],
        "history": selectors.submission_history(submission),
        "deal": selectors.submission_deal(submission),
        "brokers": selectors.lead_broker_choices(submission) if pending else [],
        "is_need": submission.kind == SubmissionKind.NEED,
    }
    return render(request, "intake/triage_detail.html", context)


# The triage forms' fields the service's refusals concern (the rest are said at the page top).
FIELD_OF_CODE = {
    "reason_required": "reason",
    "reason_too_long": "reason",
    "bad_merge_target": "into",
    "lead_broker_required": "lead_broker",
    "bad_lead_broker": "lead_broker",
}


def _decide(
    request: HttpRequest, submission_id: int, decide: Any, done: str, name: str
) -> HttpResponse:
    user = _user(request)
    submission = selectors.submission_get_for_user(user=user, submission_id=submission_id)
    page = reverse("triage-detail", args=[submission.pk])
    try:
        decide(user, submission)
    except DomainError as exc:
        field = FIELD_OF_CODE.get(exc.code)
        if field is None:
            report_domain_error(request, exc)
            return redirect(page)
        # Back at the form, with what was typed and the refusal at its field.
        stash_form(request, page, name, errors={field: [exc.message]})
        messages.error(request, _("未完成：请按表单中的提示修改。"), extra_tags=panel_tags(name))
        return redirect(f"{page}#{name}")
    messages.success(request, done)
    return redirect(page)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


@login_required
@require_POST
def triage_accept(request: HttpRequest, submission_id: int) -> HttpResponse:
    open_deal = request.POST.get("open_deal") == "on"
    lead = _int(request.POST.get("lead_broker"))

    def decide(user: User, submission: Submission) -> None:
        services.submission_accept(
            actor=user, submission=submission, open_deal=open_deal, lead_broker_id=lead
        )

    done = _("已受理并录入库中。") + (_("已为主办经纪人开立项目。") if open_deal else "")
    return _decide(request, submission_id, decide, done, "accept")


@login_required
@require_POST
def triage_merge(request: HttpRequest, submission_id: int) -> HttpResponse:
    into = request.POST.get("into", "")

    def decide(user: User, submission: Submission) -> None:
        services.submission_merge(actor=user, submission=submission, into=into)

    return _decide(request, submission_id, decide, _("已并入已有记录。"), "merge")


@login_required
@require_POST
def triage_decline(request: HttpRequest, submission_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")

    def decide(user: User, submission: Submission) -> None:
        services.submission_decline(actor=user, submission=submission, reason=reason)

    return _decide(request, submission_id, decide, _("已不予受理，原因已发送给提交人。"), "decline")
