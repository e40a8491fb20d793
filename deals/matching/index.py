"""Where the index lives: in each process's memory, kept current through a change log in the DB.

Why in process: a top-10 query over 10^5 achievements must answer in tens of milliseconds; the
posting lists of a query's terms are scanned with numpy in microseconds once they are in memory,
while PostgreSQL full-text search has no Chinese tokenizer by default and a round trip per term
list would cost more than the whole search. The price is memory per web worker (see the bench)
and a cold start (the first query of a fresh worker builds the index: seconds at 10^5).

How several web workers stay current: the database holds, per kind, a version counter
(`MatchIndexState`) and the log of changed ids (`MatchChange`). A change is recorded by a Celery
task after the write commits. Before each query, a worker reads the counter (one indexed row) and,
if it moved, re-reads only the changed rows and applies them to its own index. Writers take the
counter row's lock until they commit, so versions become visible in order and no change is
skipped. A rebuild (`manage.py rebuild_match_index`) bumps the generation: every worker then
reloads in full on its next query.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import IntegrityError, connection, transaction

from deals.matching.engine import Doc, TextIndex
from deals.matching.models import MatchChange, MatchIndexState, MatchKind

# A worker this far behind reloads in full rather than replaying the log row by row.
CATCH_UP_LIMIT = 20_000

_lock = threading.Lock()
_indexes: dict[str, TextIndex] = {}
_seen: dict[str, tuple[int, int]] = {}  # kind → (generation, version) applied in this process


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


def load_docs(kind: str, ids: Iterable[int] | None = None) -> Iterator[Doc]:
    qs = _model(kind).objects.order_by()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    for row in qs.values_list(*_FIELDS[MatchKind(kind)]).iterator(chunk_size=5000):
        yield _doc(kind, row)


def _state(kind: str) -> tuple[int, int]:
    # Runs before every query: one indexed row, read without the ORM's per-query overhead.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT generation, version FROM {MatchIndexState._meta.db_table} WHERE kind = %s",
            [kind],
        )
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else (1, 0)


def get_index(kind: str) -> TextIndex:
    """This process's index of `kind`, brought up to the database's latest version first."""
    generation, version = _state(kind)
    with _lock:
        index = _indexes.get(kind)
        seen = _seen.get(kind)
        if (
            index is None
            or seen is None
            or seen[0] != generation
            or version < seen[1]
            or version - seen[1] > CATCH_UP_LIMIT
        ):
            index = TextIndex()
            # Read the counter before the rows: a change committed meanwhile is replayed on the
            # next query (replaying is idempotent), never lost.
            index.build(load_docs(kind))
            _indexes[kind] = index
            _seen[kind] = (generation, version)
        elif version > seen[1]:
            changed = set(
                MatchChange.objects.filter(kind=kind, version__gt=seen[1], version__lte=version)
                .values_list("obj_id", flat=True)
                .distinct()
            )
            found = {doc.id: doc for doc in load_docs(kind, changed)}
            index.upsert_many(found.values())
            for obj_id in changed - found.keys():
                index.remove(obj_id)
            _seen[kind] = (generation, version)
        return index


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
    """Recovery: start a new generation (every worker reloads in full) and build here now."""
    with transaction.atomic():
        state = _locked_state(kind)
        state.generation += 1
        state.save(update_fields=["generation", "updated_at"])
        MatchChange.objects.filter(kind=kind).delete()
    return get_index(kind)


def forget() -> None:
    """Drop this process's indexes (tests, whose database is rolled back under them)."""
    with _lock:
        _indexes.clear()
        _seen.clear()
