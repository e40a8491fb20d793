"""The conversion and median-days tables from moves approved through the service: each approved
move keeps the days the deal had spent in the stage it left, and the tables count those."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deals.models import Deal, DealState, TransitionRequest
from deals.services import deal_request_transition, request_approve, request_reject
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def _move(deal: Deal, target: str, broker, supervisor, when: dt.datetime, *, approve=True):  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        request = deal_request_transition(
            deal=deal,
            actor=broker,
            target=target,
            comment="" if target == DealState.ONLINE_TALKS else "企业暂缓",
            lost_reason_code="other" if target == DealState.LOST else "",
        )
        if approve:
            return request_approve(request_id=request.pk, actor=supervisor)
        return request_reject(request_id=request.pk, actor=supervisor, reason="再等等")


def _csv(client, key: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    response = client.get(f"/dashboard/{key}.csv?from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_an_approved_move_keeps_the_days_spent_in_the_stage_it_left(broker, supervisor):
    entered = dt.datetime(2026, 3, 2, 9, tzinfo=SH)
    deal = DealFactory(lead_broker=broker, state=DealState.MATCHED, state_entered_at=entered)
    # 3 days 5 h 45 min = 3.24 days: floored to 3.2.
    moved = _move(
        deal,
        DealState.ONLINE_TALKS,
        broker,
        supervisor,
        entered + dt.timedelta(days=3, hours=5, minutes=45),
    )
    assert moved.days_in_stage == Decimal("3.2")
    back = _move(deal, DealState.MATCHED, broker, supervisor, entered + dt.timedelta(days=4))
    assert back.days_in_stage == Decimal("0.7")  # from the first move, not from the deal's start
    rejected = _move(
        deal,
        DealState.ONLINE_TALKS,
        broker,
        supervisor,
        entered + dt.timedelta(days=5),
        approve=False,
    )
    assert rejected.days_in_stage is None


def test_the_median_days_and_conversion_count_the_moves_of_the_period(client, broker, supervisor):
    start = dt.datetime(2026, 3, 2, 9, tzinfo=SH)
    # Three deals leave `matched` after 1.5, 2.25 and 10 days (median 2.2), one of them lost;
    # a fourth leaves it in April (outside the period).
    for days, target in (
        (1.5, DealState.ONLINE_TALKS),
        (2.25, DealState.LOST),
        (10, DealState.ONLINE_TALKS),
    ):
        deal = DealFactory(lead_broker=broker, state=DealState.MATCHED, state_entered_at=start)
        _move(deal, target, broker, supervisor, start + dt.timedelta(days=days))
    late = DealFactory(lead_broker=broker, state=DealState.MATCHED, state_entered_at=start)
    _move(
        late, DealState.ONLINE_TALKS, broker, supervisor, dt.datetime(2026, 4, 1, 0, 5, tzinfo=SH)
    )
    # One deal sent back from online talks to matched, after 5 days.
    talks = DealFactory(lead_broker=broker, state=DealState.ONLINE_TALKS, state_entered_at=start)
    _move(talks, DealState.MATCHED, broker, supervisor, start + dt.timedelta(days=5))
    assert TransitionRequest.objects.filter(days_in_stage__isnull=False).count() == 5

    client.force_login(supervisor)
    median = {row[0]: row[1:] for row in _csv(client, "median_days")[1:]}
    assert median["成果匹配"] == ["3", "2.20"]  # the CSV writes every decimal with two places
    assert median["需求受理"] == ["0", ""]
    conversion = {row[0]: row[1:] for row in _csv(client, "conversion")[1:]}
    assert conversion["成果匹配"] == ["2", "0", "1", "66.70"]
    assert conversion["线上洽谈"] == ["0", "1", "0", "0.00"]
    assert median["线上洽谈"] == ["1", "5.00"]
