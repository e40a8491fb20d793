"""Reads of lead assignment and the double-brokering guard.

Suggestions rank the brokers of the asking supervisor's organisation for a need: specialty
against the need's industry, free caseload, region. A broker at their caseload limit is never
suggested ahead of one with room, and is marked `full`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from brokers.industries import (
    LEGACY_CODES,
    Industry,
    industry_all,
    industry_get,
    industry_label,
    resolve_industry,
)
from brokers.models import Role, User
from brokers.regions import region_ancestors, region_name
from common.exceptions import DomainError
from deals import permissions
from deals.assignment.models import BrokeringConflict, ConflictStatus, LeadChange
from deals.models import ACTIVE_STATES, Deal, DealBroker, Demand
from deals.selectors import deals_visible_to

# Weights of the three signals (a need's own industry outweighs the region).
SPECIALTY_EXACT = 3.0
SPECIALTY_SECTOR = 2.0
SPECIALTY_TEXT = 1.0
REGION_WEIGHTS = (2.0, 1.0, 0.5)  # same county, same city, same province
ROOM_WEIGHT = 2.0  # times the free fraction of the caseload

_SEPARATORS = re.compile(r"[、,，;；/|\s]+")


def specialty_codes(term: str) -> set[str]:
    """The catalogue codes a free-text specialty stands for: its exact code or label, or every
    catalogue label that contains it ("新材料" → 3 and its groups), or an old short name it
    contains ("精细化工" → 化工 → 3.3)."""
    term = term.strip()
    if not term:
        return set()
    try:
        return {resolve_industry(term)}
    except DomainError:
        pass
    found = {i.code for i in industry_all() if len(term) >= 2 and term in i.label}
    if not found:
        found = {code for name, code in LEGACY_CODES.items() if len(name) >= 2 and name in term}
    return found


def specialty_terms(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(text or "") if t]


@dataclass
class _Candidate:
    broker: User
    open_deals: int
    limit: int | None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.limit is not None and self.open_deals >= self.limit


def _term_fit(term: str, demand: Demand, need: Industry | None) -> tuple[float, str]:
    """How one specialty fits the need: its weight and the reason, or (0, "")."""
    codes = specialty_codes(term)
    if need is not None and need.code in codes:
        return SPECIALTY_EXACT, _("专业领域“%(term)s”对口需求行业“%(industry)s”") % {
            "term": term,
            "industry": industry_label(need.code),
        }
    if need is not None and any(c.split(".")[0] == need.sector for c in codes):
        return SPECIALTY_SECTOR, _("专业领域“%(term)s”与需求同属“%(sector)s”") % {
            "term": term,
            "sector": industry_label(need.sector),
        }
    if len(term) >= 2 and (term in demand.title or term in demand.description):
        return SPECIALTY_TEXT, _("需求中提到其专业领域“%(term)s”") % {"term": term}
    return 0.0, ""


def _specialty(candidate: _Candidate, demand: Demand, terms: list[str]) -> None:
    need = industry_get(demand.industry) if demand.industry else None
    fits = [_term_fit(term, demand, need) for term in terms]
    best, reason = max(fits, key=lambda f: f[0], default=(0.0, ""))
    if best:
        candidate.score += best
        candidate.reasons.append(reason)
    elif terms:
        candidate.reasons.append(_("专业领域与需求行业不对口"))
    else:
        candidate.reasons.append(_("未填写专业领域"))


def _region(candidate: _Candidate, demand: Demand, broker_region: str) -> None:
    need_chain = region_ancestors(demand.region)
    broker_chain = region_ancestors(broker_region)
    if not need_chain or not broker_chain:
        return
    for level, weight in enumerate(REGION_WEIGHTS):
        if level < len(need_chain) and need_chain[level] in broker_chain:
            candidate.score += weight
            candidate.reasons.append(
                _("执业地区在%(region)s") % {"region": region_name(need_chain[level])}
            )
            return


def _caseload(candidate: _Candidate) -> None:
    if candidate.limit is None:
        candidate.reasons.append(
            _("在办 %(open)s 个项目（未设上限）") % {"open": candidate.open_deals}
        )
        return
    if candidate.full:
        candidate.reasons.append(
            _("在办项目已满（%(open)s/%(limit)s），不能再担任主办")
            % {"open": candidate.open_deals, "limit": candidate.limit}
        )
        return
    free = 1 - candidate.open_deals / candidate.limit
    candidate.score += ROOM_WEIGHT * free
    candidate.reasons.append(
        _("在办 %(open)s/%(limit)s，尚有余力")
        % {"open": candidate.open_deals, "limit": candidate.limit}
    )


def brokers_for_suggestion(user: User, organisation_id: int | None = None) -> QuerySet[User]:
    """The brokers a supervisor may name: their own organisation's; an admin's: all, or one
    organisation's when asked."""
    qs = User.objects.filter(role=Role.BROKER, is_active=True).select_related("broker_profile")
    if not user.is_admin:
        return (
            qs.filter(organisation_id=user.organisation_id) if user.organisation_id else qs.none()
        )
    return qs.filter(organisation_id=organisation_id) if organisation_id else qs


def broker_suggestions(
    *, user: User, demand: Demand, organisation_id: int | None = None, limit: int = 10
) -> list[dict[str, Any]]:
    """The lead brokers to suggest for a need, best first, each with its reasons."""
    permissions.may_see_broker_suggestions.require(user)
    brokers = list(brokers_for_suggestion(user, organisation_id))
    counts = dict(
        DealBroker.objects.filter(user__in=brokers, deal__state__in=ACTIVE_STATES)
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    candidates = []
    for broker in brokers:
        profile = getattr(broker, "broker_profile", None)
        candidate = _Candidate(
            broker=broker,
            open_deals=counts.get(broker.pk, 0),
            limit=profile.caseload_limit if profile is not None else None,
        )
        _specialty(candidate, demand, specialty_terms(profile.specialties if profile else ""))
        _caseload(candidate)
        _region(candidate, demand, (profile.region_code if profile else "") or broker.region)
        candidates.append(candidate)
    # A full broker is never ahead of one with room, whatever their score.
    candidates.sort(key=lambda c: (c.full, -c.score, c.open_deals, c.broker.pk))
    return [
        {
            "broker": {
                "id": c.broker.pk,
                "username": c.broker.username,
                "name": str(c.broker),
                "specialties": c.broker.broker_profile.specialties
                if hasattr(c.broker, "broker_profile")
                else "",
            },
            "score": round(c.score, 2),
            "open_deals": c.open_deals,
            "caseload_limit": c.limit,
            "full": c.full,
            "reasons": c.reasons,
        }
        for c in candidates[:limit]
    ]


def lead_changes_for_deal(deal: Deal) -> QuerySet[LeadChange]:
    return deal.lead_changes.select_related("from_lead", "to_lead", "changed_by").order_by(  # type: ignore[attr-defined]
        "changed_at", "id"
    )


# --- double brokering ----------------------------------------------------------------------------


def _open_pairs() -> Q:
    return Q(status=ConflictStatus.OPEN, deal_a__state__in=ACTIVE_STATES) & Q(
        deal_b__state__in=ACTIVE_STATES
    )


def conflict_is_live(conflict: BrokeringConflict) -> bool:
    """Both deals are still open (a warning whose deal closed has lapsed)."""
    return conflict.deal_a.state in ACTIVE_STATES and conflict.deal_b.state in ACTIVE_STATES


def conflicts_for_deal(deal: Deal, *, include_resolved: bool = True) -> QuerySet[BrokeringConflict]:
    qs = BrokeringConflict.objects.filter(Q(deal_a=deal) | Q(deal_b=deal)).select_related(
        "deal_a__organisation",
        "deal_b__organisation",
        "achievement",
        "resolved_by",
        "resolved_deal__organisation",
    )
    if not include_resolved:
        qs = qs.filter(_open_pairs())
    return qs.order_by("status", "-detected_at", "-id")


def conflict_get_for_deal(*, deal: Deal, conflict_id: int | str) -> BrokeringConflict:
    try:
        return conflicts_for_deal(deal).get(pk=int(conflict_id))
    except (BrokeringConflict.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def conflicts_open_visible_to(user: User) -> QuerySet[BrokeringConflict]:
    """Open warnings on any deal this user sees (a supervisor's queue): both sides see it."""
    visible = deals_visible_to(user)
    return (
        BrokeringConflict.objects.filter(_open_pairs())
        .filter(Q(deal_a__in=visible) | Q(deal_b__in=visible))
        .select_related("deal_a__organisation", "deal_b__organisation", "achievement")
        .order_by("-detected_at", "-id")
    )


def conflict_view(conflict: BrokeringConflict, *, deal: Deal, user: User) -> dict[str, Any]:
    """The warning as one side sees it. Of the other deal, a user who may not see it learns only
    what the warning needs: its title and its organisation's name (not its id, brokers, state,
    shares or history)."""
    other = conflict.deal_b if conflict.deal_a_id == deal.pk else conflict.deal_a
    other_visible = deals_visible_to(user).filter(pk=other.pk).exists()
    resolved_here = conflict.resolved_deal_id == deal.pk
    status = conflict.status
    if status == ConflictStatus.OPEN and not conflict_is_live(conflict):
        status = "lapsed"  # one of the two deals has closed: nothing left to agree
    return {
        "id": conflict.pk,
        "kind": conflict.kind,
        "kind_label": str(conflict.get_kind_display()),
        "status": status,
        "similarity": str(conflict.similarity) if conflict.similarity is not None else None,
        "achievement": (
            {"id": conflict.achievement_id, "title": conflict.achievement.title}
            if conflict.achievement is not None
            else None
        ),
        "other_deal": {
            "id": other.pk if other_visible else None,
            "title": other.title,
            "organisation": other.organisation.name,
            "same_organisation": other.organisation_id == deal.organisation_id,
        },
        "detected_at": conflict.detected_at,
        "resolved_at": conflict.resolved_at,
        "resolved_by_organisation": (
            conflict.resolved_deal.organisation.name if conflict.resolved_deal else None
        ),
        # The agreed shares are the resolving deal's private data.
        "shares": conflict.shares if resolved_here or other_visible else None,
        "note": conflict.note if resolved_here or other_visible else "",
    }
