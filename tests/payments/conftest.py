"""Payments test helpers: a deal with a signed contract and its schedule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts import services as contract_services
from tests.factories_contracts import ContractFactory

D = Decimal


@pytest.fixture
def signed_contract(deal):
    """The deal's contract, 2,800,000.00 元, signed ten days ago, three instalments."""
    today = timezone.localdate()
    contract = ContractFactory(
        deal=deal,
        valid_from=today - dt.timedelta(days=60),
        payment_mode="instalments",
        payment_schedule=[
            {"due_on": today - dt.timedelta(days=5), "amount": D("1000000.00"), "note": "首付"},
            {"due_on": today + dt.timedelta(days=30), "amount": D("1000000.00"), "note": ""},
            {"due_on": today + dt.timedelta(days=90), "amount": D("800000.00"), "note": "尾款"},
        ],
    )
    return contract_services.contract_sign(
        contract=contract, actor=deal.lead_broker, signed_on=today - dt.timedelta(days=10)
    )


def payment_body(**overrides):
    body = {
        "received_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "amount": "1000000.00",
        "payer": "宁波某汽车零部件有限公司",
        "reference": "ICBC20260301-0001",
    }
    body.update(overrides)
    return body
