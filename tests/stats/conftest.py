"""A hand-counted fixture for the statistics: two organisations, needs either side of the period,
deals registered either side of a month boundary in Asia/Shanghai, a superseded contract version,
paid rewards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from contracts.models import Contract
from deals.models import Activity, Deal, DealState, Demand
from records.models import Enterprise
from rewards.models import Reward, RewardPolicy, RewardStatus
from tests.factories import DealFactory, DemandFactory
from tests.factories_contracts import ContractFactory

SH = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> dt.datetime:
    """A moment in Shanghai time."""
    return dt.datetime(*parts, tzinfo=SH)


def _need(enterprise: Enterprise, created: dt.datetime, user, **extra) -> Demand:  # type: ignore[no-untyped-def]
    need = DemandFactory(
        enterprise=enterprise.name, enterprise_record=enterprise, created_by=user, **extra
    )
    Demand.objects.filter(pk=need.pk).update(created_at=created)
    return need


def _deal(need: Demand, broker, created: dt.datetime, **extra) -> Deal:  # type: ignore[no-untyped-def]
    deal = DealFactory(demand=need, lead_broker=broker, **extra)
    Deal.objects.filter(pk=deal.pk).update(created_at=created)
    return deal


def _register(deal: Deal, when: dt.datetime, amount: str, technology: str) -> Contract:
    contract = ContractFactory(
        deal=deal, amount=Decimal(amount), technology_amount=Decimal(technology)
    )
    Deal.objects.filter(pk=deal.pk).update(state=DealState.REGISTERED, state_entered_at=when)
    return contract


def _paid_reward(deal: Deal, policy: RewardPolicy, amount: str, paid_on: dt.date, finance) -> None:  # type: ignore[no-untyped-def]
    Reward.objects.create(
        deal=deal,
        policy=policy,
        status=RewardStatus.PAID,
        region=deal.demand.region,
        registered_on=paid_on,
        year=paid_on.year,
        amount=Decimal(amount),
        computed_at=at(2026, 4, 1, 9),
        approved_by=finance,
        approved_at=at(2026, 4, 2, 9),
        paid_by=finance,
        paid_on=paid_on,
        payment_reference="PAY-1",
    )


@pytest.fixture
def figures(broker, other_broker, finance, admin_user):  # type: ignore[no-untyped-def]
    """Period 2026-03-01 … 2026-04-30. See each line for what counts."""
    e1 = Enterprise.objects.create(name="宁波甲汽车零部件有限公司")
    e2 = Enterprise.objects.create(name="宁波乙新材料有限公司")
    e3 = Enterprise.objects.create(name="宁波丙电子有限公司")
    e4 = Enterprise.objects.create(name="杭州丁科技有限公司")
    # Two needs of the same enterprise in March: two needs, one enterprise.
    d1 = _need(e1, at(2026, 3, 5, 10), broker, region="330211", industry="2.1")
    d2 = _need(e1, at(2026, 3, 20, 10), broker, region="330211", industry="2")
    # Recorded before the period: not a need of the period, but its deal opened in April
    # makes the enterprise served.
    d3 = _need(e2, at(2026, 2, 10, 10), broker, region="330206", industry="3")
    # After the period: nothing.
    _need(e3, at(2026, 5, 2, 10), broker, region="330211", industry="2")
    # The other organisation's need and deal (an admin counts them; a supervisor does not).
    dx = _need(e4, at(2026, 3, 10, 10), other_broker, region="330106", industry="1.5")

    a = _deal(d1, broker, at(2026, 3, 6, 9))
    b = _deal(d2, broker, at(2026, 3, 21, 9))
    _deal(d3, broker, at(2026, 4, 2, 9))
    x = _deal(dx, other_broker, at(2026, 3, 12, 9))

    # A's first contract version was superseded: only the current one counts.
    old = ContractFactory(deal=a, amount=Decimal("9999999.00"), technology_amount=Decimal("1.00"))
    Contract.objects.filter(pk=old.pk).update(is_current=False)
    # 23:30 on 31 March in Shanghai is 15:30 UTC: March. 00:10 on 1 April is still 31 March
    # in UTC: April.
    _register(a, at(2026, 3, 31, 23, 30), "1234567.89", "1000000.01")
    _register(b, at(2026, 4, 1, 0, 10), "2800000.55", "2500000.29")
    _register(x, at(2026, 3, 15, 15), "5000000.00", "4000000.00")

    policy = RewardPolicy.objects.create(
        name="镇海区技术经纪人奖励办法", region="330211", rate="0.015", effective_from="2024-01-01"
    )
    _paid_reward(a, policy, "15000.00", dt.date(2026, 4, 15), finance)
    _paid_reward(x, policy, "60000.00", dt.date(2026, 3, 20), admin_user)

    log = Activity.objects.create(
        deal=a,
        kind="online_talk",
        occurred_at=at(2026, 3, 8, 10),
        participants="双方",
        minutes="首次洽谈",
        created_by=broker,
    )
    Activity.objects.filter(pk=log.pk).update(created_at=at(2026, 3, 8, 11))
    return {"a": a, "b": b, "x": x}
