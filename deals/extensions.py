"""Fields that higher apps add to the deal's API representation without `deals` importing them.

Two kinds. A *column* is a query expression over the deal row (typically a `Subquery` with
`OuterRef("pk")`), which the deal list annotates onto its own SELECT: no query of its own
(`contracts`: "contract", the current contract id; `challenges`: "support_amount"). `present`
turns the stored value into the API's (a Decimal into a string). A *computed* field needs Python
(`followup`: the registration deadline in working days): its resolver takes a page's deal ids
and answers {deal_id: value} in one query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import BaseExpression

ExpressionFactory = Callable[[], BaseExpression]
Present = Callable[[Any], Any]

BatchResolver = Callable[[list[int]], dict[int, Any]]

_fields: dict[str, tuple[ExpressionFactory, Present]] = {}
_computed: dict[str, BatchResolver] = {}


def _as_is(value: Any) -> Any:
    return value


def register_deal_field(
    name: str, expression: ExpressionFactory, present: Present = _as_is
) -> None:
    """`expression` is called when a query is built (the higher app's models are loaded by then)."""
    _fields[name] = (expression, present)


def register_computed_deal_field(name: str, resolver: BatchResolver) -> None:
    _computed[name] = resolver


def _alias(name: str) -> str:
    return f"ext_{name}"


def with_deal_fields(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.annotate(**{_alias(n): expr() for n, (expr, _p) in _fields.items()})


def deal_fields(deal: Any) -> dict[str, Any] | None:
    """The registered fields of a deal that came through `with_deal_fields`; None if it did not."""
    if any(not hasattr(deal, _alias(n)) for n in _fields):
        return None
    return {n: present(getattr(deal, _alias(n))) for n, (_e, present) in _fields.items()}


def computed_deal_fields(deal_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """{deal_id: {field: value}} of the computed fields: one resolver call (query) per field."""
    ids = list(deal_ids)
    out: dict[int, dict[str, Any]] = {i: {} for i in ids}
    for name, resolver in _computed.items():
        values = resolver(ids) if ids else {}
        for i in ids:
            out[i][name] = values.get(i)
    return out


def resolve_deal_fields(deal_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """{deal_id: {field: value}} of every registered field, for deals fetched without them."""
    from deals.models import Deal

    ids = list(deal_ids)
    out = computed_deal_fields(ids)
    if not ids or not _fields:
        return out
    rows = with_deal_fields(Deal.objects.filter(pk__in=ids)).values(
        "pk", *(_alias(n) for n in _fields)
    )
    for row in rows:
        out[row["pk"]].update({n: present(row[_alias(n)]) for n, (_e, present) in _fields.items()})
    for fields in out.values():
        for name in _fields:
            fields.setdefault(name, None)
    return out


def registered_field_names() -> list[str]:
    return [*_fields, *_computed]


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
