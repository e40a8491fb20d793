"""The evaluation set: the engine must find the relevant achievement in the top 5 for ≥ 90%."""

from __future__ import annotations

from tests.matching.eval_set import ACHIEVEMENTS, NEEDS
from tests.matching.evaluation import engine_ranker, score


def test_evaluation_set_is_large_enough_and_consistent():
    keys = {a[0] for a in ACHIEVEMENTS}
    assert len(NEEDS) >= 30 and len(ACHIEVEMENTS) >= 150 and len(keys) == len(ACHIEVEMENTS)
    for need in NEEDS:
        assert need[7] and set(need[7]) <= keys, need[0]


def test_engine_recall_at_5_is_at_least_0_9_on_the_evaluation_set():
    figures = score(engine_ranker())
    print(f"recall@5 {figures.recall_at_5:.3f}  MRR {figures.mrr:.3f}  misses {figures.misses}")
    assert figures.recall_at_5 >= 0.9
    assert figures.mrr >= 0.8
