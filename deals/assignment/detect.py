"""The double-brokering guard: finds open deals that may be brokering the same thing.

Called by the deal services inside their transaction (opening a deal, linking an achievement,
editing a need), so the warning exists as soon as the second deal does. Three signals:

- the same need (Demand) open in two deals, in any organisations;
- the same enterprise (records.Enterprise) with a near-identical need in two open deals: the
  cosine similarity of the two needs' index terms (title counted twice, the matching engine's
  tokenizer) is at least SIMILAR_NEED_THRESHOLD;
- one achievement linked into open deals of two organisations.

A pair of deals is flagged once per kind; a resolved warning is not raised again.
"""

from __future__ import annotations

import math
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from common.history import stamp
from deals.assignment.models import BrokeringConflict, ConflictKind
from deals.matching.text import term_counts
from deals.models import ACTIVE_STATES, Achievement, Deal, DealAchievement, Demand
from deals.notify import conflicts_announce as announce_conflicts
from records.models import Enterprise

# Two needs of one enterprise whose term vectors are this close describe the same problem
# (a re-typed or lightly edited copy scores ≥ 0.9; two different needs of one firm < 0.5).
SIMILAR_NEED_THRESHOLD = 0.8


def need_similarity(a: Demand, b: Demand) -> float:
    """Cosine similarity of two needs' index terms, 0–1."""
    ta, tb = term_counts(a.title, a.description), term_counts(b.title, b.description)
    return _cosine(ta, tb)


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[term] for term, count in a.items() if term in b)
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0


def _flag(
    deal: Deal,
    other: Deal,
    kind: str,
    *,
    similarity: float | None = None,
    achievement_id: int | None = None,
) -> BrokeringConflict | None:
    low, high = sorted([deal.pk, other.pk])
    if BrokeringConflict.objects.filter(deal_a_id=low, deal_b_id=high, kind=kind).exists():
        return None
    row = BrokeringConflict(
        deal_a_id=low,
        deal_b_id=high,
        kind=kind,
        similarity=(
            Decimal(str(similarity)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
            if similarity is not None
            else None
        ),
        achievement_id=achievement_id,
    )
    stamp(row, None, gettext_noop("系统检测到重复撮合"))
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # a parallel detection flagged the pair first
        return None
    return row


def _serialise_with_rivals(deal: Deal) -> None:
    """Two deals opened at the same moment cannot see each other's uncommitted rows, so each
    would find no rival. Detections that could find each other first lock a row they share: the
    need's enterprise record (the same need has the same one), else the need itself; then the
    linked achievements, in id order. The second waits for the first to commit, then sees it.
    (Always in this order: enterprise or need, then achievements; nothing locks the other way.)"""
    demand = deal.demand
    if demand.enterprise_record_id is not None:
        list(Enterprise.objects.select_for_update().filter(pk=demand.enterprise_record_id))
    else:
        list(Demand.objects.select_for_update().filter(pk=demand.pk).values_list("pk"))
    linked = DealAchievement.objects.filter(deal=deal).values_list("achievement_id", flat=True)
    list(
        Achievement.objects.select_for_update()
        .filter(pk__in=list(linked))
        .order_by("pk")
        .values_list("pk")
    )


def conflicts_detect(deal: Deal) -> list[BrokeringConflict]:
    """Flag every open deal that collides with `deal` (itself open); returns the new warnings."""
    if deal.state not in ACTIVE_STATES:
        return []
    _serialise_with_rivals(deal)
    found: list[BrokeringConflict] = []
    others = Deal.objects.filter(state__in=ACTIVE_STATES).exclude(pk=deal.pk)

    for other in others.filter(demand_id=deal.demand_id):
        if row := _flag(deal, other, ConflictKind.SAME_NEED):
            found.append(row)

    demand = deal.demand
    if demand.enterprise_record_id is not None:
        siblings = (
            others.filter(demand__enterprise_record_id=demand.enterprise_record_id)
            .exclude(demand_id=deal.demand_id)
            .select_related("demand")
        )
        for other in siblings:
            score = need_similarity(demand, other.demand)
            if score >= SIMILAR_NEED_THRESHOLD:
                row = _flag(deal, other, ConflictKind.SIMILAR_NEED, similarity=score)
                if row:
                    found.append(row)

    linked = list(
        DealAchievement.objects.filter(deal=deal).values_list("achievement_id", flat=True)
    )
    if linked:
        shared = (
            DealAchievement.objects.filter(
                achievement_id__in=linked,
                deal__state__in=ACTIVE_STATES,
            )
            .exclude(deal_id=deal.pk)
            .exclude(deal__organisation_id=deal.organisation_id)
            .select_related("deal")
            .order_by("id")
        )
        for link in shared:
            row = _flag(
                deal,
                link.deal,
                ConflictKind.SHARED_ACHIEVEMENT,
                achievement_id=link.achievement_id,
            )
            if row:
                found.append(row)
    if found:
        announce_conflicts(found)
    return found


def conflicts_detect_for_demand(demand: Demand) -> list[BrokeringConflict]:
    """After a need's text or enterprise changed: re-check every open deal on it."""
    found: list[BrokeringConflict] = []
    for deal in Deal.objects.filter(demand=demand, state__in=ACTIVE_STATES).select_related(
        "demand"
    ):
        found.extend(conflicts_detect(deal))
    return found
