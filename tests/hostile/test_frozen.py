"""A registered deal's title, and everything its approved or paid reward rests on (title, brokers'
shares, the need's region), are frozen: 409 with a code, and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from deals.models import Deal, DealState
from rewards.models import Reward, RewardStatus
from rewards.services import reward_approve, reward_compute, reward_pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(zhenhai, register, broker):
    return register(broker, "1000000.00", registered_on=dt.date(2026, 2, 3))


def test_a_registered_deal_cannot_be_renamed(api, broker, registered):
    response = api(broker).patch(
        f"/api/v1/deals/{registered.pk}/", {"title": "=HYPERLINK(1)"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "deal_frozen"
    assert Deal.objects.get(pk=registered.pk).title == registered.title


def test_an_unchanged_title_is_not_a_conflict(api, broker, registered):
    response = api(broker).patch(
        f"/api/v1/deals/{registered.pk}/", {"title": registered.title}, format="json"
    )
    assert response.status_code == 200


def test_a_deal_whose_reward_is_paid_stays_frozen_when_it_leaves_registered(
    api, broker, co_broker, finance, registered
):
    reward = reward_compute(deal_id=registered.pk)
    reward_approve(reward_id=reward.pk, actor=finance)
    reward_pay(reward_id=reward.pk, actor=finance, paid_on=timezone.localdate(), reference="PZ-1")
    # a registration cancelled afterwards (by whatever path) leaves the deal in agreement
    Deal.objects.filter(pk=registered.pk).update(state=DealState.AGREEMENT)
    client = api(broker)
    response = client.patch(f"/api/v1/deals/{registered.pk}/", {"title": "改名"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "deal_frozen"
    assert "奖励" in response.json()["detail"]
    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.PAID

    from common.exceptions import Conflict
    from deals.services import deal_set_brokers

    with pytest.raises(Conflict) as caught:
        deal_set_brokers(
            deal=registered, actor=broker, shares=[(broker, "50.00"), (co_broker, "50.00")]
        )
    assert caught.value.code == "deal_frozen"


def test_the_region_of_a_need_with_a_registered_deal_is_frozen(api, admin_user, registered):
    demand = registered.demand
    response = api(admin_user).patch(
        f"/api/v1/demands/{demand.pk}/", {"region": "320100"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "demand_frozen"
    demand.refresh_from_db()
    assert demand.region == "330211"


def test_before_registration_the_title_changes(api, broker, deal):
    response = api(broker).patch(f"/api/v1/deals/{deal.pk}/", {"title": "新名称"}, format="json")
    assert response.status_code == 200
