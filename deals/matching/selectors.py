"""Reads of the matching engine: ranked matches with reasons, a deal's candidates, import jobs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from brokers.models import User
from deals.matching.engine import Doc, Query
from deals.matching.index import get_index, query_vector
from deals.matching.models import ImportJob, MatchKind
from deals.matching.reasons import explain
from deals.models import Achievement, Deal, Demand
from deals.selectors import deal_get_for_user

MAX_LIMIT = 50


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def achievement_data(a: Achievement) -> dict[str, Any]:
    return {
        "id": a.pk,
        "title": a.title,
        "description": a.description,
        "owner": a.owner,
        "kind": a.kind,
        "patent_number": a.patent_number,
        "industry": a.industry,
        "maturity": a.maturity,
        "asking_price": _money(a.asking_price),
        "region": a.region,
    }


def demand_data(d: Demand) -> dict[str, Any]:
    return {
        "id": d.pk,
        "title": d.title,
        "description": d.description,
        "enterprise": d.enterprise,
        "industry": d.industry,
        "region": d.region,
        "budget": _money(d.budget),
        "deadline": d.deadline.isoformat() if d.deadline else None,
        "contact": d.contact,
    }


def _as_doc(obj: Achievement | Demand, *, vector: bool = True) -> Doc:
    """The document as a query, with its sentence vector (stored by the worker) when `vector`
    (the index it is matched against holds vectors)."""
    price = obj.asking_price if isinstance(obj, Achievement) else obj.budget
    doc = Doc(
        id=obj.pk,
        title=obj.title,
        description=obj.description,
        industry=obj.industry,
        region=obj.region,
        price=float(price) if price is not None else None,
    )
    if not vector:
        return doc
    kind = MatchKind.ACHIEVEMENT if isinstance(obj, Achievement) else MatchKind.DEMAND
    return replace(doc, vector=query_vector(kind, doc))


def achievement_matches_for_demand(
    *, demand: Demand, limit: int = 10, exclude: set[int] | None = None
) -> list[dict[str, Any]]:
    """The achievements that best fit a need, best first, each with its score and reasons."""
    index = get_index(MatchKind.ACHIEVEMENT)
    hits = index.search(
        Query.for_doc(_as_doc(demand, vector=index.has_vectors), price_is_budget=True),
        limit=min(limit, MAX_LIMIT),
        exclude=exclude or (),
    )
    found = Achievement.objects.in_bulk([h.id for h in hits])
    results = []
    for hit in hits:
        a = found.get(hit.id)
        if a is None:  # deleted since the index last caught up
            continue
        reasons = explain(hit, industry=a.industry, asking=a.asking_price, budget=demand.budget)
        results.append({"achievement": achievement_data(a), "score": hit.score, "reasons": reasons})
    return results


def demand_matches_for_achievement(
    *, achievement: Achievement, limit: int = 10
) -> list[dict[str, Any]]:
    """The needs an achievement could serve, best first."""
    index = get_index(MatchKind.DEMAND)
    hits = index.search(
        Query.for_doc(_as_doc(achievement, vector=index.has_vectors), price_is_budget=False),
        limit=min(limit, MAX_LIMIT),
    )
    found = Demand.objects.in_bulk([h.id for h in hits])
    results = []
    for hit in hits:
        d = found.get(hit.id)
        if d is None:
            continue
        reasons = explain(
            hit, industry=d.industry, asking=achievement.asking_price, budget=d.budget
        )
        results.append({"demand": demand_data(d), "score": hit.score, "reasons": reasons})
    return results


def achievements_like(*, achievement: Achievement, limit: int = 10) -> list[dict[str, Any]]:
    """ "More like this": the achievements nearest to one achievement (itself left out). Price
    plays no part between two offers; industry, region and maturity do, as for a need."""
    index = get_index(MatchKind.ACHIEVEMENT)
    doc = _as_doc(achievement, vector=index.has_vectors)
    query = Query.for_doc(
        Doc(doc.id, doc.title, doc.description, doc.industry, doc.region, vector=doc.vector),
        price_is_budget=True,
    )
    hits = index.search(query, limit=min(limit, MAX_LIMIT), exclude={achievement.pk})
    found = Achievement.objects.in_bulk([h.id for h in hits])
    results = []
    for hit in hits:
        a = found.get(hit.id)
        if a is None:
            continue
        reasons = explain(hit, industry=a.industry, asking=None, budget=None)
        results.append({"achievement": achievement_data(a), "score": hit.score, "reasons": reasons})
    return results


def deal_candidates(
    *, user: User, deal_id: int | str, limit: int = 10
) -> tuple[Deal, list[dict[str, Any]]]:
    """Candidates for a deal's need (404 if the deal is not visible); achievements already
    linked to the deal are left out: the broker is looking for the next one."""
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    linked = {link.achievement_id for link in deal.achievement_links.all()}
    return deal, achievement_matches_for_demand(demand=deal.demand, limit=limit, exclude=linked)


def import_jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    qs = ImportJob.objects.select_related("created_by")
    if not user.is_authenticated:
        return qs.none()
    return qs if user.is_admin else qs.filter(created_by_id=user.pk)


def import_job_get_for_user(*, user: User, job_id: int | str) -> ImportJob:
    try:
        return import_jobs_visible_to(user).get(pk=int(job_id))
    except (ImportJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def library_like(
    *,
    kind: str,
    title: str,
    description: str,
    industry: str = "",
    region: str = "",
    limit: int = 5,
    min_score: float = 0.0,
) -> list[dict[str, Any]]:
    """The library's needs (kind `demand`) or achievements (`achievement`) nearest to a text not
    in the library yet (a public submission being triaged): likely duplicates, best first. Price
    plays no part; industry and region do."""
    index = get_index(kind)
    query = Query.for_doc(
        Doc(0, title, description, industry, region), price_is_budget=kind == MatchKind.ACHIEVEMENT
    )
    hits = [h for h in index.search(query, limit=min(limit, MAX_LIMIT)) if h.score >= min_score]
    model = Demand if kind == MatchKind.DEMAND else Achievement
    found = model.objects.in_bulk([h.id for h in hits])
    results = []
    for hit in hits:
        record = found.get(hit.id)
        if record is None:
            continue
        data = demand_data(record) if isinstance(record, Demand) else achievement_data(record)
        reasons = explain(hit, industry=record.industry, asking=None, budget=None)
        results.append({"record": data, "score": hit.score, "reasons": reasons})
    return results
