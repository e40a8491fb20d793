"""Reads of experts, challenges, proposals and reviews. Each `*_get_for_user` 404s what the user
may not see; the ranking and the review progress are computed here."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from brokers.models import Role, User
from challenges import permissions
from challenges.models import (
    Attachment,
    Challenge,
    ChallengeStatus,
    Expert,
    Invitation,
    Proposal,
    Review,
)
from deals.models import ACTIVE_STATES, Deal, DealBroker

CENT = Decimal("0.01")


def _id(raw: Any) -> int:
    try:
        value = int(str(raw))
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if not 0 < value < 2**63:
        raise Http404
    return value


# --- conflicts of interest ------------------------------------------------------------------------


def _norm(name: str) -> str:
    text = re.sub(r"\s+", "", name or "").casefold()
    return text.replace("（", "(").replace("）", ")")


def _related(a: str, b: str) -> bool:
    """Same organisation, or one's name contains the other's (a university and its institute):
    names shorter than four characters only match exactly."""
    x, y = _norm(a), _norm(b)
    if not x or not y:
        return False
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    return len(short) >= 4 and short in long


def expert_organisations(expert: Expert) -> list[str]:
    return [expert.employer, *expert.conflicts]


def _reasons(expert: Expert, parties: list[tuple[str, str]]) -> list[str]:
    reasons = []
    for own in expert_organisations(expert):
        for role, party in parties:
            if _related(own, party):
                relation = _("工作单位") if own == expert.employer else _("申报的关联单位")
                reasons.append(
                    _("%(expert)s的%(relation)s“%(own)s”与%(role)s“%(party)s”存在利益关联")
                    % {
                        "expert": expert.name,
                        "relation": relation,
                        "own": own,
                        "role": role,
                        "party": party,
                    }
                )
    return list(dict.fromkeys(reasons))


def proposal_conflict_reasons(
    expert: Expert, challenge: Challenge, proposals: list[Proposal] | None = None
) -> list[str]:
    """Why this expert may not judge (the enterprise, or the given / all proposers): [] if free."""
    if proposals is None:
        proposals = list(challenge.proposals.all())
    parties = [(_("需求企业"), challenge.demand.enterprise)]
    parties += [(_("揭榜单位"), p.institution) for p in proposals]
    return _reasons(expert, parties)


def deal_conflict_reasons(expert: Expert, deal: Deal) -> list[str]:
    parties = [(_("需求企业"), deal.demand.enterprise)]
    parties += [(_("成果权利人"), a.owner) for a in deal.achievements.all()]
    return _reasons(expert, parties)


# --- experts ------------------------------------------------------------------------------------


def experts_visible_to(user: User) -> QuerySet[Expert]:
    qs = Expert.objects.select_related("organisation", "user").order_by("name", "id")
    if not permissions.may_manage_experts(user):
        return qs.none()
    if user.is_admin:
        return qs
    return qs.filter(organisation_id=user.organisation_id)  # type: ignore[misc]


def experts_search(
    user: User, *, field: str = "", region: str = "", q: str = ""
) -> QuerySet[Expert]:
    qs = experts_visible_to(user)
    rows = list(qs)
    if field:
        rows = [e for e in rows if field in (e.fields or [])]
    if region:
        # A city or province code covers the districts below it.
        prefix = region.rstrip("0") if region.endswith("00") else region
        rows = [e for e in rows if e.region.startswith(prefix[: max(2, len(prefix))])]
    if q:
        rows = [e for e in rows if q in e.name or q in e.employer]
    return qs.filter(pk__in=[e.pk for e in rows])


def expert_get_for_user(*, user: User, expert_id: Any) -> Expert:
    try:
        return experts_visible_to(user).get(pk=_id(expert_id))
    except Expert.DoesNotExist as exc:
        raise Http404 from exc


# --- challenges ---------------------------------------------------------------------------------


def challenges_public() -> QuerySet[Challenge]:
    return (
        Challenge.objects.select_related("demand", "organisation")
        .annotate(proposal_count=Count("proposals"))
        .order_by("-published_at", "-id")
    )


def public_challenge_get(challenge_id: Any) -> Challenge:
    try:
        return challenges_public().get(pk=_id(challenge_id))
    except Challenge.DoesNotExist as exc:
        raise Http404 from exc


def challenges_visible_to(user: User) -> QuerySet[Challenge]:
    """Managers: their organisation's challenges; an expert: the panels they sit on."""
    qs = challenges_public()
    if not user.is_authenticated:
        return qs.none()
    if user.is_admin:
        return qs
    if user.is_supervisor and user.organisation_id:
        return qs.filter(organisation_id=user.organisation_id)
    if user.role == Role.EXPERT:
        return qs.filter(panel__expert__user=user).distinct()
    return qs.none()


def challenge_get_for_user(*, user: User, challenge_id: Any) -> Challenge:
    try:
        return challenges_visible_to(user).get(pk=_id(challenge_id))
    except Challenge.DoesNotExist as exc:
        raise Http404 from exc


def judging_started(challenge: Challenge) -> bool:
    return timezone.now() > challenge.deadline or challenge.status != ChallengeStatus.OPEN


def proposals_for_user(user: User, challenge: Challenge) -> QuerySet[Proposal]:
    """Managers see every proposal; a panel expert, after the deadline, those they may judge."""
    qs = challenge.proposals.prefetch_related("attachments").order_by("submitted_at", "id")
    if permissions.may_manage_challenge(user, challenge):
        return qs
    expert = getattr(user, "expert_profile", None) if user.is_authenticated else None
    if expert is None or not Invitation.objects.filter(challenge=challenge, expert=expert).exists():
        return qs.none()
    if not judging_started(challenge):
        return qs.none()
    allowed = [p.pk for p in qs if not proposal_conflict_reasons(expert, challenge, [p])]
    return qs.filter(pk__in=allowed)


def proposal_get_for_user(*, user: User, proposal_id: Any) -> Proposal:
    try:
        proposal = Proposal.objects.select_related("challenge__demand").get(pk=_id(proposal_id))
    except Proposal.DoesNotExist as exc:
        raise Http404 from exc
    if not proposals_for_user(user, proposal.challenge).filter(pk=proposal.pk).exists():
        raise Http404
    return proposal


def proposal_get_for_proposer(*, reference: str, email: str) -> Proposal:
    """A proposer's own proposal, found by its reference and the e-mail given with it."""
    reference, email = (reference or "").strip().upper(), (email or "").strip()
    if not reference or not email:
        raise Http404
    proposal = (
        Proposal.objects.select_related("challenge")
        .prefetch_related("attachments")
        .filter(reference=reference)
        .first()
    )
    if proposal is None or proposal.email.casefold() != email.casefold():
        raise Http404
    return proposal


def attachment_get_for_user(
    *, user: User, attachment_id: Any, proposer_references: list[str] | None = None
) -> Attachment:
    """An attachment for whoever may see its proposal: its managers, its panel (after the
    deadline), or the proposer (whose reference this browser session proved with the e-mail)."""
    try:
        attachment = Attachment.objects.select_related("proposal__challenge__demand").get(
            pk=_id(attachment_id)
        )
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
    proposal = attachment.proposal
    if proposal.reference in (proposer_references or []):
        return attachment
    if proposals_for_user(user, proposal.challenge).filter(pk=proposal.pk).exists():
        return attachment
    raise Http404


# --- reviews, progress, ranking -------------------------------------------------------------------


def panel_experts(challenge: Challenge) -> list[Expert]:
    return [i.expert for i in challenge.panel.select_related("expert").order_by("id")]


def challenge_progress(challenge: Challenge) -> dict[str, Any]:
    """Which (expert, proposal) scores are still missing; conflicted pairs are not expected."""
    experts = panel_experts(challenge)
    proposals = list(challenge.proposals.order_by("id"))
    done = set(
        Review.objects.filter(proposal__challenge=challenge).values_list("expert_id", "proposal_id")
    )
    expected = missing = 0
    blockers: list[str] = []
    if len(experts) < challenge.panel_size:
        blockers.append(
            _("评审专家 %(n)d 人，不足 %(size)d 人，请先邀请。")
            % {"n": len(experts), "size": challenge.panel_size}
        )
    if not proposals:
        blockers.append(_("没有收到揭榜方案。"))
    for expert in experts:
        todo = 0
        for proposal in proposals:
            if proposal_conflict_reasons(expert, challenge, [proposal]):
                continue
            expected += 1
            if (expert.pk, proposal.pk) not in done:
                todo += 1
        if todo:
            missing += todo
            blockers.append(
                _("%(name)s 还有 %(n)d 份方案未评分。") % {"name": expert.name, "n": todo}
            )
    return {
        "experts": len(experts),
        "expected": expected,
        "submitted": expected - missing,
        "complete": not blockers,
        "blockers": blockers,
    }


def weighted_score(scores: dict[str, int], criteria: list[dict[str, Any]]) -> Decimal:
    """One expert's score of a proposal: Σ weight × score / Σ weight (unrounded)."""
    total = sum((Decimal(c["weight"]) for c in criteria), Decimal(0))
    return (
        sum((Decimal(c["weight"]) * Decimal(scores[c["name"]]) for c in criteria), Decimal(0))
        / total
    )


def challenge_ranking(challenge: Challenge) -> list[dict[str, Any]]:
    """Proposals best first: `score` the mean of the experts' weighted scores, `spread` the gap
    between the highest and the lowest expert score (both rounded half up to 0.01, once)."""
    rows: list[dict[str, Any]] = []
    reviews = Review.objects.filter(proposal__challenge=challenge).select_related("expert")
    by_proposal: dict[int, list[Review]] = {}
    for review in reviews:
        if review.proposal_id is None:
            raise RuntimeError("invariant: review.proposal_id is not None")
        by_proposal.setdefault(review.proposal_id, []).append(review)
    for proposal in challenge.proposals.order_by("submitted_at", "id"):
        given = by_proposal.get(proposal.pk, [])
        values = [weighted_score(r.scores, challenge.criteria) for r in given]
        mean = sum(values, Decimal(0)) / len(values) if values else None
        rows.append(
            {
                "proposal": proposal.pk,
                "reference": proposal.reference,
                "institution": proposal.institution,
                "price": proposal.price,
                "score": mean.quantize(CENT, rounding=ROUND_HALF_UP) if mean is not None else None,
                "spread": (max(values) - min(values)).quantize(CENT, rounding=ROUND_HALF_UP)
                if values
                else None,
                "reviews": len(given),
                "_order": (mean is None, -(mean or 0), proposal.submitted_at, proposal.pk),
            }
        )
    rows.sort(key=lambda r: r.pop("_order"))
    return rows


def reviews_visible_to(user: User) -> QuerySet[Review]:
    """An expert: their own reviews; managers: their organisation's; admins: all."""
    qs = Review.objects.select_related("expert", "proposal__challenge", "deal").order_by("id")
    if not user.is_authenticated:
        return qs.none()
    if user.is_admin:
        return qs
    if user.role == Role.EXPERT:
        return qs.filter(expert__user=user)
    if user.is_supervisor and user.organisation_id:
        return qs.filter(
            Q(proposal__challenge__organisation_id=user.organisation_id)
            | Q(deal__organisation_id=user.organisation_id)
        )
    return qs.none()


def invitations_for_expert(user: User) -> QuerySet[Invitation]:
    """What an expert was invited to review (their whole world in DealDesk)."""
    if not user.is_authenticated or user.role != Role.EXPERT:
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(expert__user=user)
        .select_related("challenge__demand", "deal__demand", "expert")
        .order_by("-id")
    )


def deal_for_expert(*, user: User, deal_id: Any) -> Deal:
    invitation = invitations_for_expert(user).filter(deal_id=_id(deal_id)).first()
    if invitation is None or invitation.deal is None:
        raise Http404
    return invitation.deal


def deal_reviews(deal: Deal) -> QuerySet[Review]:
    return deal.expert_reviews.select_related("expert").order_by("id")


def default_lead_broker(organisation_id: int) -> User | None:
    """The organisation's broker with the fewest active deals and room for one more."""
    brokers = list(
        User.objects.filter(
            organisation_id=organisation_id, role=Role.BROKER, is_active=True
        ).select_related("broker_profile")
    )
    best: tuple[int, int, User] | None = None
    for broker in brokers:
        active = DealBroker.objects.filter(user=broker, deal__state__in=ACTIVE_STATES).count()
        profile = getattr(broker, "broker_profile", None)
        if profile is not None and active >= profile.caseload_limit:
            continue
        if best is None or (active, broker.pk) < best[:2]:
            best = (active, broker.pk, broker)
    return best[2] if best else None


# --- answers to `deals` (registered in apps.py) ------------------------------------------------


def deal_support_amount() -> Subquery:
    """The support amount of the challenge that opened the deal, as an expression over a deal row
    (the deal API's "support_amount" field)."""
    return Subquery(Challenge.objects.filter(deal_id=OuterRef("pk")).values("support_amount")[:1])


def present_amount(amount: Decimal | None) -> str | None:
    """As the API writes money: a string with two decimals (SQLite hands a subquery's decimal
    back without its scale)."""
    return None if amount is None else str(Decimal(amount).quantize(Decimal("0.01")))


def deal_history_events(deal: Any) -> list[dict[str, Any]]:
    """The challenge that opened the deal, and the experts invited to review its match."""
    events: list[dict[str, Any]] = []

    def actor(user: User | None) -> dict[str, Any] | None:
        return (
            None if user is None else {"id": user.pk, "username": user.username, "name": str(user)}
        )

    challenge = Challenge.objects.filter(deal_id=deal.pk).select_related("decided_by").first()
    if challenge is not None and challenge.decided_at is not None:
        events.append(
            {
                "at": challenge.decided_at,
                "actor": actor(challenge.decided_by),
                "event": "challenge_awarded",
                "label": _("揭榜挂帅授予"),
                "from_state": None,
                "to_state": None,
                "comment": _("揭榜挂帅“%(title)s”授予，支持资金 %(amount)s 元")
                % {"title": challenge.title, "amount": f"{challenge.support_amount:,.2f}"},
            }
        )
    for invitation in Invitation.objects.filter(deal_id=deal.pk).select_related(
        "expert", "invited_by"
    ):
        events.append(
            {
                "at": invitation.invited_at,
                "actor": actor(invitation.invited_by),
                "event": "expert_invited",
                "label": _("邀请专家评审"),
                "from_state": None,
                "to_state": None,
                "comment": str(invitation.expert),
            }
        )
    for review in Review.objects.filter(deal_id=deal.pk).select_related("expert__user"):
        events.append(
            {
                "at": review.submitted_at,
                "actor": actor(review.expert.user),
                "event": "expert_reviewed",
                "label": _("专家评审意见"),
                "from_state": None,
                "to_state": None,
                "comment": review.opinion[:200],
            }
        )
    return events


def challenge_history(challenge: Challenge) -> list[dict[str, Any]]:
    """Every step of a challenge, oldest first: publication, proposals, invitations, reviews
    (who and when, not the scores), the award or closing, each with actor and reason."""
    events: list[dict[str, Any]] = []

    labels = {
        "published": _("发布榜单"),
        "proposal_submitted": _("收到揭榜方案"),
        "expert_invited": _("邀请评审专家"),
        "reviewed": _("专家评分"),
        "awarded": _("授予"),
        "closed": _("关闭"),
        "proposer_notified": _("已通知揭榜单位"),
    }

    def add(at: Any, user: Any, event: str, comment: str = "") -> None:
        events.append(
            {
                "at": at,
                "label": str(labels.get(event, event)),
                "actor": None
                if user is None
                else {"id": user.pk, "username": user.username, "name": str(user)},
                "event": event,
                "comment": comment,
            }
        )

    previous = None
    for row in challenge.history.select_related("history_user").order_by(
        "history_date", "history_id"
    ):  # type: ignore[attr-defined]
        if previous is None:
            add(row.history_date, row.history_user, "published", row.history_change_reason or "")
        elif row.status != previous.status:
            add(row.history_date, row.history_user, row.status, row.history_change_reason or "")
        previous = row
    for row in Proposal.history.filter(challenge_id=challenge.pk, history_type="+"):  # type: ignore[attr-defined]
        add(row.history_date, None, "proposal_submitted", f"{row.reference} {row.institution}")
    for row in Invitation.history.filter(
        challenge_id=challenge.pk, history_type="+"
    ).select_related("history_user"):  # type: ignore[attr-defined]
        expert = Expert.objects.filter(pk=row.expert_id).first()
        add(row.history_date, row.history_user, "expert_invited", str(expert or ""))
    for row in Review.history.filter(proposal__challenge_id=challenge.pk).select_related(
        "history_user"
    ):  # type: ignore[attr-defined]
        add(row.history_date, row.history_user, "reviewed", row.history_change_reason or "")
    for proposal in challenge.proposals.filter(notified_at__isnull=False):
        add(proposal.notified_at, None, "proposer_notified", proposal.reference)
    events.sort(key=lambda e: e["at"])
    return events


def expert_has_invitations(expert: Expert) -> bool:
    return Invitation.objects.filter(expert=expert).exists()


def experts_with_counts(user: User) -> QuerySet[Expert]:
    return experts_visible_to(user).annotate(
        invited=Count("invitations"),
        busy=Exists(Invitation.objects.filter(expert=OuterRef("pk"), challenge__status="open")),
    )
