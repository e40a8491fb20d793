"""Chinese tokenizing for matching: jieba (rjieba) with a domain dictionary, synonyms, stopwords.

The three word lists in deals/matching/data/ are data, not code: extend them as the library grows.
Synonyms are folded into one canonical token on both sides (needs and achievements), so an
enterprise writing "裂缝" meets a patent about "裂纹" without query expansion at search time.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

import rjieba

DATA_DIR = Path(__file__).resolve().parent / "data"

# Texts are capped before tokenizing: a pasted 10 MB "description" must not stall a worker, and
# the first part of a text carries its topic.
MAX_TEXT_CHARS = 4000

_WORD = re.compile(r"[\u4e00-\u9fff]|[a-z]")
_NUMBERISH = re.compile(r"^[\d.,%％~\-+×x*/]+$")
_lock = threading.Lock()


def _lines(name: str) -> list[str]:
    path = DATA_DIR / name
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


singles: set[str] = set()  # one-character words worth indexing (data/single_chars.txt)


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], dict[str, str]]:
    """Load the word lists once per process and teach jieba the domain words."""
    with _lock:
        stop = frozenset(w.lower() for w in _lines("stopwords.txt"))
        singles.update(_lines("single_chars.txt"))
        canonical: dict[str, str] = {}
        words = set(_lines("domain_words.txt"))
        for line in _lines("synonyms.txt"):
            group = line.split()
            for word in group:
                canonical.setdefault(word.lower(), group[0].lower())
                words.add(word)
        for word in sorted(words):
            if len(word) > 1 and not rjieba.has_word(word):
                rjieba.add_word(word, None, None)
        return stop, canonical


def normalize(text: str) -> str:
    # NFKC folds full-width letters and digits (ＰＬＣ, ５Ｇ) into their ASCII forms.
    return unicodedata.normalize("NFKC", (text or "")[:MAX_TEXT_CHARS]).lower()


# token → its index term (canonical form) or None when it is dropped; the decision for a token
# never changes, and memoising it halves the cost of building an index of 10^5 documents.
_terms: dict[str, str | None] = {}


def _term(token: str) -> str | None:
    stop, canonical = _lexicon()
    word = token.strip()
    if not word or word in stop or _NUMBERISH.match(word) or not _WORD.search(word):
        return None
    if len(word) == 1 and word not in singles:
        return None
    return canonical.get(word, word)


def tokenize(text: str) -> list[str]:
    """Index terms of a text, in order, with repeats (term frequency matters to BM25)."""
    _lexicon()
    out = []
    for token in rjieba.cut_for_search(normalize(text)):
        term = _terms.get(token, "")
        if term == "":
            term = (
                _terms.setdefault(token, _term(token)) if len(_terms) < 2_000_000 else _term(token)
            )
        if term:
            out.append(term)
    return out


def term_counts(title: str, description: str, title_weight: int = 2) -> Counter[str]:
    """Terms of a title + description; the title says what the thing is, so it counts more."""
    counts = Counter(tokenize(description))
    for term in tokenize(title):
        counts[term] += title_weight
    return counts


def index_term(word: str) -> str | None:
    """The index term a single word stands for (its canonical form), None when it is dropped."""
    _lexicon()
    return _term(normalize(word))


def expand(terms: Counter[str]) -> dict[str, str]:
    """Near words of a query's terms (thesaurus.py), as index terms: near term → query term.

    The query's own terms are not repeated; when two of its terms share a near word, the first
    (most frequent) one claims it."""
    from deals.matching.thesaurus import near

    out: dict[str, str] = {}
    for term, _tf in terms.most_common():
        if len(term) < 2:
            continue
        for word in near(term):
            mapped = index_term(word)
            if mapped and len(mapped) > 1 and mapped not in terms and mapped not in out:
                out[mapped] = term
    return out
