"""The ranking engine: BM25 over Chinese terms, combined with structured fit. No Django here.

A `TextIndex` holds one kind of document (achievements, or needs) in memory:
- term frequencies as a CSR matrix (documents × terms) and its transposed BM25 weights
  (terms × documents), so a query costs the length of its terms' posting lists, not the corpus;
- structured fields as numpy arrays (industry code, region code, maturity, price), so the fit of
  hundreds of candidates is a few vector operations;
- changes (new or edited documents) go to a small delta that is merged into the main matrices
  once it grows (`compact`); a removed or replaced row is only masked until then.

Scoring, in one place (WEIGHTS below):
    score = 0.70·text + 0.15·industry + 0.07·price + 0.04·maturity + 0.04·region   (0..1)
- text: BM25 (k1=1.2, b=0.75) relative to the best hit of this query, but never relative to less
  than TEXT_FLOOR of the query's own weight, so the top hit of a vague query does not read as 1.0;
- industry 1 same / 0 different; price 1 asking ≤ budget / 0.5 up to 1.5× / 0 above;
  maturity (m−1)/8; region 1 same district / 0.8 same city / 0.6 same province / 0.3 elsewhere;
- a field unknown on either side scores a neutral 0.5: it neither helps nor sinks a document.
Only documents that share at least one term with the query are candidates: the structured fields
reorder text matches, they never bring in a document that has nothing to do with the need. A query
with no usable terms (empty or only stopwords) falls back to the structured fit alone.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from deals.matching.text import expand, term_counts

WEIGHTS = {"text": 0.70, "industry": 0.15, "price": 0.07, "maturity": 0.04, "region": 0.04}
NEUTRAL = 0.5
K1 = 1.2
B = 0.75
TEXT_FLOOR = 0.35
TEXT_CANDIDATES = 300  # text hits re-ranked with the structured fit
PRICE_SLACK = 1.5  # asking up to 1.5× the budget is negotiable: half credit
EXPANSION_WEIGHT = 0.5  # a near word (thesaurus.py) counts this share of the word it stands for
COMPACT_MIN = 2000  # merge the delta once it holds this many documents (or 2% of the corpus)


@dataclass(frozen=True)
class Doc:
    """What the engine knows of an achievement or a need. `price` is asking price or budget."""

    id: int
    title: str
    description: str
    industry: str = ""
    region: str = ""
    maturity: int | None = None
    price: float | None = None


@dataclass
class Hit:
    id: int
    score: float
    text: float
    shared_terms: list[str] = field(default_factory=list)
    bridged: list[tuple[str, str]] = field(default_factory=list)  # (need's word, its near word)
    industry_same: bool | None = None
    price_ratio: float | None = None  # asking / budget, None when either is unknown
    maturity: int | None = None
    region_level: str | None = None  # "district" | "city" | "province" | "other" | None


@dataclass(frozen=True)
class Query:
    """The other side of a match: terms plus the structured fields to fit against."""

    terms: Counter[str]
    industry: str = ""
    region: str = ""
    price: float | None = None  # the need's budget (or, from an achievement, its asking price)
    price_is_budget: bool = (
        True  # True: rank achievements for a need; False: needs for an achievement
    )
    expansions: dict[str, str] = field(default_factory=dict)  # near word → the query's word

    @classmethod
    def for_doc(cls, doc: Doc, *, price_is_budget: bool, expand_terms: bool = True) -> Query:
        terms = term_counts(doc.title, doc.description)
        return cls(
            terms=terms,
            expansions=expand(terms) if expand_terms else {},
            industry=doc.industry,
            region=doc.region,
            price=doc.price,
            price_is_budget=price_is_budget,
        )


def _region_int(code: str) -> int:
    return int(code) if code and len(code) == 6 and code.isdigit() else 0


class TextIndex:
    """One in-memory index. Thread-safe: every public method takes the instance's lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.vocab: dict[str, int] = {}
        self.terms: list[str] = []
        self.industries: dict[str, int] = {"": 0}
        self._df = np.zeros(0, dtype=np.int32)
        self._reset_rows()

    # --- storage ------------------------------------------------------------------------------

    def _reset_rows(self) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.row_of: dict[int, int] = {}
        self.alive = np.zeros(0, dtype=bool)
        self.doclen = np.zeros(0, dtype=np.float32)
        self.industry = np.zeros(0, dtype=np.int16)
        self.region = np.zeros(0, dtype=np.int32)
        self.maturity = np.zeros(0, dtype=np.int8)
        self.price = np.zeros(0, dtype=np.float64)
        self.n_base = 0
        self.base_tf = sparse.csr_matrix((0, 0), dtype=np.float32)
        self.base_w = sparse.csr_matrix((0, 0), dtype=np.float32)  # terms × base documents
        self.delta: list[tuple[np.ndarray, np.ndarray]] = []  # (term ids, tfs) of rows ≥ n_base
        self.delta_w: sparse.csr_matrix | None = None
        self.avgdl = 1.0

    def __len__(self) -> int:
        return int(self.alive.sum())

    @property
    def n_rows(self) -> int:
        return self.n_base + len(self.delta)

    def _term_ids(self, counts: Counter[str], grow: bool) -> tuple[np.ndarray, np.ndarray]:
        ids, tfs = [], []
        for term, tf in counts.items():
            tid = self.vocab.get(term)
            if tid is None:
                if not grow:
                    continue
                tid = len(self.terms)
                self.vocab[term] = tid
                self.terms.append(term)
            ids.append(tid)
            tfs.append(tf)
        return np.asarray(ids, dtype=np.int32), np.asarray(tfs, dtype=np.float32)

    def _grow_df(self) -> None:
        if len(self.terms) > len(self._df):
            grown = np.zeros(max(len(self.terms), 2 * len(self._df)), dtype=np.int32)
            grown[: len(self._df)] = self._df
            self._df = grown

    def _row_fields(self, doc: Doc) -> tuple[int, int, int, float]:
        code = self.industries.setdefault(doc.industry or "", len(self.industries))
        maturity = doc.maturity if doc.maturity and 1 <= doc.maturity <= 9 else 0
        price = float(doc.price) if doc.price is not None and doc.price >= 0 else math.nan
        return code, _region_int(doc.region), maturity, price

    def _weights(self, tf: np.ndarray, dl: np.ndarray) -> np.ndarray:
        norm = K1 * (1 - B + B * dl / self.avgdl)
        return (tf * (K1 + 1) / (tf + norm)).astype(np.float32)

    def build(self, docs: Iterable[Doc]) -> None:
        """Replace the whole index (a cold start or a rebuild)."""
        with self._lock:
            self.vocab, self.terms, self.industries = {}, [], {"": 0}
            self._reset_rows()
            indptr, indices, data = [0], [], []
            ids, fields = [], []
            for doc in docs:
                tids, tfs = self._term_ids(term_counts(doc.title, doc.description), grow=True)
                indices.append(tids)
                data.append(tfs)
                indptr.append(indptr[-1] + len(tids))
                ids.append(doc.id)
                fields.append(self._row_fields(doc))
            n = len(ids)
            tf = sparse.csr_matrix(
                (
                    np.concatenate(data) if data else np.zeros(0, np.float32),
                    np.concatenate(indices) if indices else np.zeros(0, np.int32),
                    np.asarray(indptr, dtype=np.int64),
                ),
                shape=(n, len(self.terms)),
            )
            self._install(np.asarray(ids, dtype=np.int64), tf, fields)

    def _install(
        self, ids: np.ndarray, tf: sparse.csr_matrix, fields: Sequence[tuple[int, int, int, float]]
    ) -> None:
        n = len(ids)
        self.ids = ids
        self.row_of = {int(i): r for r, i in enumerate(ids.tolist())}
        self.alive = np.ones(n, dtype=bool)
        self.doclen = np.asarray(tf.sum(axis=1), dtype=np.float32).ravel()
        self.avgdl = float(self.doclen.mean()) if n and self.doclen.mean() > 0 else 1.0
        cols = np.asarray(fields, dtype=np.float64).reshape(n, 4)
        self.industry = cols[:, 0].astype(np.int16)
        self.region = cols[:, 1].astype(np.int32)
        self.maturity = cols[:, 2].astype(np.int8)
        self.price = cols[:, 3].copy()
        self.n_base = n
        self.base_tf = tf
        weighted = tf.copy()
        row_len = np.repeat(self.doclen, np.diff(tf.indptr))
        weighted.data = self._weights(tf.data, row_len)
        self.base_w = weighted.T.tocsr()
        self._df = np.bincount(tf.indices, minlength=len(self.terms)).astype(np.int32)
        self.delta, self.delta_w = [], None

    def upsert(self, doc: Doc) -> None:
        """Add or replace one document; visible to the next search."""
        self.upsert_many([doc])

    def upsert_many(self, docs: Iterable[Doc]) -> None:
        """Add or replace documents (a worker catching up after an import: the arrays grow once
        per batch, not once per document)."""
        with self._lock:
            batch = {doc.id: doc for doc in docs}  # the last version of a document wins
            if not batch:
                return
            fields, lengths = [], []
            for doc in batch.values():
                self._kill(doc.id)
                tids, tfs = self._term_ids(term_counts(doc.title, doc.description), grow=True)
                self._grow_df()
                self._df[tids] += 1
                self.row_of[doc.id] = self.n_rows
                self.delta.append((tids, tfs))
                fields.append(self._row_fields(doc))
                lengths.append(float(tfs.sum()))
            cols = np.asarray(fields, dtype=np.float64).reshape(len(batch), 4)
            self.ids = np.concatenate([self.ids, np.fromiter(batch, dtype=np.int64)])
            self.alive = np.concatenate([self.alive, np.ones(len(batch), dtype=bool)])
            self.doclen = np.concatenate([self.doclen, np.asarray(lengths, dtype=np.float32)])
            self.industry = np.concatenate([self.industry, cols[:, 0].astype(np.int16)])
            self.region = np.concatenate([self.region, cols[:, 1].astype(np.int32)])
            self.maturity = np.concatenate([self.maturity, cols[:, 2].astype(np.int8)])
            self.price = np.concatenate([self.price, cols[:, 3]])
            self.delta_w = None
            if len(self.delta) >= max(COMPACT_MIN, self.n_base // 50):
                self.compact()

    def remove(self, doc_id: int) -> None:
        with self._lock:
            self._kill(doc_id)

    def _row_terms(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        if row < self.n_base:
            s, e = self.base_tf.indptr[row], self.base_tf.indptr[row + 1]
            return self.base_tf.indices[s:e], self.base_tf.data[s:e]
        return self.delta[row - self.n_base]

    def _kill(self, doc_id: int) -> None:
        row = self.row_of.pop(doc_id, None)
        if row is None or not self.alive[row]:
            return
        self.alive[row] = False
        tids, _ = self._row_terms(row)
        self._df[tids] -= 1

    def compact(self) -> None:
        """Merge the delta into the main matrices and drop dead rows (O(corpus), about a second
        at 10^5 documents; runs once per COMPACT_MIN changes)."""
        with self._lock:
            rows = np.flatnonzero(self.alive)
            n_terms = len(self.terms)
            base = self.base_tf
            base = sparse.csr_matrix(
                (base.data, base.indices, base.indptr), shape=(self.n_base, n_terms)
            )
            parts = [base]
            if self.delta:
                lens = [len(t) for t, _ in self.delta]
                parts.append(
                    sparse.csr_matrix(
                        (
                            np.concatenate([f for _, f in self.delta]),
                            np.concatenate([t for t, _ in self.delta]),
                            np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
                        ),
                        shape=(len(self.delta), n_terms),
                    )
                )
            tf = sparse.vstack(parts, format="csr")[rows]
            fields = list(
                zip(
                    self.industry[rows].tolist(),
                    self.region[rows].tolist(),
                    self.maturity[rows].tolist(),
                    self.price[rows].tolist(),
                    strict=True,
                )
            )
            self._install(self.ids[rows].copy(), tf.astype(np.float32), fields)

    def _delta_matrix(self) -> sparse.csr_matrix:
        if self.delta_w is None:
            lens = [len(t) for t, _ in self.delta]
            dl = np.asarray([f.sum() for _, f in self.delta], dtype=np.float32)
            tf = np.concatenate([f for _, f in self.delta])
            matrix = sparse.csr_matrix(
                (
                    self._weights(tf, np.repeat(dl, lens)),
                    np.concatenate([t for t, _ in self.delta]),
                    np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
                ),
                shape=(len(self.delta), len(self.terms)),
            )
            self.delta_w = matrix.T.tocsr()
        return self.delta_w

    # --- search -------------------------------------------------------------------------------

    def idf(self, tids: np.ndarray) -> np.ndarray:
        n = max(len(self), 1)
        df = self._df[tids].astype(np.float64)
        return np.log1p((n - df + 0.5) / (df + 0.5))

    def search(self, query: Query, limit: int = 10, exclude: Iterable[int] = ()) -> list[Hit]:
        with self._lock:
            return self._search(query, max(0, limit), set(exclude))

    def _search(self, query: Query, limit: int, exclude: set[int]) -> list[Hit]:
        n = self.n_rows
        if n == 0 or limit == 0:
            return []
        tids, qtf = self._term_ids(query.terms, grow=False)
        # Terms no document contains still count toward what the query asks for (at the
        # highest idf): a need described mostly in words the library lacks must not score high.
        unknown = sum(
            1 + math.log(tf) for term, tf in query.terms.items() if term not in self.vocab
        )
        unknown_weight = unknown * math.log1p((max(len(self), 1) + 0.5) / 0.5)
        scores = np.zeros(n, dtype=np.float32)
        qweight = np.zeros(0)
        if len(tids):
            qweight = self.idf(tids) * (1 + np.log(qtf))  # sublinear: a long need repeats itself
        etids, eweight = self._expansion_weights(query)
        all_tids = np.concatenate([tids, etids])
        all_weight = np.concatenate([qweight, eweight])
        if len(all_tids):
            base_terms = self.base_w.shape[0]
            for tid, w in zip(all_tids.tolist(), all_weight.tolist(), strict=True):
                if tid < base_terms:
                    s, e = self.base_w.indptr[tid], self.base_w.indptr[tid + 1]
                    scores[self.base_w.indices[s:e]] += np.float32(w) * self.base_w.data[s:e]
            if self.delta:
                delta = self._delta_matrix()
                for tid, w in zip(all_tids.tolist(), all_weight.tolist(), strict=True):
                    s, e = delta.indptr[tid], delta.indptr[tid + 1]
                    scores[self.n_base + delta.indices[s:e]] += np.float32(w) * delta.data[s:e]
        scores[~self.alive[:n]] = 0
        for doc_id in exclude:
            row = self.row_of.get(doc_id)
            if row is not None:
                scores[row] = 0
        candidates = np.flatnonzero(scores)
        text_only = len(candidates) > 0
        if not text_only:  # nothing shares a term: rank everything alive by structured fit
            candidates = np.flatnonzero(self.alive[:n])
            for doc_id in exclude:
                candidates = candidates[self.ids[candidates] != doc_id]
        if text_only and len(candidates) > TEXT_CANDIDATES:
            top = np.argpartition(scores[candidates], -TEXT_CANDIDATES)[-TEXT_CANDIDATES:]
            candidates = candidates[top]
        text: np.ndarray = np.zeros(len(candidates))
        if text_only:
            floor = TEXT_FLOOR * (float(qweight.sum()) + unknown_weight)
            text = scores[candidates] / max(float(scores[candidates].max()), floor, 1e-9)
        parts = self._structured(query, candidates)
        total = WEIGHTS["text"] * text
        for name, values in parts.items():
            total = total + WEIGHTS[name] * values
        order = np.lexsort((self.ids[candidates], -total))[:limit]
        return [
            self._hit(query, int(candidates[i]), float(total[i]), float(text[i]), tids, qweight)
            for i in order
        ]

    def _expansion_weights(self, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """Near words the index knows, weighted as a share of the word they stand for."""
        ids, weights = [], []
        for near, word in query.expansions.items():
            tid = self.vocab.get(near)
            if tid is None or near in query.terms:
                continue
            ids.append(tid)
            weights.append(EXPANSION_WEIGHT * (1 + math.log(query.terms.get(word, 1))))
        if not ids:
            return np.zeros(0, dtype=np.int32), np.zeros(0)
        tids = np.asarray(ids, dtype=np.int32)
        return tids, self.idf(tids) * np.asarray(weights)

    def _structured(self, query: Query, rows: np.ndarray) -> dict[str, np.ndarray]:
        parts: dict[str, np.ndarray] = {}
        industry = self.industry[rows]
        q_ind = self.industries.get(query.industry or "", -1) if query.industry else 0
        parts["industry"] = np.where(
            (industry == 0) | (q_ind == 0), NEUTRAL, (industry == q_ind).astype(float)
        )
        price = self.price[rows]
        if query.price is None or query.price < 0:
            parts["price"] = np.full(len(rows), NEUTRAL)
        else:
            asking, budget = (price, query.price) if query.price_is_budget else (query.price, price)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(
                    np.asarray(budget) > 0, asking / budget, np.where(asking > 0, np.inf, 0)
                )
            fit = np.where(ratio <= 1, 1.0, np.where(ratio <= PRICE_SLACK, 0.5, 0.0))
            parts["price"] = np.where(np.isnan(price), NEUTRAL, fit)
        maturity = self.maturity[rows].astype(float)
        parts["maturity"] = np.where(maturity == 0, NEUTRAL, (maturity - 1) / 8)
        region = self.region[rows]
        q_reg = _region_int(query.region)
        level = np.where(
            region == q_reg,
            1.0,
            np.where(
                region // 100 == q_reg // 100,
                0.8,
                np.where(region // 10000 == q_reg // 10000, 0.6, 0.3),
            ),
        )
        parts["region"] = np.where((region == 0) | (q_reg == 0), NEUTRAL, level)
        return parts

    def _hit(
        self, query: Query, row: int, score: float, text: float, tids: np.ndarray, qw: np.ndarray
    ) -> Hit:
        hit = Hit(id=int(self.ids[row]), score=round(min(max(score, 0.0), 1.0), 4), text=text)
        doc_tids = set(self._row_terms(row)[0].tolist())
        shared = sorted(
            (-w, t) for t, w in zip(tids.tolist(), qw.tolist(), strict=True) if t in doc_tids
        )
        hit.shared_terms = [self.terms[t] for _w, t in shared]
        for near, word in query.expansions.items():
            tid = self.vocab.get(near)
            if tid is not None and tid in doc_tids and near not in query.terms:
                hit.bridged.append((word, near))
        ind = int(self.industry[row])
        if ind and query.industry:
            hit.industry_same = self.industries.get(query.industry) == ind
        price = float(self.price[row])
        if query.price is not None and not math.isnan(price):
            asking, budget = (price, query.price) if query.price_is_budget else (query.price, price)
            hit.price_ratio = asking / budget if budget > 0 else (math.inf if asking > 0 else 0.0)
        hit.maturity = int(self.maturity[row]) or None
        reg, q_reg = int(self.region[row]), _region_int(query.region)
        if reg and q_reg:
            hit.region_level = (
                "district"
                if reg == q_reg
                else "city"
                if reg // 100 == q_reg // 100
                else "province"
                if reg // 10000 == q_reg // 10000
                else "other"
            )
        return hit

    def memory_bytes(self) -> int:
        """Approximate resident size of the arrays (the bench reports it next to the RSS delta)."""
        total = 0
        for m in (self.base_tf, self.base_w):
            total += m.data.nbytes + m.indices.nbytes + m.indptr.nbytes
        for a in (self.ids, self.alive, self.doclen, self.industry, self.region, self.maturity):
            total += a.nbytes
        return total + self.price.nbytes + self._df.nbytes
