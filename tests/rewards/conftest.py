"""Rewards test helpers: registered deals with a chosen amount, date, region and brokers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from deals.models import DealState
from deals.services import deal_set_brokers
from rewards.services import policy_create
from tests.factories import BrokerFactory, DealFactory, DemandFactory
from tests.factories_contracts import ContractFactory, record_registration, sign_contract
from tests.helpers import move, walk_to

D = Decimal


@pytest.fixture
def zhenhai(admin_user):
    return policy_create(
        actor=admin_user,
        name="镇海区技术经纪人奖励办法",
        region="330211",
        rate="0.015",
        cap_per_project="300000.00",
        effective_from=dt.date(2024, 1, 1),
    )


@pytest.fixture
def register(supervisor):
    """`register(lead, tech_amount, registered_on=..., region=..., co=[(user, share)], amount=)`
    → a deal in `registered` with an active registration of that date (reward not computed)."""

    def make(
        lead,
        tech_amount,
        *,
        registered_on: dt.date = dt.date(2026, 3, 2),
        region: str = "330211",
        co=None,
        amount=None,
    ):
        deal = DealFactory(lead_broker=lead, demand=DemandFactory(region=region))
        if co:
            deal_set_brokers(deal=deal, actor=lead, shares=co)
        deal = walk_to(deal, DealState.AGREEMENT, supervisor)
        tech = D(str(tech_amount))
        contract = ContractFactory(
            deal=deal,
            technology_amount=tech,
            amount=D(str(amount)) if amount is not None else tech,
            valid_from=registered_on - dt.timedelta(days=30),
            valid_to=registered_on + dt.timedelta(days=365),
        )
        contract = sign_contract(contract, signed_on=registered_on - dt.timedelta(days=5))
        record_registration(contract, registered_on=registered_on)
        deal.refresh_from_db()
        return move(deal, DealState.REGISTERED, supervisor)

    return make


@pytest.fixture
def broker_b(org):
    return BrokerFactory(username="zhoujie", display_name="周杰", organisation=org)
