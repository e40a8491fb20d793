"""Where the index lives: one snapshot on disk per kind, memory-mapped by every process of the
host, plus each process's small delta replayed from the change log in the database.

Why: at 10^5 achievements a private in-memory index cost every web and worker process ~115 MB and
a build on its first query; at 10^6 it would be over a gigabyte each. Now:

- A snapshot is a directory of .npy arrays (the BM25 posting lists, term frequencies, the sorted
  vocabulary, the structured fields) written once by whichever process builds it
  (`snapshot_build`: the `rebuild_match_index` command, the `build_match_snapshot` task, or the
  very first query of a fresh deployment). Processes open it with `np.load(mmap_mode="r")`: the
  page cache holds one copy for all of them, a new process answers its first query without
  building anything, and a restart loses nothing.
- `<MATCH_INDEX_DIR>/<kind>/CURRENT` names the snapshot in use; a new one is written beside it and
  published by renaming CURRENT over (atomic). Queries never wait for a build: until the new
  snapshot is published they keep using the old one, kept current by the change log.
- The database holds, per kind, a version counter (`MatchIndexState`) and the log of changed ids
  (`MatchChange`), appended by a Celery task after each write commits. Before each query a process
  reads the counter (one indexed row) and, if it moved, re-reads only the changed rows into its
  own delta. A snapshot records the version it covers; a process that opens it replays the log
  from there. Once SNAPSHOT_EVERY changes pile up past the snapshot, the index task asks for a new
  one, so a fresh process never has more than a few thousand changes to replay.
- The log is pruned up to the previous snapshot's version (one snapshot of slack for a process
  that read CURRENT just before a new one was published).
- Sentence vectors (semantic.py) are computed by the worker: the index-update task embeds the
  changed documents into `MatchVector` *before* it logs the change, so a process catching up finds
  them stored; a snapshot build embeds whatever is missing first. A process only reads them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from deals.matching import semantic
from deals.matching.engine import Doc, TextIndex
from deals.matching.models import MatchChange, MatchIndexState, MatchKind, MatchVector

logger = logging.getLogger(__name__)

# A process this far behind its snapshot replays the log anyway (correct, only slower) and the
# index task asks for a new snapshot once this many changes pile up.
SNAPSHOT_EVERY = 5_000
# A snapshot build of at least this many documents tokenizes on every core (forked processes).
PARALLEL_BUILD_MIN = 50_000


@dataclass
class _Loaded:
    index: TextIndex
    snapshot: str | None  # the snapshot directory's name, None: built in this process only
    generation: int
    seen: int  # the change-log version applied


_lock = threading.Lock()
_loaded: dict[str, _Loaded] = {}


def index_dir() -> Path:
    """MATCH_INDEX_DIR, one folder per database (a test or bench database never meets the
    snapshots of another)."""
    name = str(connection.settings_dict["NAME"])
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return Path(settings.MATCH_INDEX_DIR) / f"{Path(name).name[:40]}-{digest}"


def _model(kind: str) -> Any:
    from deals.models import Achievement, Demand

    return {MatchKind.ACHIEVEMENT: Achievement, MatchKind.DEMAND: Demand}[MatchKind(kind)]


_FIELDS = {
    MatchKind.ACHIEVEMENT: (
        "id",
        "title",
        "description",
        "industry",
        "region",
        "maturity",
        "asking_price",
    ),
    MatchKind.DEMAND: ("id", "title", "description", "industry", "region", "budget"),
}


def _doc(kind: str, row: tuple[Any, ...]) -> Doc:
    if kind == MatchKind.ACHIEVEMENT:
        pk, title, description, industry, region, maturity, price = row
    else:
        pk, title, description, industry, region, price = row
        maturity = None
    return Doc(
        id=pk,
        title=title or "",
        description=description or "",
        industry=industry or "",
        region=region or "",
        maturity=maturity,
        price=float(price) if price is not None else None,
    )


VECTOR_CHUNK = 5000


def _semantic_on() -> bool:
    return bool(getattr(settings, "MATCH_SEMANTIC", False))


def load_docs(kind: str, ids: Iterable[int] | None = None) -> Iterator[Doc]:
    """The documents of `kind` (all, or those ids), each with its stored sentence vector when
    that vector was computed from its current text."""
    for chunk in _doc_chunks(kind, ids):
        yield from chunk


def _doc_chunks(kind: str, ids: Iterable[int] | None = None) -> Iterator[list[Doc]]:
    qs = _model(kind).objects.order_by("pk")
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    chunk: list[Doc] = []
    for row in qs.values_list(*_FIELDS[MatchKind(kind)]).iterator(chunk_size=VECTOR_CHUNK):
        chunk.append(_doc(kind, row))
        if len(chunk) == VECTOR_CHUNK:
            yield _with_vectors(kind, chunk, whole=ids is None)
            chunk = []
    if chunk:
        yield _with_vectors(kind, chunk, whole=ids is None)


def _text(doc: Doc) -> str:
    return semantic.text_of(doc.title, doc.description)


def _with_vectors(kind: str, docs: list[Doc], *, whole: bool = False) -> list[Doc]:
    """`docs` sorted by id; `whole`: every document between the first and the last (a scan of
    the table), whose vectors are then read as one index range: a list of 5,000 ids made
    PostgreSQL read the whole vector table for each chunk (2.4 s a chunk at 10^6, measured)."""
    if not docs or not _semantic_on():
        return docs
    table = MatchVector.objects.filter(kind=kind)
    if whole:
        queries = [table.filter(obj_id__gte=docs[0].id, obj_id__lte=docs[-1].id)]
    else:  # a few hundred ids a query stay index look-ups (5,000 became a table scan)
        ids = [d.id for d in docs]
        queries = [table.filter(obj_id__in=ids[i : i + 500]) for i in range(0, len(ids), 500)]
    stored = {
        obj_id: (digest, vector)
        for rows in queries
        for obj_id, digest, vector in rows.values_list("obj_id", "digest", "vector")
    }
    out = []
    for doc in docs:
        found = stored.get(doc.id)
        if found and found[0] == semantic.digest(_text(doc)):
            doc = replace(doc, vector=np.frombuffer(bytes(found[1]), dtype="<f4"))
        out.append(doc)
    return out


EMBED_BATCH = 32


def store_vectors(kind: str, ids: Iterable[int] | None = None) -> int:
    """Embed the documents (all, or those ids) whose stored vector is missing or stale; the
    worker's job (a few documents after a save). Returns how many were embedded."""
    if not _semantic_on() or not semantic.enabled():
        return 0
    kind = MatchKind(kind).value
    ids = None if ids is None else list(ids)
    embedded = 0
    for chunk in _doc_chunks(kind, ids):
        embedded += sum(doc.vector is None for doc in chunk)
        _embed_missing(kind, chunk)
    if ids is not None:  # deleted documents: their vectors go too
        gone = set(ids) - set(
            _model(kind).objects.filter(pk__in=list(ids)).values_list("pk", flat=True)
        )
        MatchVector.objects.filter(kind=kind, obj_id__in=gone).delete()
    return embedded


def _embed_missing(kind: str, docs: list[Doc]) -> list[Doc]:
    """The documents, those without a current vector embedded now (and stored)."""
    stale = [i for i, doc in enumerate(docs) if doc.vector is None]
    if not stale or not _semantic_on() or not semantic.enabled():
        return docs
    out = list(docs)
    for start in range(0, len(stale), EMBED_BATCH):
        batch = stale[start : start + EMBED_BATCH]
        texts = [_text(out[i]) for i in batch]
        vectors = semantic.embed(texts, as_query=kind == MatchKind.DEMAND)
        for i, text, vector in zip(batch, texts, vectors, strict=True):
            stored = np.asarray(vector, dtype="<f4")
            MatchVector.objects.update_or_create(
                kind=kind,
                obj_id=out[i].id,
                defaults={"digest": semantic.digest(text), "vector": stored.tobytes()},
            )
            out[i] = replace(out[i], vector=stored)
    return out


def _docs_embedded(kind: str) -> Iterator[Doc]:
    """Every document of `kind` with its vector, the missing ones embedded on the way (one pass
    over the table: a first build of a large library is mostly this)."""
    for chunk in _doc_chunks(kind):
        yield from _embed_missing(kind, chunk)


def query_vector(kind: str, doc: Doc) -> np.ndarray | None:
    """The sentence vector of a stored document used as a query: its stored vector (computed by
    the worker), or, when the worker has not embedded its current text yet, computed now (once
    per process). `kind` is the document's own kind. None when the stage is off."""
    if not _semantic_on():
        return None
    text = _text(doc)
    row = (
        MatchVector.objects.filter(kind=kind, obj_id=doc.id).values_list("digest", "vector").first()
    )
    if row and row[0] == semantic.digest(text):
        return np.frombuffer(bytes(row[1]), dtype="<f4")
    return semantic.vector_now(text, as_query=kind == MatchKind.DEMAND)


def _state(kind: str) -> tuple[int, int]:
    # Runs before every query: one indexed row, read without the ORM's per-query overhead.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT generation, version FROM {MatchIndexState._meta.db_table} WHERE kind = %s",  # noqa: S608 -- names from the models' meta, values bound
            [kind],
        )
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else (1, 0)


# --- snapshots on disk ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    name: str
    generation: int
    version: int  # the change-log version it covers
    previous_version: int  # the version of the snapshot it replaced (the log is pruned to it)
    documents: int
    build_s: float

    def path(self, kind: str) -> Path:
        return index_dir() / kind / self.name


_current_cache: dict[str, tuple[tuple[int, int], Snapshot | None]] = {}


def current_snapshot(kind: str) -> Snapshot | None:
    """The published snapshot of `kind` (a stat per call; the file is re-read when it changed)."""
    pointer = index_dir() / kind / "CURRENT"
    try:
        st = pointer.stat()
    except FileNotFoundError:
        return None
    key = (st.st_ino, st.st_mtime_ns)
    cached = _current_cache.get(kind)
    if cached and cached[0] == key:
        return cached[1]
    try:
        snapshot: Snapshot | None = Snapshot(**json.loads(pointer.read_text()))
    except (OSError, ValueError, TypeError):
        logger.warning("unreadable %s: ignored", pointer)
        snapshot = None
    _current_cache[kind] = (key, snapshot)
    return snapshot


class _BuildLock:
    """One snapshot build per kind per host at a time (an flock, released if the process dies)."""

    def __init__(self, kind: str, wait: bool) -> None:
        self.path = index_dir() / kind / ".build.lock"
        self.wait = wait
        self.fh: Any = None

    def __enter__(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "w")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True

    def __exit__(self, *exc: object) -> None:
        self.fh.close()


def _publish(
    kind: str, index: TextIndex, generation: int, version: int, build_s: float
) -> Snapshot:
    """Write `index` as a new snapshot directory and make it CURRENT (atomic rename)."""
    base = index_dir() / kind
    previous = current_snapshot(kind)
    name = f"g{generation}-v{version}-{time.time_ns()}"
    index.save(base / name)
    snapshot = Snapshot(
        name=name,
        generation=generation,
        version=version,
        previous_version=previous.version if previous and previous.generation == generation else 0,
        documents=len(index),
        build_s=round(build_s, 3),
    )
    tmp = base / f".CURRENT.{os.getpid()}"
    tmp.write_text(json.dumps(snapshot.__dict__))
    os.replace(tmp, base / "CURRENT")
    # Older snapshots: a process that still maps one keeps its pages (unlinked files live on
    # while mapped) and switches to the new CURRENT on its next query.
    keep = {name, previous.name if previous else ""}
    for old in base.iterdir():
        if old.is_dir() and old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    MatchChange.objects.filter(kind=kind, version__lte=snapshot.previous_version).delete()
    return snapshot


def snapshot_build(kind: str, *, wait: bool = True) -> Snapshot | None:
    """Build the index of `kind` from the database and publish it as the new snapshot. Queries
    go on meanwhile on the previous one. None when another process is building (and `wait` is
    False)."""
    kind = MatchKind(kind).value
    with _BuildLock(kind, wait) as locked:
        if not locked:
            return None
        started = time.perf_counter()
        # Read the counter before the rows: a change committed meanwhile is replayed from the
        # log by every process that opens this snapshot (replaying is idempotent), never lost.
        generation, version = _state(kind)
        index = TextIndex()
        large = _model(kind).objects.count() >= PARALLEL_BUILD_MIN
        # documents the worker has not embedded yet (a first build: all) are embedded on the way
        index.build(_docs_embedded(kind), workers=(os.cpu_count() or 1) if large else 1)
        return _publish(kind, index, generation, version, time.perf_counter() - started)


def snapshot_ensure(kind: str) -> Snapshot | None:
    """The current snapshot of `kind` if a fresh process can use it as it is; otherwise build one
    (none yet, the database was reset under it, or too many changes piled up). Web servers call
    it once before forking their workers (config/gunicorn.py)."""
    generation, version = _state(kind)
    snapshot = current_snapshot(kind)
    if (
        snapshot is not None
        and snapshot.generation == generation
        and snapshot.version <= version
        and pending_changes(kind) < SNAPSHOT_EVERY
    ):
        return snapshot
    return snapshot_build(kind, wait=True)


def pending_changes(kind: str) -> int:
    """Changes logged since the current snapshot (what a fresh process would replay)."""
    snapshot = current_snapshot(kind)
    since = snapshot.version if snapshot else 0
    return MatchChange.objects.filter(kind=kind, version__gt=since).count()


# --- the index a query uses ----------------------------------------------------------------------


def get_index(kind: str) -> TextIndex:
    """This process's index of `kind`: the current snapshot (memory-mapped), brought up to the
    database's latest version from the change log."""
    generation, version = _state(kind)
    snapshot = current_snapshot(kind)
    usable = (
        snapshot is not None and snapshot.generation == generation and snapshot.version <= version
    )
    with _lock:
        loaded = _loaded.get(kind)
        if usable and snapshot and (loaded is None or loaded.snapshot != snapshot.name):
            try:
                loaded = _Loaded(
                    TextIndex.load(snapshot.path(kind)), snapshot.name, generation, snapshot.version
                )
            except (OSError, ValueError, KeyError):
                logger.warning("snapshot %s unreadable: building in process", snapshot.name)
                loaded = None
        if loaded is None or loaded.generation != generation or version < loaded.seen:
            # No snapshot (a fresh deployment) or the database was reset under it: build here,
            # and publish it for the other processes unless one of them is building already.
            loaded = _Loaded(TextIndex(), None, generation, version)
            started = time.perf_counter()
            loaded.index.build(load_docs(kind))
            with _BuildLock(kind, wait=False) as locked:
                if locked:
                    built = time.perf_counter() - started
                    published = _publish(kind, loaded.index, generation, version, built)
                    loaded = _Loaded(
                        TextIndex.load(published.path(kind)), published.name, generation, version
                    )
        if version > loaded.seen:
            _catch_up(kind, loaded.index, loaded.seen, version)
            loaded.seen = version
        _loaded[kind] = loaded
        return loaded.index


def _catch_up(kind: str, index: TextIndex, seen: int, version: int) -> None:
    changed = set(
        MatchChange.objects.filter(kind=kind, version__gt=seen, version__lte=version)
        .values_list("obj_id", flat=True)
        .distinct()
    )
    found = {doc.id: doc for doc in load_docs(kind, changed)}
    index.upsert_many(found.values())
    for obj_id in changed - found.keys():
        index.remove(obj_id)


def record_changes(kind: str, obj_ids: Iterable[int]) -> int:
    """Append changed ids to the log under the counter's lock; returns the new version."""
    ids = sorted(set(obj_ids))
    if not ids:
        return _state(kind)[1]
    with transaction.atomic():
        state = _locked_state(kind)
        state.version += 1
        state.save(update_fields=["version", "updated_at"])
        MatchChange.objects.bulk_create(
            [MatchChange(kind=kind, version=state.version, obj_id=i) for i in ids],
            batch_size=2000,
        )
        return state.version


def _locked_state(kind: str) -> MatchIndexState:
    try:
        return MatchIndexState.objects.select_for_update().get(kind=kind)
    except MatchIndexState.DoesNotExist:
        try:
            with transaction.atomic():
                MatchIndexState.objects.create(kind=kind)
        except IntegrityError:
            pass  # another writer created it first
        return MatchIndexState.objects.select_for_update().get(kind=kind)


def rebuild(kind: str) -> TextIndex:
    """Recovery and maintenance: a new snapshot from the database, then this process uses it."""
    snapshot_build(kind)
    return get_index(kind)


def forget() -> None:
    """Drop this process's indexes (tests, whose database is rolled back under them)."""
    with _lock:
        _loaded.clear()
        _current_cache.clear()
