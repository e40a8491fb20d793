"""Fields that higher apps add to the deal's API representation without `deals` importing them.

`contracts` registers "contract" (the deal's contract id). A resolver takes a list of deal ids and
returns {deal_id: value} in one query, so a page of deals costs one query per field, not per deal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BatchResolver = Callable[[list[int]], dict[int, Any]]

_fields: dict[str, tuple[BatchResolver, Any]] = {}


def register_deal_field(name: str, resolver: BatchResolver, default: Any = None) -> None:
    _fields[name] = (resolver, default)


def resolve_deal_fields(deal_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    ids = list(deal_ids)
    out: dict[int, dict[str, Any]] = {i: {} for i in ids}
    for name, (resolver, default) in _fields.items():
        values = resolver(ids) if ids else {}
        for i in ids:
            out[i][name] = values.get(i, default)
    return out


def registered_field_names() -> list[str]:
    return list(_fields)


# History sources: higher apps add their events (contract signed, reward approved…) to a deal's
# history. A source takes the deal and returns events shaped like deals.selectors.deal_history's.
HistorySource = Callable[[Any], list[dict[str, Any]]]
_history_sources: list[HistorySource] = []


def register_history_source(source: HistorySource) -> None:
    if source not in _history_sources:
        _history_sources.append(source)


def history_sources() -> list[HistorySource]:
    return list(_history_sources)


# Locks: a higher app says why a deal's facts may no longer change (rewards: "its reward is paid").
# A lock takes a deal id and returns the reason (a sentence for the user) or None.
DealLock = Callable[[int], str | None]
_locks: list[DealLock] = []


def register_deal_lock(lock: DealLock) -> None:
    if lock not in _locks:
        _locks.append(lock)


def deal_lock_reasons(deal_id: int) -> list[str]:
    return [reason for lock in _locks if (reason := lock(deal_id))]


# Flags: a higher app marks deals where the board and the list show them (followup: "registration
# overdue"). A source takes a list of deal ids and returns {deal_id: [flag]} in one query, each flag
# {"level": "overdue" | "warn" | "muted", "text": "..."}.
FlagSource = Callable[[list[int]], dict[int, list[dict[str, str]]]]
_flag_sources: list[FlagSource] = []


def register_deal_flags(source: FlagSource) -> None:
    if source not in _flag_sources:
        _flag_sources.append(source)


def deal_flags(deal_ids: Iterable[int]) -> dict[int, list[dict[str, str]]]:
    ids = list(deal_ids)
    out: dict[int, list[dict[str, str]]] = {i: [] for i in ids}
    if not ids:
        return out
    for source in _flag_sources:
        for deal_id, flags in source(ids).items():
            out.setdefault(deal_id, []).extend(flags)
    return out


def attach_deal_flags(deals: Iterable[Any]) -> None:
    """Set `extra_flags` on each deal (the board's cards and the list's rows show them)."""
    deals = list(deals)
    flags = deal_flags(d.pk for d in deals)
    for deal in deals:
        deal.extra_flags = flags.get(deal.pk, [])
