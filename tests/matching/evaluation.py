"""Recall@k and MRR of the engine (and of a baseline) on the evaluation set in eval_set.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from deals.matching.engine import Doc, Query, TextIndex
from tests.matching.eval_set import ACHIEVEMENTS, NEEDS

Ranker = Callable[[int], list[str]]  # need position → achievement keys, best first


@dataclass
class Figures:
    recall_at_5: float
    mrr: float
    misses: list[tuple[str, list[str], list[str]]]  # need, relevant, top 5


def _wan(value: float | None) -> float | None:
    return None if value is None else value * 10_000


def achievement_docs() -> list[Doc]:
    return [
        Doc(
            id=i,
            title=title,
            description=description,
            industry=industry,
            region=region,
            maturity=maturity,
            price=_wan(price),
        )
        for i, (_key, industry, title, description, _owner, maturity, price, region) in enumerate(
            ACHIEVEMENTS, start=1
        )
    ]


def need_queries() -> list[Query]:
    return [
        Query.for_doc(
            Doc(0, title, description, industry, region, None, _wan(budget)), price_is_budget=True
        )
        for _key, industry, title, description, _ent, budget, region, _rel in NEEDS
    ]


def score(ranker: Ranker, k: int = 5) -> Figures:
    hits, rr, misses = 0.0, 0.0, []
    for position, need in enumerate(NEEDS):
        relevant = set(need[7])
        ranked = ranker(position)
        top = ranked[:k]
        # recall@k per need: the share of its relevant achievements in the top k
        hits += len(relevant & set(top)) / len(relevant)
        first = next((r for r, key in enumerate(ranked, start=1) if key in relevant), None)
        rr += 1 / first if first else 0.0
        if not relevant <= set(top):
            misses.append((need[0], sorted(relevant), top))
    return Figures(hits / len(NEEDS), rr / len(NEEDS), misses)


def engine_ranker() -> Ranker:
    index = TextIndex()
    index.build(achievement_docs())
    queries = need_queries()
    keys = [a[0] for a in ACHIEVEMENTS]

    def rank(position: int) -> list[str]:
        return [keys[h.id - 1] for h in index.search(queries[position], limit=20)]

    return rank
