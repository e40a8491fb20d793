"""The answer to the deal pipeline's `agreement_complete` question (see deals.conditions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contracts.selectors import agreement_blockers

if TYPE_CHECKING:
    from deals.models import Deal


def agreement_complete_blockers(deal: Deal) -> list[str]:
    if deal.pk is None:
        return agreement_blockers(0)
    return agreement_blockers(deal.pk)
