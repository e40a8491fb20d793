"""Recall@k and MRR of the engine and of two TF-IDF baselines, on both halves of the evaluation.

- The pool: every achievement of both halves (eval_set.py, eval_frozen.py), 300 in all; every
  need is ranked against the whole pool, as a broker's library would rank it.
- recall@k: the share of needs with a relevant achievement among the first k (hit rate);
  MRR: the mean of 1 / rank of the first relevant achievement (0 when not in the first 20).
- Baselines, computed in the same run on the same texts (title + description):
  TF-IDF over jieba words (rjieba, as a user of jieba would cut) and TF-IDF over character
  bigrams; sublinear tf, smoothed idf, cosine (a few lines on scipy, as scikit-learn does it).
- The engine ranks with sentence vectors (deals/matching/semantic.py) as it does in production;
  "e5 cosine" is those vectors alone (nearest by cosine), for comparison.
- Vectors: computing them costs ~1 minute of one core for the 392 texts, so they are kept in
  eval_vectors.npz, keyed by a digest of the model's name and the text; a text not found there
  is embedded in the run. `test_eval` re-embeds a sample and checks it against the file, so a
  stale file (another model, another text) fails. Regenerate: `python -m tests.matching.evaluation`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import rjieba
from scipy import sparse

from deals.matching import semantic
from deals.matching.engine import Doc, Query, TextIndex
from tests.matching import eval_frozen, eval_set

Need = tuple[str, str, str, str, str, float | None, str, list[str], str]
Ranker = Callable[[Need], list[str]]  # a need → achievement keys, best first

ACHIEVEMENTS = eval_set.ACHIEVEMENTS + eval_frozen.ACHIEVEMENTS
HALVES: dict[str, list[Need]] = {"dev": eval_set.DEV_NEEDS, "test": eval_frozen.NEEDS}
WORDINGS = ("technical", "lay")
DEPTH = 20


@dataclass
class Figures:
    n: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    misses: list[tuple[str, list[str], list[str]]]  # need, relevant, top 5


def _wan(value: float | None) -> float | None:
    return None if value is None else value * 10_000


VECTORS_FILE = Path(__file__).with_name("eval_vectors.npz")


@lru_cache(maxsize=1)
def _stored_vectors() -> dict[str, np.ndarray]:
    if not VECTORS_FILE.exists():
        return {}
    with np.load(VECTORS_FILE) as data:
        return {str(k): v for k, v in zip(data["digests"], data["vectors"], strict=True)}


def vectors(rows: Sequence[tuple[str, str]], *, as_query: bool) -> np.ndarray:
    """The model's vectors of (title, description) rows: stored ones from eval_vectors.npz, the
    rest computed now."""
    stored = _stored_vectors()
    texts = [semantic.text_of(title, description) for title, description in rows]
    keys = [semantic.digest(f"{as_query}:{text}") for text in texts]
    missing = [i for i, k in enumerate(keys) if k not in stored]
    if missing:
        fresh = semantic.embed([texts[i] for i in missing], as_query=as_query)
        for i, v in zip(missing, fresh, strict=True):
            stored[keys[i]] = v
    return np.stack([stored[k] for k in keys])


def achievement_vectors() -> np.ndarray:
    return vectors([(a[2], a[3]) for a in ACHIEVEMENTS], as_query=False)


def need_vectors(needs: Sequence[Need]) -> np.ndarray:
    return vectors([(n[2], n[3]) for n in needs], as_query=True)


def save_vectors() -> Path:
    """Write every vector of the evaluation (both halves) to eval_vectors.npz."""
    achievement_vectors()
    need_vectors([n for half in HALVES.values() for n in half])
    stored = _stored_vectors()
    digests = sorted(stored)
    np.savez_compressed(
        VECTORS_FILE,
        digests=np.asarray(digests),
        vectors=np.stack([stored[d] for d in digests]).astype(np.float32),
    )
    return VECTORS_FILE


def achievement_docs(with_vectors: bool = False) -> list[Doc]:
    vecs = achievement_vectors() if with_vectors else None
    return [
        Doc(
            id=i,
            title=title,
            description=description,
            industry=industry,
            region=region,
            maturity=maturity,
            price=_wan(price),
            vector=None if vecs is None else vecs[i - 1],
        )
        for i, (_key, industry, title, description, _owner, maturity, price, region) in enumerate(
            ACHIEVEMENTS, start=1
        )
    ]


def need_query(need: Need) -> Query:
    _key, industry, title, description, _ent, budget, region, _rel, _wording = need
    doc = Doc(0, title, description, industry, region, None, _wan(budget))
    return Query.for_doc(doc, price_is_budget=True)


def score(ranker: Ranker, needs: Sequence[Need]) -> Figures:
    at1 = at5 = rr = 0.0
    misses = []
    for need in needs:
        relevant = set(need[7])
        ranked = ranker(need)[:DEPTH]
        first = next((r for r, key in enumerate(ranked, start=1) if key in relevant), None)
        at1 += first == 1
        at5 += first is not None and first <= 5
        rr += 1 / first if first else 0.0
        if first != 1:
            misses.append((need[0], sorted(relevant), ranked[:5]))
    n = max(len(needs), 1)
    return Figures(len(needs), at1 / n, at5 / n, rr / n, misses)


def _need_vector_of() -> dict[str, np.ndarray]:
    needs = [n for half in HALVES.values() for n in half]
    return dict(zip([n[0] for n in needs], need_vectors(needs), strict=True))


def engine_ranker(with_vectors: bool = True) -> Ranker:
    index = TextIndex()
    index.build(achievement_docs(with_vectors))
    keys = [a[0] for a in ACHIEVEMENTS]
    need_vector = _need_vector_of() if with_vectors else {}

    def rank(need: Need) -> list[str]:
        query = replace(need_query(need), vector=need_vector.get(need[0]))
        return [keys[h.id - 1] for h in index.search(query, limit=DEPTH)]

    return rank


def cosine_ranker(centred: bool = False) -> Ranker:
    """The sentence vectors alone: achievements by cosine to the need (`centred`: after
    subtracting the pool's mean vector from both sides, as the engine compares them)."""
    keys = [a[0] for a in ACHIEVEMENTS]
    docs = achievement_vectors()
    need_vector = _need_vector_of()
    centre = docs.mean(axis=0) if centred else np.zeros(docs.shape[1], dtype=docs.dtype)
    docs = docs - centre
    docs = docs / np.linalg.norm(docs, axis=1, keepdims=True)

    def rank(need: Need) -> list[str]:
        sims = docs @ (need_vector[need[0]] - centre)
        order = np.lexsort((np.arange(len(keys)), -sims))[:DEPTH]
        return [keys[i] for i in order]

    return rank


# --- the TF-IDF baselines ------------------------------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+(?:[.\-][a-z0-9]+)*")


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def jieba_words(text: str) -> list[str]:
    return [w for w in rjieba.cut(_clean(text)) if _CJK.fullmatch(w)]


def char_bigrams(text: str) -> list[str]:
    out: list[str] = []
    for run in _CJK.findall(_clean(text)):
        if run.isascii() or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def tfidf_ranker(analyzer: Callable[[str], list[str]]) -> Ranker:
    keys = [a[0] for a in ACHIEVEMENTS]
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for r, (_k, _i, title, description, *_rest) in enumerate(ACHIEVEMENTS):
        for term, tf in Counter(analyzer(f"{title} {description}")).items():
            rows.append(r)
            cols.append(vocab.setdefault(term, len(vocab)))
            vals.append(1 + math.log(tf))
    tf_matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(keys), len(vocab)))
    df = np.bincount(tf_matrix.indices, minlength=len(vocab))
    idf = np.log((1 + len(keys)) / (1 + df)) + 1
    docs = tf_matrix.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(docs.multiply(docs).sum(axis=1)).ravel())
    docs = sparse.diags(1 / np.maximum(norms, 1e-12)) @ docs

    def rank(need: Need) -> list[str]:
        q = np.zeros(len(vocab))
        for term, tf in Counter(analyzer(f"{need[2]} {need[3]}")).items():
            if term in vocab:
                q[vocab[term]] = (1 + math.log(tf)) * idf[vocab[term]]
        sims = docs @ q
        order = np.lexsort((np.arange(len(keys)), -sims))[:DEPTH]
        return [keys[i] for i in order]

    return rank


def rankers() -> dict[str, Ranker]:
    return {
        "engine": engine_ranker(),
        "engine, words": engine_ranker(with_vectors=False),
        "e5 cosine": cosine_ranker(),
        "e5 centred": cosine_ranker(centred=True),
        "tf-idf words": tfidf_ranker(jieba_words),
        "tf-idf bigrams": tfidf_ranker(char_bigrams),
    }


def evaluate() -> dict[tuple[str, str, str], Figures]:
    """(half, wording, ranker) → figures; wording "all" is both wordings together."""
    out = {}
    for name, ranker in rankers().items():
        for half, needs in HALVES.items():
            for wording in (*WORDINGS, "all"):
                chosen = [n for n in needs if wording in ("all", n[8])]
                out[half, wording, name] = score(ranker, chosen)
    return out


def table(results: dict[tuple[str, str, str], Figures]) -> str:
    lines = [
        f"{'half':<5} {'wording':<10} {'ranker':<15} {'n':>3} {'R@1':>6} {'R@5':>6} {'MRR':>6}"
    ]
    names = list(dict.fromkeys(name for _h, _w, name in results))
    for half in HALVES:
        for wording in (*WORDINGS, "all"):
            for name in names:
                f = results[half, wording, name]
                lines.append(
                    f"{half:<5} {wording:<10} {name:<15} {f.n:>3} "
                    f"{f.recall_at_1:>6.3f} {f.recall_at_5:>6.3f} {f.mrr:>6.3f}"
                )
    return "\n".join(lines)


if __name__ == "__main__":
    print(save_vectors())
