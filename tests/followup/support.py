"""Deals at the follow-up's starting points, made quickly.

The walk through the pipeline (requests, approvals, the PDF, the registration's own rules) is
tested in tests/deals and tests/contracts, and tests/e2e walks it in a browser; here only the facts
the follow-up reads are set: the deal's stage, the contract's signing date and schedule, the
registration. Contracts are still drafted by `contract_create` (tests.factories_contracts), so
they obey every rule of a real one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from brokers.models import User
from contracts.models import Contract, ContractStatus, ExchangeRegistration
from deals.models import Deal, DealState
from tests.factories import DealFactory
from tests.factories_contracts import ContractFactory

_numbers = iter(range(1, 10**6))


def signed_deal(
    broker: User, signed_on: dt.date, *, schedule: list[tuple[str, str]] | None = None, **kw: Any
) -> tuple[Deal, Contract]:
    """A deal in `agreement` whose contract was signed on `signed_on` (not registered)."""
    deal = DealFactory(lead_broker=broker, **kw)
    Deal.objects.filter(pk=deal.pk).update(state=DealState.AGREEMENT)
    deal.refresh_from_db()
    overrides: dict[str, Any] = {}
    if schedule:
        overrides = {
            "payment_mode": "instalments",
            "payment_schedule": [{"due_on": d, "amount": Decimal(a)} for d, a in schedule],
            "amount": sum((Decimal(a) for _d, a in schedule), Decimal(0)),
            "technology_amount": sum((Decimal(a) for _d, a in schedule), Decimal(0)),
        }
    contract = ContractFactory(deal=deal, **overrides)
    Contract.objects.filter(pk=contract.pk).update(
        status=ContractStatus.SIGNED, signed_on=signed_on
    )
    contract.refresh_from_db()
    return deal, contract


def register(contract: Contract, registered_on: dt.date) -> ExchangeRegistration:
    registration = ExchangeRegistration.objects.create(
        contract=contract,
        exchange="宁波市技术市场",
        registration_number=f"330211202{next(_numbers):05d}",
        registered_on=registered_on,
    )
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.REGISTERED)
    return registration


def registered_deal(
    broker: User,
    signed_on: dt.date = dt.date(2026, 3, 2),
    registered_on: dt.date = dt.date(2026, 3, 20),
    **kw: Any,
) -> tuple[Deal, Contract]:
    """A deal in `registered` with its signed and registered contract."""
    deal, contract = signed_deal(broker, signed_on, **kw)
    register(contract, registered_on)
    Deal.objects.filter(pk=deal.pk).update(state=DealState.REGISTERED)
    deal.refresh_from_db()
    contract.refresh_from_db()
    return deal, contract
