"""Reads of public submissions: the triage queue (what this user may decide), one submission
(404 otherwise), its likely duplicates in the library, its history, and the submitter's status."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from brokers.models import Organisation, User
from brokers.regions import region_ancestors, region_name
from common.filters import MAX_ID
from deals.matching.models import MatchKind
from deals.matching.selectors import library_like
from deals.models import Achievement, Deal, DealState, Demand
from intake.models import Submission, SubmissionKind, SubmissionStatus
from records.models import Enterprise, Institution
from records.selectors import normalise_name

# A library record this close to a submission is shown as a likely duplicate.
DUPLICATE_MIN_SCORE = 0.3
DUPLICATE_LIMIT = 5


def organisation_for_region(region: str) -> Organisation | None:
    """The organisation a submission from `region` goes to: the one whose region is the most
    specific covering it (district, then city, then province); the oldest when several share it."""
    for code in region_ancestors(region):
        found = Organisation.objects.filter(region=code).order_by("id").first()
        if found is not None:
            return found
    return None


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    qs = Submission.objects.select_related("organisation", "decided_by", "demand", "achievement")
    if not user.is_authenticated:
        return qs.none()
    if user.is_admin:
        return qs
    if user.is_supervisor and user.organisation_id is not None:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def submission_list_for_user(user: User, *, status: str = "") -> QuerySet[Submission]:
    qs = submissions_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    # The queue reads oldest first: whoever waited longest is answered first.
    return qs.order_by("received_at", "id") if status == SubmissionStatus.PENDING else qs


def submission_get_for_user(*, user: User, submission_id: int | str) -> Submission:
    try:
        pk = int(submission_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if not 0 < pk <= MAX_ID:
        raise Http404
    try:
        return submissions_visible_to(user).get(pk=pk)
    except Submission.DoesNotExist as exc:
        raise Http404 from exc


def submission_duplicates(submission: Submission) -> list[dict[str, Any]]:
    """What the library may already hold: records the matching engine finds close, the same
    patent number, and the enterprise or institution by credit code or name."""
    found: list[dict[str, Any]] = []
    need = submission.kind == SubmissionKind.NEED
    if not need and submission.patent_number:
        same = Achievement.objects.filter(patent_number=submission.patent_number).first()
        if same is not None:
            found.append(
                {
                    "type": "achievement",
                    "id": same.pk,
                    "title": same.title,
                    "score": 1.0,
                    "why": [_("专利号相同")],
                }
            )
    for hit in library_like(
        kind=MatchKind.DEMAND if need else MatchKind.ACHIEVEMENT,
        title=submission.title,
        description=submission.description,
        industry=submission.industry,
        region=submission.region,
        limit=DUPLICATE_LIMIT,
        min_score=DUPLICATE_MIN_SCORE,
    ):
        record = hit["record"]
        if any(f["type"] != "enterprise" and f["id"] == record["id"] for f in found):
            continue
        found.append(
            {
                "type": "need" if need else "achievement",
                "id": record["id"],
                "title": record["title"],
                "score": round(hit["score"], 3),
                "why": hit["reasons"],
            }
        )
    party_model: type[Enterprise] | type[Institution] = Enterprise if need else Institution
    name = normalise_name(submission.party)
    parties = party_model.objects.filter(
        Q(name=name)
        | (Q(credit_code=submission.credit_code) if submission.credit_code else Q(pk=None))
    ).order_by("id")[:3]
    for party in parties:
        why = []
        if submission.credit_code and party.credit_code == submission.credit_code:
            why.append(_("统一社会信用代码相同"))
        if party.name == name:
            why.append(_("名称相同"))
        found.append(
            {
                "type": "enterprise" if need else "institution",
                "id": party.pk,
                "title": party.name,
                "score": 1.0,
                "why": why,
            }
        )
    return found


def submission_history(submission: Submission) -> list[dict[str, Any]]:
    """Each recorded change, oldest first: when, who (None: the public form), status, why."""
    rows = submission.history.select_related("history_user").order_by("history_date", "history_id")  # type: ignore[attr-defined]
    return [
        {
            "at": row.history_date,
            "actor": str(row.history_user) if row.history_user else None,
            "status": row.status,
            "reason": row.history_change_reason or "",
        }
        for row in rows
    ]


# --- the submitter's side -------------------------------------------------------------------------


def submission_for_submitter(*, reference: str, email: str) -> Submission:
    """The submission with this reference whose e-mail is this one; 404 for a wrong e-mail exactly
    as for an unknown reference (nobody learns which references exist)."""
    reference = (reference or "").strip().upper()[:20]
    email = (email or "").strip()[:254]
    if not reference or not email:
        raise Http404
    found = (
        Submission.objects.select_related("demand", "achievement", "deal")
        .filter(reference=reference, email__iexact=email)
        .first()
    )
    if found is None:
        raise Http404
    return found


def submission_deal(submission: Submission) -> Deal | None:
    """The deal serving the submitted need: the one opened on accepting, else the newest on the
    need it became or joined (a broker may take it from the pool later)."""
    if submission.deal is not None:
        return submission.deal
    if submission.demand_id is None:
        return None
    return Deal.objects.filter(demand_id=submission.demand_id).order_by("-id").first()


def submission_public_status(submission: Submission) -> dict[str, Any]:
    """All a submitter sees: received / accepted / declined (with the reason) / the deal's stage.
    No names of brokers or supervisors, no internal ids."""
    deal = submission_deal(submission)
    accepted = submission.status in (SubmissionStatus.ACCEPTED, SubmissionStatus.MERGED)
    return {
        "reference": submission.reference,
        "kind": submission.kind,
        "title": submission.title,
        "received_at": submission.received_at,
        "status": "accepted"
        if accepted
        else "received"
        if submission.status == SubmissionStatus.PENDING
        else "declined",
        "status_label": SubmissionStatus(submission.status).label,
        "decided_at": submission.decided_at,
        "reason": submission.decline_reason
        if submission.status == SubmissionStatus.DECLINED
        else "",
        "stage": deal.state if deal is not None else None,
        "stage_label": DealState(deal.state).label if deal is not None else None,
        "region_name": region_name(submission.region) if submission.region else "",
    }


def demand_in_library(pk: int) -> Demand | None:
    return Demand.objects.filter(pk=pk).first() if 0 < pk <= MAX_ID else None


def achievement_in_library(pk: int) -> Achievement | None:
    return Achievement.objects.filter(pk=pk).first() if 0 < pk <= MAX_ID else None


def lead_broker_choices(submission: Submission) -> QuerySet[User]:
    """Who may take a deal opened on accepting: the routed organisation's active brokers (for an
    unrouted submission, which only admins see: every organisation's)."""
    qs = User.objects.filter(role="broker", is_active=True).exclude(organisation=None)
    if submission.organisation_id is not None:
        qs = qs.filter(organisation_id=submission.organisation_id)
    return qs.select_related("organisation").order_by("organisation__name", "display_name", "id")
