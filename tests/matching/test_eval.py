"""The evaluation: the engine against its targets and against two TF-IDF baselines of the same run.

The targets hold on the frozen test half (eval_frozen.py), which tuning never looks at; the dev
half (eval_set.py) is printed beside it. `pytest -s tests/matching/test_eval.py` shows the table.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from deals.matching import semantic
from tests.matching import eval_frozen, eval_set
from tests.matching.evaluation import (
    ACHIEVEMENTS,
    HALVES,
    VECTORS_FILE,
    WORDINGS,
    evaluate,
    table,
    vectors,
)

# The frozen half may change only on purpose: a new checksum in the same commit, with the reason.
FROZEN_SHA256 = "bfaa805a03a037473e74e7b81dc1785756b19770ff8bd81697df0bc5e4990d0e"

TARGETS = {  # wording → figure → minimum, on the test half
    "technical": {"recall_at_1": 0.95, "recall_at_5": 0.98, "mrr": 0.97},
    "lay": {"recall_at_1": 0.75, "recall_at_5": 0.92, "mrr": 0.85},
}
BASELINES = ("tf-idf words", "tf-idf bigrams")
# Not met yet (issue 12): lay needs of the test half. Strict: the day they pass, this test fails
# and the mark goes. With sentence vectors (multilingual-e5-small, semantic.py), compared after
# removing the library's mean, the engine beats both TF-IDF baselines on lay needs (tested below,
# unmarked) but stays under the targets.
LAY_GAP = pytest.mark.xfail(
    strict=True,
    reason="lay-word needs below target: test half R@1 0.400 / R@5 0.900 / MRR 0.632 with "
    "centred sentence vectors (0.100 / 0.450 / 0.257 on words alone; TF-IDF bigrams 0.150 / "
    "0.500 / 0.279); targets 0.75 / 0.92 / 0.85",
)


def _wordings(gap: pytest.MarkDecorator) -> list[object]:
    return ["technical", pytest.param("lay", marks=gap)]


def test_the_frozen_half_is_unchanged():
    digest = hashlib.sha256(Path(eval_frozen.__file__).read_bytes()).hexdigest()
    assert digest == FROZEN_SHA256, "eval_frozen.py changed: the test half is frozen"


def test_the_evaluation_is_large_enough_and_consistent():
    keys = [a[0] for a in ACHIEVEMENTS]
    assert len(keys) >= 300 and len(set(keys)) == len(keys)
    needs = [n for half in HALVES.values() for n in half]
    assert len(needs) >= 60 and len({n[0] for n in needs}) == len(needs)
    assert sum(n[8] == "lay" for n in needs) * 2 >= len(needs), "half the needs in lay words"
    for half in HALVES.values():
        assert {n[8] for n in half} == set(WORDINGS)
    for need in needs:
        assert need[7] and set(need[7]) <= set(keys), need[0]
    # the test half's achievements and needs are its own: no key shared with the dev half
    assert not {a[0] for a in eval_frozen.ACHIEVEMENTS} & {a[0] for a in eval_set.ACHIEVEMENTS}


@pytest.fixture(scope="module")
def results():  # type: ignore[no-untyped-def]
    out = evaluate()
    print("\n" + table(out))
    for (half, wording, name), f in out.items():
        if name == "engine" and wording != "all" and f.misses:
            print(f"{half} {wording} not first: {f.misses}")
    return out


@pytest.mark.parametrize("wording", _wordings(LAY_GAP))
def test_the_engine_meets_its_targets_on_the_test_half(results, wording):
    figures = results["test", wording, "engine"]
    for name, minimum in TARGETS[wording].items():
        assert getattr(figures, name) >= minimum, (wording, name, figures)


@pytest.mark.parametrize("wording", WORDINGS)
@pytest.mark.parametrize("baseline", BASELINES)
def test_the_engine_is_at_least_as_good_as_tf_idf_on_the_test_half(results, wording, baseline):
    engine, base = results["test", wording, "engine"], results["test", wording, baseline]
    for name in ("recall_at_1", "recall_at_5", "mrr"):
        assert getattr(engine, name) >= getattr(base, name), (wording, name, engine, base)


def test_the_stored_vectors_are_what_the_model_computes_now():
    """eval_vectors.npz stands in for a minute of embedding: a sample re-embedded must agree
    (another model, another text or a broken wheel would not)."""
    rows = [(a[2], a[3]) for a in ACHIEVEMENTS[::97]]
    with np.load(VECTORS_FILE) as data:
        in_file = set(data["digests"].tolist())
    for title, description in rows:
        assert semantic.digest(f"False:{semantic.text_of(title, description)}") in in_file
    stored = vectors(rows, as_query=False)
    fresh = semantic.embed([semantic.text_of(*r) for r in rows], as_query=False)
    assert np.all(np.linalg.norm(fresh, axis=1) > 0.99), "the model did not load"
    # the 4-bit engine's sums differ in the last digits from one CPU to another (up to 1e-3 on
    # a coordinate); another model or another text is far below this (cosines < 0.97)
    assert np.all(np.einsum("ij,ij->i", stored, fresh) > 0.9999)
    need = HALVES["dev"][-1]
    stored_q = vectors([(need[2], need[3])], as_query=True)[0]
    fresh_q = semantic.embed([semantic.text_of(need[2], need[3])], as_query=True)[0]
    assert float(stored_q @ fresh_q) > 0.9999
