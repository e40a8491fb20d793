"""Fields that higher apps add to the deal's API representation without `deals` importing them.

`contracts` registers "contract" (the deal's current contract id), `challenges` "support_amount".
A field is a query expression over the deal row (typically a `Subquery` with `OuterRef("pk")`),
so the deal list annotates all of them onto its own SELECT: a page of deals costs no query per
field. `present` turns the stored value into the API's (e.g. a Decimal into a string).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import BaseExpression

ExpressionFactory = Callable[[], BaseExpression]
Present = Callable[[Any], Any]

_fields: dict[str, tuple[ExpressionFactory, Present]] = {}


def _as_is(value: Any) -> Any:
    return value


def register_deal_field(
    name: str, expression: ExpressionFactory, present: Present = _as_is
) -> None:
    """`expression` is called when a query is built (the higher app's models are loaded by then)."""
    _fields[name] = (expression, present)


def _alias(name: str) -> str:
    return f"ext_{name}"


def with_deal_fields(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.annotate(**{_alias(n): expr() for n, (expr, _p) in _fields.items()})


def deal_fields(deal: Any) -> dict[str, Any] | None:
    """The registered fields of a deal that came through `with_deal_fields`; None if it did not."""
    if any(not hasattr(deal, _alias(n)) for n in _fields):
        return None
    return {n: present(getattr(deal, _alias(n))) for n, (_e, present) in _fields.items()}


def resolve_deal_fields(deal_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """{deal_id: {field: value}} for these deals, in one query."""
    from deals.models import Deal

    ids = list(deal_ids)
    if not ids or not _fields:
        return {i: {} for i in ids}
    rows = with_deal_fields(Deal.objects.filter(pk__in=ids)).values(
        "pk", *(_alias(n) for n in _fields)
    )
    found = {
        row["pk"]: {n: present(row[_alias(n)]) for n, (_e, present) in _fields.items()}
        for row in rows
    }
    return {i: found.get(i, {n: None for n in _fields}) for i in ids}


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
