"""A broker's own page (/me/, /brokers/<id>/ for their supervisors): their open deals with
stage and overdue marks, this week's meetings, and their reward shares (never whole rewards)
with totals per status, in a number of queries that does not grow with what it lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import ActivityStatus, Deal, DealState
from rewards.services import reward_approve, reward_compute
from tests.factories import ActivityFactory, DealFactory

pytestmark = pytest.mark.django_db


def _meeting(deal: Deal, days: float) -> None:
    when = timezone.now() + dt.timedelta(days=days)
    ActivityFactory(
        deal=deal, status=ActivityStatus.PLANNED, occurred_at=when, planned_at=when, minutes=""
    )


def _page(client, user, url):  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_open_deals_meetings_and_shares_not_whole_rewards(
    client, zhenhai, register, broker, broker_b, supervisor, finance
):
    # A registered deal 70/30: reward 1.5% of 1,000,000 = 15,000; the broker's part 10,500.
    done = register(broker, "1000000", co=[(broker, "70"), (broker_b, "30")])
    reward = reward_compute(deal_id=done.pk, actor=None)
    assert reward is not None and reward.amount == Decimal("15000.00")
    second = register(broker, "200000")  # 3,000, all the broker's, then approved
    other = reward_compute(deal_id=second.pk, actor=None)
    assert other is not None
    reward_approve(reward_id=other.pk, actor=finance)
    late = DealFactory(lead_broker=broker, title="注塑件表面缩痕问题攻关")
    Deal.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    DealFactory(lead_broker=broker_b, title="别人的项目")
    _meeting(late, 1)

    page = _page(client, broker, reverse("me"))
    assert "注塑件表面缩痕问题攻关" in page and "别人的项目" not in page
    assert 'data-flag="overdue"' in page and "1 个超期" in page
    assert done.title not in page.split('id="week"')[0]  # registered: not an open deal
    assert "本周会谈" in page and 'data-testid="held-' in page
    rewards = page.split('id="rewards"')[1]
    assert "10,500.00" in rewards and "15,000.00" not in rewards  # the share, not the reward
    assert "3,000.00" in rewards
    assert 'data-status="calculated"><b>10,500.00' in rewards
    assert 'data-status="approved"><b>3,000.00' in rewards

    # The co-broker's page, seen by their supervisor: their 30%, 4,500.
    page = _page(client, supervisor, reverse("broker-page", args=[broker_b.pk]))
    rewards = page.split('id="rewards"')[1]
    assert "4,500.00" in rewards and "10,500.00" not in rewards and "3,000.00" not in rewards
    assert "别人的项目" in page


def test_only_the_broker_and_their_supervisors_open_the_page(
    client, broker, broker_b, supervisor, other_supervisor, finance
):
    url = reverse("broker-page", args=[broker.pk])
    for stranger in (broker_b, other_supervisor, finance):
        client.force_login(stranger)
        assert client.get(url).status_code == 404, stranger
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    client.force_login(broker)
    assert client.get(url).status_code == 200
    assert 'data-testid="me-link"' in client.get(reverse("board")).content.decode()


def test_the_page_queries_do_not_grow_with_deals_meetings_and_rewards(
    client, zhenhai, register, broker, broker_b, supervisor
):
    def count() -> int:
        client.force_login(broker)
        client.get(reverse("me"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("me")).status_code == 200
        return len(ctx.captured_queries)

    first = register(broker, "100000", co=[(broker, "50"), (broker_b, "50")])
    reward_compute(deal_id=first.pk, actor=None)
    _meeting(DealFactory(lead_broker=broker), 1)
    few = count()
    for i in range(4):
        deal = register(broker, str(100000 + i), co=[(broker, "50"), (broker_b, "50")])
        reward_compute(deal_id=deal.pk, actor=None)
        open_deal = DealFactory(lead_broker=broker)
        Deal.objects.filter(pk=open_deal.pk).update(state=DealState.MATCHED)
        _meeting(open_deal, 2 + i)
    assert count() == few
