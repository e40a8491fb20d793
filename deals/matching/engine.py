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

Meaning (semantic.py): when the index holds sentence vectors and the query brings one, the text
part mixes words and meaning, `text = (1 − SEMANTIC_SHARE)·BM25 + SEMANTIC_SHARE·meaning`, where
meaning is how far the document's cosine stands above the library's usual cosine for this query
(a z-score over the library, SEMANTIC_Z standard deviations = 1, clipped to 0..1: e5's cosines
crowd between 0.75 and 0.9, their spread is what tells). The SEMANTIC_CANDIDATES nearest
documents join the word candidates, so a need told in lay words meets an achievement with which
it shares no word. Cosines are taken after subtracting the library's mean vector from both sides
(CENTRE_MIN): the raw vectors share one large direction, and a document close to the library's
average would otherwise outrank the one that shares what is particular to the need (dev half, lay
needs, MRR 0.783 → 0.864). Up to EXACT_VECTORS rows every cosine is computed; above, the vectors projected
on their PROJECTION_DIMS principal axes (256 bytes a row) pick SEMANTIC_PREFILTER rows first, whose
exact cosines then decide, and the library's usual cosine comes from the vectors' mean and
covariance. The projected rows are grouped in about √n cells (k-means): a query scans only the
cells whose centres are nearest to it, VECTOR_SCAN rows, not the library (at 10^6 rows a full scan
read 256 MB and cost ~50 ms a query). All of it is computed at build time, block by block (no
second copy of the vectors), and kept in the snapshot.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import threading
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
COMPACT_MIN = 2000
COMMON_SHARE = 0.05  # see TextIndex._score_base
COMMON_MIN = 20_000
COMMON_CANDIDATES = 5_000  # merge the delta once it holds this many documents (or 2% of the corpus)
SEMANTIC_SHARE = 0.6  # of the score, when both sides have vectors (tuned on the dev half)
SEMANTIC_Z = 4.0
SEMANTIC_CAP = 1.0
SEMANTIC_CANDIDATES = 50
SEMANTIC_FLOOR = 0.25  # a meaning score below this is no reason to show a document
EXACT_VECTORS = 20_000
SEMANTIC_PREFILTER = 2_000
PROJECTION_DIMS = 64
# Vectors are compared after subtracting the library's mean vector (and normalizing again):
# e5's vectors share a large common direction, so raw cosines crowd together and a document that
# merely sounds like the library's average outranks the answer. Below CENTRE_MIN documents the
# mean is no library statistic and vectors are compared as they are.
CENTRE_MIN = 20
# At scale the projected rows are grouped in cells (k-means, about √n of them, at most
# VECTOR_CELLS_MAX): a query scans the cells whose centre is nearest until VECTOR_SCAN rows, not
# the whole library (10^6 rows × 64 dims: 50 ms of one core and 256 MB read per query).
VECTOR_CELLS_MAX = 1024
VECTOR_SCAN = 20_000  # and at least 1/VECTOR_SCAN_SHARE of the rows (62,500 at 10^6)
VECTOR_SCAN_SHARE = 16
KMEANS_SAMPLE = 65_536
KMEANS_ROUNDS = 8
VECTOR_BLOCK = 65_536  # rows per step when the build works through the vectors
# A snapshot of more rows stores its vectors as float16: half the page cache (768 MB at 10^6
# instead of 1.5 GB) and half the pages a query's exact cosines touch; a cosine moves by < 0.001.
HALF_VECTORS_MIN = 20_000


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
    # its sentence vector (semantic.py), None when not computed
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)


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
    semantic: float | None = None  # cosine of the sentence vectors, None when not compared
    meaning: float = 0.0  # the meaning score (0..1) that entered the text part
    meaning_z: float = 0.0  # standard deviations above this query's usual cosine (not capped)


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
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

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
            vector=doc.vector,
        )


def _region_int(code: str) -> int:
    return int(code) if code and len(code) == 6 and code.isdigit() else 0


BUILD_CHUNK = 2_000


def _count_texts(texts: list[tuple[str, str]]) -> list[list[tuple[str, int]]]:
    return [list(term_counts(title, description).items()) for title, description in texts]


def _counted(docs: Iterable[Doc], workers: int) -> Iterator[tuple[Doc, Iterable[tuple[str, int]]]]:
    """Each document with its term counts, in order; counted in `workers` processes."""
    if workers <= 1:
        for doc in docs:
            yield doc, term_counts(doc.title, doc.description).items()
        return

    def chunks() -> Iterator[list[Doc]]:
        chunk: list[Doc] = []
        for doc in docs:
            chunk.append(doc)
            if len(chunk) == BUILD_CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    pending: list[list[Doc]] = []

    def texts() -> Iterator[list[tuple[str, str]]]:
        for chunk in chunks():
            pending.append(chunk)
            yield [(d.title, d.description) for d in chunk]

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for counted in pool.imap(_count_texts, texts()):
            yield from zip(pending.pop(0), counted, strict=True)


class _VectorRows:
    """A build's vectors, gathered block by block (no per-document array kept), then one matrix."""

    def __init__(self) -> None:
        self.blocks: list[np.ndarray | None] = []  # None: a block without any vector yet
        self.n = 0
        self.dim = 0

    def append(self, vector: np.ndarray | None) -> None:
        i = self.n % VECTOR_BLOCK
        if i == 0:
            self.blocks.append(None)
        if vector is not None:
            v = np.asarray(vector, dtype=np.float32).reshape(-1)
            self.dim = self.dim or len(v)
            if len(v) != self.dim:
                raise ValueError("sentence vectors of different sizes")
            block = self.blocks[-1]
            if block is None:
                block = self.blocks[-1] = np.zeros((VECTOR_BLOCK, self.dim), dtype=np.float32)
            block[i] = v
        self.n += 1

    def matrix(self) -> np.ndarray | None:
        """Unit rows (zero rows for documents without a vector); None when none has one."""
        if not self.dim:
            return None
        out = np.zeros((self.n, self.dim), dtype=np.float32)
        for i, block in enumerate(self.blocks):
            start = i * VECTOR_BLOCK
            if block is not None:
                out[start : start + VECTOR_BLOCK] = block[: self.n - start]
            self.blocks[i] = None
        return _unit_in_place(out)


def _stack(vectors: Sequence[np.ndarray | None]) -> np.ndarray | None:
    """Rows of vectors, zeros where a document has none; None when none has one."""
    known = [v for v in vectors if v is not None]
    if not known:
        return None
    out = np.zeros((len(vectors), int(np.asarray(known[0]).shape[-1])), dtype=np.float32)
    for i, v in enumerate(vectors):
        if v is not None:
            out[i] = np.asarray(v, dtype=np.float32).reshape(-1)
    return _unit(out)


def _columns(fields: Sequence[tuple[int, int, int, float]]) -> dict[str, np.ndarray]:
    cols = np.asarray(fields, dtype=np.float64).reshape(len(fields), 4)
    return {name: cols[:, i].astype(dt) for i, (name, dt) in enumerate(FIELD_DTYPES.items())}


class Vocab:
    """Terms and their ids: a sorted base of numpy arrays (memory-mapped when loaded from a
    snapshot, so every process shares one copy) plus the terms added since, in a small dict."""

    def __init__(self, terms: np.ndarray, sorted_terms: np.ndarray, order: np.ndarray) -> None:
        self.base = terms  # id order
        self.sorted = sorted_terms
        self.order = order  # position in `sorted` → term id
        self.extra: dict[str, int] = {}
        self.extra_terms: list[str] = []
        self._seen: dict[str, int] = {}  # base look-ups (the base never changes): -1 = absent

    @classmethod
    def of(cls, terms: Sequence[str]) -> Vocab:
        width = max((len(t) for t in terms), default=1)
        base = np.asarray(terms, dtype=f"<U{max(width, 1)}")
        order = np.argsort(base, kind="stable").astype(np.int32)
        return cls(base, base[order], order)

    def get(self, term: str) -> int | None:
        tid = self.extra.get(term)
        if tid is not None:
            return tid
        found = self._seen.get(term)
        if found is None:
            found, n = -1, len(self.sorted)
            if n:
                i = int(np.searchsorted(self.sorted, term))
                if i < n and self.sorted[i] == term:
                    found = int(self.order[i])
            if len(self._seen) < VOCAB_CACHE:
                self._seen[term] = found
        return found if found >= 0 else None

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def add(self, term: str) -> int:
        tid = self.get(term)
        if tid is None:
            tid = len(self)
            self.extra[term] = tid
            self.extra_terms.append(term)
        return tid

    def term(self, tid: int) -> str:
        n = len(self.base)
        return str(self.base[tid]) if tid < n else self.extra_terms[tid - n]

    def all_terms(self) -> list[str]:
        return [str(t) for t in self.base.tolist()] + self.extra_terms

    def __len__(self) -> int:
        return len(self.base) + len(self.extra_terms)


VOCAB_CACHE = 200_000  # look-ups remembered per process (bounded: a few MB)
FIELD_DTYPES = {
    "industry": np.int16,
    "region": np.int32,
    "maturity": np.int8,
    "price": np.float64,
}
SNAPSHOT_ARRAYS = [
    "ids",
    "doclen",
    "industry",
    "region",
    "maturity",
    "price",
    "tf_ptr",
    "tf_idx",
    "tf_val",
    "w_ptr",
    "w_idx",
    "w_val",
    "df",
    "terms",
    "terms_sorted",
    "terms_order",
]


def _unit(vectors: np.ndarray) -> np.ndarray:
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)


def _centre_in_place(vectors: np.ndarray, centre: np.ndarray | None) -> np.ndarray | None:
    """Subtract `centre` (by default the mean of the rows that have a vector, if there are at
    least CENTRE_MIN) from those rows and make them unit again; rows without a vector stay zero.
    Returns the centre used, None when the vectors were left as they were."""
    block = 16_384  # rows at a time (~25 MB of temporaries): no second copy of a large matrix
    if centre is None:
        n, total = 0, np.zeros(vectors.shape[1])
        for start in range(0, len(vectors), block):
            rows = vectors[start : start + block]
            known = rows[np.any(rows != 0, axis=1)]
            n += len(known)
            total += known.sum(axis=0, dtype=np.float64)
        if n < CENTRE_MIN:
            return None
        centre = total / n
    centre = np.asarray(centre, dtype=np.float32)
    for start in range(0, len(vectors), block):
        rows = vectors[start : start + block]
        known = np.any(rows != 0, axis=1)
        rows[known] = _unit(rows[known] - centre)
    return centre


def _unit_in_place(v: np.ndarray) -> np.ndarray:
    """`_unit` without a second matrix (10^6 × 384 float32 is 1.5 GB)."""
    for start in range(0, len(v), VECTOR_BLOCK):
        block = v[start : start + VECTOR_BLOCK]
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        np.divide(block, norms, out=block, where=norms > 0)
    return v


def _moments(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Mean and covariance of the rows that have a vector (float64), block by block."""
    dim = vectors.shape[1]
    n, total, outer = 0, np.zeros(dim), np.zeros((dim, dim))
    for start in range(0, len(vectors), VECTOR_BLOCK):
        block = vectors[start : start + VECTOR_BLOCK]
        known = block[np.any(block != 0, axis=1)].astype(np.float64)
        n += len(known)
        total += known.sum(axis=0)
        outer += known.T @ known
    if n < 2:
        return None
    mu = total / n
    return mu, outer / n - np.outer(mu, mu)


def _projection(
    vectors: np.ndarray, moments: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The principal axes of the vectors (dim × PROJECTION_DIMS) and the centred vectors on
    them: a cheap first pass whose order keeps the nearest rows (a query's cosine minus its
    mean over the library is q·(v − μ), mostly along those axes)."""
    mu, cov = moments
    _values, axes = np.linalg.eigh(cov)
    basis = np.ascontiguousarray(axes[:, ::-1][:, :PROJECTION_DIMS], dtype=np.float32)
    projected = np.empty((len(vectors), basis.shape[1]), dtype=np.float32)
    mu32 = mu.astype(np.float32)
    for start in range(0, len(vectors), VECTOR_BLOCK):  # BLAS here: a build, not a query
        projected[start : start + VECTOR_BLOCK] = (
            vectors[start : start + VECTOR_BLOCK] - mu32
        ) @ basis
    return basis, projected


def _nearest_centres(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    half = 0.5 * np.einsum("ij,ij->i", centres, centres)
    out = np.empty(len(x), dtype=np.int32)
    for start in range(0, len(x), VECTOR_BLOCK):
        out[start : start + VECTOR_BLOCK] = np.argmax(
            x[start : start + VECTOR_BLOCK] @ centres.T - half, axis=1
        )
    return out


def _cells(projected: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group the rows that have a vector in about √n cells of nearby projections (k-means on a
    sample, KMEANS_ROUNDS rounds, then every row to its nearest centre). Returns the centres,
    the rows in cell order and where each cell starts in it (len = cells + 1); rows without a
    vector are in no cell."""
    rows = np.flatnonzero(known)
    k = max(1, min(VECTOR_CELLS_MAX, math.isqrt(len(rows))))
    rng = np.random.default_rng(len(rows))  # the same library gives the same cells
    picked = rows if len(rows) <= KMEANS_SAMPLE else rng.choice(rows, KMEANS_SAMPLE, replace=False)
    sample = np.asarray(projected[np.sort(picked)], dtype=np.float32)
    centres = sample[rng.choice(len(sample), k, replace=False)].copy()
    for _round in range(KMEANS_ROUNDS):
        assigned = _nearest_centres(sample, centres)
        counts = np.bincount(assigned, minlength=k)
        one_hot = sparse.csr_matrix(
            (np.ones(len(sample), dtype=np.float32), (assigned, np.arange(len(sample)))),
            shape=(k, len(sample)),
        )
        sums = np.asarray(one_hot @ sample)
        filled = counts > 0
        centres[filled] = sums[filled] / counts[filled, None]
    assigned = _nearest_centres(np.asarray(projected[rows]), centres)
    order = np.argsort(assigned, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(assigned, minlength=k))])
    return centres, rows[order].astype(np.int32), starts.astype(np.int64)


class TextIndex:
    """One index. Thread-safe: every public method takes the instance's lock.

    The base (rows 0..n_base-1, sorted by id) is a set of plain arrays: built here, or
    memory-mapped read-only from a snapshot directory (`save` / `load`), in which case every
    process of the host shares the page cache's one copy. Changes since go to a small private
    delta; the alive mask and document frequencies are private copies (bytes per row / term).
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.vocab = Vocab.of([])
        self.industries: dict[str, int] = {"": 0}
        self._df = np.zeros(0, dtype=np.int32)
        self.source: str | None = None  # the snapshot directory this index was loaded from
        self._reset_rows()

    # --- storage ------------------------------------------------------------------------------

    def _reset_rows(self) -> None:
        self.n_base = 0
        self.b_ids = np.zeros(0, dtype=np.int64)
        self.b_doclen = np.zeros(0, dtype=np.float32)
        self.b_fields = {name: np.zeros(0, dtype=dt) for name, dt in FIELD_DTYPES.items()}
        # documents × terms (term frequencies) and terms × documents (BM25 weights), CSR arrays
        self.tf_ptr = np.zeros(1, dtype=np.int64)
        self.tf_idx = np.zeros(0, dtype=np.int32)
        self.tf_val = np.zeros(0, dtype=np.float32)
        self.w_ptr = np.zeros(1, dtype=np.int64)
        self.w_idx = np.zeros(0, dtype=np.int32)
        self.w_val = np.zeros(0, dtype=np.float32)
        self.delta: list[tuple[np.ndarray, np.ndarray]] = []  # (term ids, tfs) of rows ≥ n_base
        self.b_vec: np.ndarray | None = None  # sentence vectors (unit or zero rows), n_base × dim
        self.b_proj: np.ndarray | None = None  # on their principal axes (the first pass at scale)
        self.b_basis: np.ndarray | None = None  # those axes
        # b_proj's rows are in cell order: b_cell_rows[i] is the row of b_proj[i], cell c holds
        # b_cell_starts[c]:b_cell_starts[c + 1], b_cell_centres[c] is its centre (projected)
        self.b_cell_centres: np.ndarray | None = None
        self.b_cell_rows: np.ndarray | None = None
        self.b_cell_starts: np.ndarray | None = None
        self.b_moments: tuple[np.ndarray, np.ndarray] | None = None  # their mean, covariance
        self.b_centre: np.ndarray | None = None  # the library's mean vector (CENTRE_MIN), or None
        self.d_vec: list[np.ndarray | None] = []
        self._d_vec_matrix: np.ndarray | None = None
        self.d_ids: list[int] = []
        self.d_doclen: list[float] = []
        self.d_fields: list[tuple[int, int, int, float]] = []
        self.d_row_of: dict[int, int] = {}
        self._d_cols: dict[str, np.ndarray] | None = None
        self.delta_w: sparse.csr_matrix | None = None
        self.alive = np.zeros(0, dtype=bool)
        self.n_alive = 0
        self.avgdl = 1.0

    def __len__(self) -> int:
        return self.n_alive

    @property
    def n_rows(self) -> int:
        return self.n_base + len(self.delta)

    @property
    def terms(self) -> list[str]:
        return self.vocab.all_terms()

    def _term_ids(self, counts: Counter[str], grow: bool) -> tuple[np.ndarray, np.ndarray]:
        ids, tfs = [], []
        for term, tf in counts.items():
            tid = self.vocab.add(term) if grow else self.vocab.get(term)
            if tid is None:
                continue
            ids.append(tid)
            tfs.append(tf)
        return np.asarray(ids, dtype=np.int32), np.asarray(tfs, dtype=np.float32)

    def _grow_df(self) -> None:
        if len(self.vocab) > len(self._df):
            grown = np.zeros(max(len(self.vocab), 2 * len(self._df)), dtype=np.int32)
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

    def build(self, docs: Iterable[Doc], workers: int = 1) -> None:
        """Replace the whole index (a cold start or a rebuild). `workers` > 1 tokenizes in that
        many forked processes (a snapshot build of a large library; the CPU-bound part)."""
        with self._lock:
            self.industries = {"": 0}
            self._reset_rows()
            vocab: dict[str, int] = {}
            indptr = array("q", [0])
            indices, data = array("i"), array("f")
            ids, fields = array("q"), []
            vectors = _VectorRows()
            for doc, counts in _counted(docs, workers):
                vectors.append(doc.vector)
                for term, tf in counts:
                    tid = vocab.get(term)
                    if tid is None:
                        tid = vocab[term] = len(vocab)
                    indices.append(tid)
                    data.append(tf)
                indptr.append(len(indices))
                ids.append(doc.id)
                fields.append(self._row_fields(doc))
            self.vocab = Vocab.of(list(vocab))
            tf = sparse.csr_matrix(
                (
                    np.frombuffer(data, dtype=np.float32),
                    np.frombuffer(indices, dtype=np.int32),
                    np.frombuffer(indptr, dtype=np.int64),
                ),
                shape=(len(ids), len(vocab)),
            )
            self._install(
                np.frombuffer(ids, dtype=np.int64), tf, _columns(fields), vectors.matrix()
            )

    def _install(
        self,
        ids: np.ndarray,
        tf: sparse.csr_matrix,
        cols: dict[str, np.ndarray],
        vec: np.ndarray | None = None,
        centred_on: np.ndarray | None = None,
    ) -> None:
        """`centred_on`: the centre `vec` was already centred on (a compaction keeps it)."""
        order = np.argsort(ids, kind="stable")
        if len(ids) and np.any(np.diff(ids[order]) == 0):
            raise ValueError("duplicate document ids")
        if not np.all(order == np.arange(len(ids))):
            ids, tf = ids[order], tf[order]
            cols = {name: col[order] for name, col in cols.items()}
            vec = None if vec is None else vec[order]
        self._reset_rows()
        if vec is not None:
            vec = np.ascontiguousarray(vec, dtype=np.float32)
            self.b_vec = _unit_in_place(vec if vec.flags.writeable else vec.copy())
            if centred_on is None:
                self.b_centre = _centre_in_place(self.b_vec, None)
            else:
                self.b_centre = centred_on
            self.b_moments = _moments(self.b_vec)
            if self.b_moments is not None:
                self.b_basis, projected = _projection(self.b_vec, self.b_moments)
                known = np.any(self.b_vec != 0, axis=1)
                self.b_cell_centres, self.b_cell_rows, self.b_cell_starts = _cells(projected, known)
                self.b_proj = projected[self.b_cell_rows]  # in cell order: a cell is one slice
        n = len(ids)
        tf = sparse.csr_matrix(tf, dtype=np.float32)
        tf.sort_indices()
        self.n_base = n
        self.b_ids = np.ascontiguousarray(ids, dtype=np.int64)
        self.b_doclen = np.asarray(tf.sum(axis=1), dtype=np.float32).ravel()
        self.avgdl = float(self.b_doclen.mean()) if n and self.b_doclen.mean() > 0 else 1.0
        self.b_fields = {
            name: np.ascontiguousarray(cols[name], dtype=dt) for name, dt in FIELD_DTYPES.items()
        }
        self.tf_ptr = tf.indptr.astype(np.int64)
        self.tf_idx = tf.indices.astype(np.int32)
        self.tf_val = tf.data.astype(np.float32)
        weighted = tf.copy()
        row_len = np.repeat(self.b_doclen, np.diff(tf.indptr))
        weighted.data = self._weights(tf.data, row_len)
        by_term = weighted.T.tocsr()
        by_term.sort_indices()
        self.w_ptr = by_term.indptr.astype(np.int64)
        self.w_idx = by_term.indices.astype(np.int32)
        self.w_val = by_term.data.astype(np.float32)
        self._df = np.bincount(self.tf_idx, minlength=len(self.vocab)).astype(np.int32)
        self.alive = np.ones(n, dtype=bool)
        self.n_alive = n

    # --- snapshots: one copy on disk, memory-mapped by every process ---------------------------

    def save(self, path: Path) -> None:
        """Write the index (compacted first) as a snapshot directory; `path` must not exist."""
        with self._lock:
            if self.delta or self.n_alive != self.n_base:
                self.compact()
            path.mkdir(parents=True)
            arrays = {
                "ids": self.b_ids,
                "doclen": self.b_doclen,
                **self.b_fields,
                "tf_ptr": self.tf_ptr,
                "tf_idx": self.tf_idx,
                "tf_val": self.tf_val,
                "w_ptr": self.w_ptr,
                "w_idx": self.w_idx,
                "w_val": self.w_val,
                "df": self._df[: len(self.vocab)],
                "terms": self.vocab.base,
                "terms_sorted": self.vocab.sorted,
                "terms_order": self.vocab.order,
            }
            if self.b_vec is not None and self.n_base <= HALF_VECTORS_MIN:
                arrays["vec"] = self.b_vec
            elif self.b_vec is not None:  # float16, block by block (no second copy)
                half = np.lib.format.open_memmap(
                    path / "vec.npy", mode="w+", dtype=np.float16, shape=self.b_vec.shape
                )
                for start in range(0, self.n_base, VECTOR_BLOCK):
                    half[start : start + VECTOR_BLOCK] = self.b_vec[start : start + VECTOR_BLOCK]
                half.flush()
                del half
            if self.b_vec is not None and self.b_centre is not None:
                arrays["vec_centre"] = self.b_centre
            if self.b_moments is not None and self.b_proj is not None and self.b_basis is not None:
                arrays["vec_mean"], arrays["vec_cov"] = self.b_moments
                arrays["vec_cproj"], arrays["vec_basis"] = self.b_proj, self.b_basis
                arrays["vec_cell_centres"] = self.b_cell_centres
                arrays["vec_cell_rows"] = self.b_cell_rows
                arrays["vec_cell_starts"] = self.b_cell_starts
            for name, values in arrays.items():
                np.save(path / f"{name}.npy", np.ascontiguousarray(values), allow_pickle=False)
            meta = {"avgdl": self.avgdl, "industries": list(self.industries), "n": self.n_base}
            (path / "index.json").write_text(json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> TextIndex:
        """Open a snapshot directory: the arrays are memory-mapped read-only, nothing is built."""
        meta = json.loads((path / "index.json").read_text())
        # plain ndarray views of the maps: numpy's memmap subclass costs ~0.2 ms an index
        a = {
            name: np.load(path / f"{name}.npy", mmap_mode="r").view(np.ndarray)
            for name in SNAPSHOT_ARRAYS
        }
        index = cls()
        index.industries = {code: i for i, code in enumerate(meta["industries"])}
        index.vocab = Vocab(a["terms"], a["terms_sorted"], a["terms_order"])
        index.n_base = int(meta["n"])
        index.avgdl = float(meta["avgdl"])
        index.b_ids, index.b_doclen = a["ids"], a["doclen"]
        index.b_fields = {name: a[name] for name in FIELD_DTYPES}
        index.tf_ptr, index.tf_idx, index.tf_val = a["tf_ptr"], a["tf_idx"], a["tf_val"]
        index.w_ptr, index.w_idx, index.w_val = a["w_ptr"], a["w_idx"], a["w_val"]
        index._df = np.array(a["df"], dtype=np.int32)  # private: edits change it
        if (path / "vec.npy").exists():
            # plain ndarray views of the maps: numpy's memmap subclass costs ~0.2 ms an index
            index.b_vec = np.load(path / "vec.npy", mmap_mode="r").view(np.ndarray)
            if (path / "vec_centre.npy").exists():
                index.b_centre = np.load(path / "vec_centre.npy")
            if (path / "vec_cproj.npy").exists():  # (a snapshot of before the cells: no first pass)
                index.b_moments = (np.load(path / "vec_mean.npy"), np.load(path / "vec_cov.npy"))
                index.b_proj = np.load(path / "vec_cproj.npy", mmap_mode="r").view(np.ndarray)
                index.b_basis = np.load(path / "vec_basis.npy")
                index.b_cell_centres = np.load(path / "vec_cell_centres.npy")
                index.b_cell_rows = np.load(path / "vec_cell_rows.npy", mmap_mode="r").view(
                    np.ndarray
                )
                index.b_cell_starts = np.load(path / "vec_cell_starts.npy")
        index.alive = np.ones(index.n_base, dtype=bool)
        index.n_alive = index.n_base
        index.source = str(path)
        return index

    # --- changes ------------------------------------------------------------------------------

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
            for doc in batch.values():
                self._kill(doc.id)
                tids, tfs = self._term_ids(term_counts(doc.title, doc.description), grow=True)
                self._grow_df()
                self._df[tids] += 1
                self.d_row_of[doc.id] = self.n_rows
                self.delta.append((tids, tfs))
                self.d_ids.append(doc.id)
                self.d_doclen.append(float(tfs.sum()))
                self.d_fields.append(self._row_fields(doc))
                self.d_vec.append(doc.vector)
            self._d_vec_matrix = None
            self.alive = np.concatenate([self.alive, np.ones(len(batch), dtype=bool)])
            self.n_alive += len(batch)
            self.delta_w, self._d_cols = None, None
            if len(self.delta) >= max(COMPACT_MIN, self.n_base // 50) and self.source is None:
                self.compact()  # a snapshot's delta is folded in by the next snapshot instead

    def remove(self, doc_id: int) -> None:
        with self._lock:
            self._kill(doc_id)

    def _row(self, doc_id: int) -> int | None:
        """The live row of a document, None when it is not (or no longer) in the index."""
        row = self.d_row_of.get(doc_id)
        if row is None and self.n_base:
            i = int(np.searchsorted(self.b_ids, doc_id))
            if i < self.n_base and int(self.b_ids[i]) == doc_id:
                row = i
        return row if row is not None and self.alive[row] else None

    def _row_terms(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        if row < self.n_base:
            s, e = self.tf_ptr[row], self.tf_ptr[row + 1]
            return self.tf_idx[s:e], self.tf_val[s:e]
        return self.delta[row - self.n_base]

    def _kill(self, doc_id: int) -> None:
        row = self._row(doc_id)
        if row is None:
            return
        self.d_row_of.pop(doc_id, None)
        self.alive[row] = False
        self.n_alive -= 1
        tids, _ = self._row_terms(row)
        self._df[tids] -= 1

    def _delta_cols(self) -> dict[str, np.ndarray]:
        if self._d_cols is None:
            cols = _columns(self.d_fields)
            cols["ids"] = np.asarray(self.d_ids, dtype=np.int64)
            cols["doclen"] = np.asarray(self.d_doclen, dtype=np.float32)
            self._d_cols = cols
        return self._d_cols

    def _col(self, name: str, rows: np.ndarray) -> np.ndarray:
        """A field of the given rows, base or delta."""
        columns: dict[str, np.ndarray] = {"ids": self.b_ids, "doclen": self.b_doclen}
        base = columns[name] if name in columns else self.b_fields[name]
        if not self.delta:
            return np.asarray(base[rows])
        out = np.empty(len(rows), dtype=base.dtype)
        in_base = rows < self.n_base
        out[in_base] = base[rows[in_base]]
        out[~in_base] = self._delta_cols()[name][rows[~in_base] - self.n_base]
        return out

    def compact(self) -> None:
        """Merge the delta into the base and drop dead rows (O(corpus), about a second at 10^5
        documents). The result lives in this process's memory until it is saved."""
        with self._lock:
            rows = np.flatnonzero(self.alive)
            n_terms = len(self.vocab)
            base = sparse.csr_matrix(
                (np.asarray(self.tf_val), np.asarray(self.tf_idx), np.asarray(self.tf_ptr)),
                shape=(self.n_base, n_terms),
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
            cols = {name: self._col(name, rows) for name in FIELD_DTYPES}
            ids = self._col("ids", rows)
            vec = None
            if self.has_vectors:
                vec = self._vectors(rows)  # centred on the base's centre, if it has one
            centre = self.b_centre if self.b_vec is not None else None
            self.vocab = Vocab.of(self.vocab.all_terms())
            self.source = None
            self._install(ids, tf, cols, vec, centred_on=centre)

    def _delta_matrix(self) -> sparse.csr_matrix:
        if self.delta_w is None:
            lens = [len(t) for t, _ in self.delta]
            dl = np.asarray(self.d_doclen, dtype=np.float32)
            tf = np.concatenate([f for _, f in self.delta])
            matrix = sparse.csr_matrix(
                (
                    self._weights(tf, np.repeat(dl, lens)),
                    np.concatenate([t for t, _ in self.delta]),
                    np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
                ),
                shape=(len(self.delta), len(self.vocab)),
            )
            self.delta_w = matrix.T.tocsr()
        return self.delta_w

    # --- sentence vectors ---------------------------------------------------------------------

    @property
    def has_vectors(self) -> bool:
        return self.b_vec is not None or any(v is not None for v in self.d_vec)

    def _delta_vectors(self) -> np.ndarray | None:
        if self._d_vec_matrix is None:
            self._d_vec_matrix = _stack(self.d_vec)
            if self._d_vec_matrix is not None and self.b_centre is not None:
                _centre_in_place(self._d_vec_matrix, self.b_centre)
        return self._d_vec_matrix

    def _vectors(self, rows: np.ndarray) -> np.ndarray:
        """The unit vectors of the given rows (zero rows for documents without one)."""
        dim = self.b_vec.shape[1] if self.b_vec is not None else None
        d_vec = self._delta_vectors() if self.delta else None
        if dim is None and d_vec is not None:
            dim = d_vec.shape[1]
        out = np.zeros((len(rows), dim or 1), dtype=np.float32)
        in_base = rows < self.n_base
        if self.b_vec is not None and np.any(in_base):
            out[in_base] = self.b_vec[rows[in_base]]
        if d_vec is not None and not np.all(in_base):
            out[~in_base] = d_vec[rows[~in_base] - self.n_base]
        return out

    def _cosines(self, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
        vectors = self._vectors(rows)
        if vectors.shape[1] != len(q):
            return np.zeros(len(rows), dtype=np.float32)
        # einsum, not `@`: OpenBLAS's threads spin against the other processes of a busy host
        # (3,000 × 384: 30 ms with `@`, 0.2 ms with einsum, measured)
        return np.einsum("ij,j->i", vectors, q)

    def _all_cosines(self, q: np.ndarray) -> np.ndarray:
        """Every row's cosine, without copying the base's vectors."""
        out = np.zeros(self.n_rows, dtype=np.float32)
        if self.b_vec is not None and self.b_vec.shape[1] == len(q):
            for start in range(0, self.n_base, VECTOR_BLOCK):  # float32 (a float16 base: cast)
                rows = np.asarray(self.b_vec[start : start + VECTOR_BLOCK], dtype=np.float32)
                out[start : start + len(rows)] = np.einsum("ij,j->i", rows, q)
        if self.delta:
            out[self.n_base :] = self._cosines(np.arange(self.n_base, self.n_rows), q)
        return out

    def _first_pass(self, q: np.ndarray, usable: np.ndarray) -> np.ndarray:
        """Base rows likely nearest to `q`: the cells whose centres are nearest, until
        VECTOR_SCAN rows, and of those the SEMANTIC_PREFILTER best on the projection."""
        proj, basis, centres = self.b_proj, self.b_basis, self.b_cell_centres
        starts, cell_rows = self.b_cell_starts, self.b_cell_rows
        if proj is None or basis is None or centres is None or starts is None or cell_rows is None:
            return np.zeros(0, dtype=np.int64)  # a snapshot of before the cells
        qp = np.einsum("ij,i->j", basis, q)
        sizes = np.diff(starts)
        by_centre = np.argsort(-np.einsum("ij,j->i", centres, qp), kind="stable")
        scan = max(VECTOR_SCAN, len(cell_rows) // VECTOR_SCAN_SHARE)
        taken = by_centre[: int(np.searchsorted(np.cumsum(sizes[by_centre]), scan)) + 1]
        spans = [(int(starts[c]), int(starts[c + 1])) for c in np.sort(taken) if sizes[c]]
        if not spans:
            return np.zeros(0, dtype=np.int64)
        rows = np.concatenate([cell_rows[s:e] for s, e in spans])
        rough = np.concatenate([np.einsum("ij,j->i", proj[s:e], qp) for s, e in spans])
        rough[~usable[rows]] = -np.inf
        if len(rows) > SEMANTIC_PREFILTER:
            rows = rows[np.argpartition(rough, -SEMANTIC_PREFILTER)[-SEMANTIC_PREFILTER:]]
        return np.sort(rows).astype(np.int64)

    def _nearest(
        self, q: np.ndarray, usable: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, float, float]:
        """The SEMANTIC_CANDIDATES rows nearest to `q` among `usable` (a row mask), their
        cosines, and the mean and spread of this query's cosines over the library."""
        n = self.n_rows
        if n <= EXACT_VECTORS:
            pool = np.flatnonzero(usable)
            cos = self._all_cosines(q)[pool]
            sample = cos
        else:
            pool_parts = [np.arange(self.n_base, n)]
            if self.n_base:
                pool_parts.insert(0, self._first_pass(q, usable))
            pool = np.concatenate(pool_parts)
            pool = pool[usable[pool]]
            cos = self._cosines(pool, q)
            sample = None
        if sample is not None:
            sample = sample[sample != 0]
            if len(sample) < 2:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), 0.0, 1.0
            mean, spread = float(sample.mean()), float(sample.std())
        elif self.b_moments is not None:
            # the base's vectors' mean and covariance give this query's cosines' mean and
            # spread over the whole library exactly, in 384² operations
            mu, cov = self.b_moments
            mean = float(np.einsum("i,i->", q, mu))
            spread = math.sqrt(max(float(np.einsum("i,ij,j->", q, cov, q)), 0.0))
        else:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), 0.0, 1.0
        keep = cos != 0
        pool, cos = pool[keep], cos[keep]
        if len(pool) > SEMANTIC_CANDIDATES:
            top = np.argpartition(cos, -SEMANTIC_CANDIDATES)[-SEMANTIC_CANDIDATES:]
            pool, cos = pool[top], cos[top]
        return pool, cos, mean, spread or 1.0

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
            self._score_base(scores, all_tids, all_weight)
            if self.delta:
                delta = self._delta_matrix()
                for tid, w in zip(all_tids.tolist(), all_weight.tolist(), strict=True):
                    s, e = delta.indptr[tid], delta.indptr[tid + 1]
                    scores[self.n_base + delta.indices[s:e]] += np.float32(w) * delta.data[s:e]
        scores[~self.alive[:n]] = 0
        excluded = [r for r in (self._row(doc_id) for doc_id in exclude) if r is not None]
        scores[excluded] = 0
        candidates = np.flatnonzero(scores)
        text_only = len(candidates) > 0
        if text_only and len(candidates) > TEXT_CANDIDATES:
            top = np.argpartition(scores[candidates], -TEXT_CANDIDATES)[-TEXT_CANDIDATES:]
            candidates = candidates[top]
        q_vec = None
        if query.vector is not None and self.has_vectors:
            q_vec = _unit(np.asarray(query.vector, dtype=np.float32).reshape(1, -1))
            if self.b_centre is not None and q_vec.shape[1] == len(self.b_centre):
                _centre_in_place(q_vec, self.b_centre)
            q_vec = q_vec[0]
        near = np.zeros(0, dtype=np.int64)
        mean, spread = 0.0, 1.0
        if q_vec is not None and np.any(q_vec):
            usable = self.alive[:n].copy()
            usable[excluded] = False
            near, _cos, mean, spread = self._nearest(q_vec, usable)
            if len(near):
                candidates = np.union1d(candidates, near)
        if not len(candidates):  # nothing shares a term: rank everything alive by structured fit
            candidates = np.setdiff1d(np.flatnonzero(self.alive[:n]), excluded)
        text: np.ndarray = np.zeros(len(candidates))
        if text_only:
            floor = TEXT_FLOOR * (float(qweight.sum()) + unknown_weight)
            text = scores[candidates] / max(float(scores[candidates].max()), floor, 1e-9)
        parts = self._structured(query, candidates)
        total = WEIGHTS["text"] * text
        for name, values in parts.items():
            total = total + WEIGHTS[name] * values
        cosines: np.ndarray | None = None
        meaning = z = np.zeros(len(candidates))
        if len(near) and q_vec is not None:
            cosines = self._cosines(candidates, q_vec)
            z = (cosines - mean) / spread
            meaning = np.clip(z / SEMANTIC_Z, 0.0, SEMANTIC_CAP)
            # a document without a vector keeps its score from words and fields alone
            total = np.where(
                cosines != 0, (1 - SEMANTIC_SHARE) * total + SEMANTIC_SHARE * meaning, total
            )
        order = np.lexsort((self._col("ids", candidates), -total))[:limit]
        hits = []
        for i in order:
            hit = self._hit(
                query, int(candidates[i]), float(total[i]), float(text[i]), tids, qweight
            )
            if cosines is not None and cosines[i] != 0:
                hit.semantic, hit.meaning = round(float(cosines[i]), 4), float(meaning[i])
                hit.meaning_z = round(float(z[i]), 1)
            hits.append(hit)
        return hits

    def _score_base(self, scores: np.ndarray, tids: np.ndarray, weights: np.ndarray) -> None:
        """Add the BM25 weights of the base's posting lists to `scores`.

        A term in more than COMMON_SHARE of a large library (≥ COMMON_MIN postings) would cost
        most of the query's time for little of its ranking: the rarer terms pick the
        COMMON_CANDIDATES best rows first, and a common term then adds its weight to those rows
        only (a binary search in its posting list, sorted by row). Below those sizes every term
        is scored in full, so small libraries (and the evaluation) rank exactly."""
        base_terms = len(self.w_ptr) - 1
        cut = max(COMMON_MIN, COMMON_SHARE * self.n_base)
        common = []
        for tid, w in zip(tids.tolist(), weights.tolist(), strict=True):
            if tid >= base_terms:
                continue
            s, e = int(self.w_ptr[tid]), int(self.w_ptr[tid + 1])
            if e - s > cut:
                common.append((s, e, w))
            else:
                scores[self.w_idx[s:e]] += np.float32(w) * self.w_val[s:e]
        if not common:
            return
        found = np.flatnonzero(scores)
        if len(found) == 0:  # only common terms: score them in full
            for s, e, w in common:
                scores[self.w_idx[s:e]] += np.float32(w) * self.w_val[s:e]
            return
        if len(found) > COMMON_CANDIDATES:
            top = np.argpartition(scores[found], -COMMON_CANDIDATES)[-COMMON_CANDIDATES:]
            found = np.sort(found[top])
        for s, e, w in common:
            postings = self.w_idx[s:e]
            pos = np.minimum(np.searchsorted(postings, found), len(postings) - 1)
            hit = postings[pos] == found
            scores[found[hit]] += np.float32(w) * self.w_val[s:e][pos[hit]]

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
        industry = self._col("industry", rows)
        q_ind = self.industries.get(query.industry or "", -1) if query.industry else 0
        parts["industry"] = np.where(
            (industry == 0) | (q_ind == 0), NEUTRAL, (industry == q_ind).astype(float)
        )
        price = self._col("price", rows)
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
        maturity = self._col("maturity", rows).astype(float)
        parts["maturity"] = np.where(maturity == 0, NEUTRAL, (maturity - 1) / 8)
        region = self._col("region", rows)
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
        one = np.asarray([row])
        fields = {name: self._col(name, one)[0] for name in ("ids", *FIELD_DTYPES)}
        hit = Hit(id=int(fields["ids"]), score=round(min(max(score, 0.0), 1.0), 4), text=text)
        doc_tids = set(self._row_terms(row)[0].tolist())
        shared = sorted(
            (-w, t) for t, w in zip(tids.tolist(), qw.tolist(), strict=True) if t in doc_tids
        )
        hit.shared_terms = [self.vocab.term(t) for _w, t in shared]
        for near, word in query.expansions.items():
            tid = self.vocab.get(near)  # cached: looked up by the search already
            if tid is not None and tid in doc_tids and near not in query.terms:
                hit.bridged.append((word, near))
        ind = int(fields["industry"])
        if ind and query.industry:
            hit.industry_same = self.industries.get(query.industry) == ind
        price = float(fields["price"])
        if query.price is not None and not math.isnan(price):
            asking, budget = (price, query.price) if query.price_is_budget else (query.price, price)
            hit.price_ratio = asking / budget if budget > 0 else (math.inf if asking > 0 else 0.0)
        hit.maturity = int(fields["maturity"]) or None
        reg, q_reg = int(fields["region"]), _region_int(query.region)
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
        """Size of the base arrays (memory-mapped and shared when loaded from a snapshot)."""
        arrays: list[np.ndarray] = [self.b_ids, self.b_doclen, self.alive, self._df]
        arrays += list(self.b_fields.values())
        arrays += [self.tf_ptr, self.tf_idx, self.tf_val, self.w_ptr, self.w_idx, self.w_val]
        arrays += [self.vocab.base, self.vocab.sorted, self.vocab.order]
        arrays += [a for a in (self.b_vec, self.b_proj, self.b_cell_rows) if a is not None]
        return sum(int(a.nbytes) for a in arrays)
