"""Odd query parameters and bodies on the rewards API are 400s, never 500s."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

HUGE = "63369173888667557325438976"  # past bigint: the database driver would overflow


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/rewards/?broker={HUGE}",
        f"/api/v1/rewards/export/?broker={HUGE}&status=approved",
        "/api/v1/rewards/?year=-1",
        "/api/v1/rewards/?year=abc",
    ],
)
def test_ids_past_the_database_range_are_400_not_500(api, broker, url):
    response = api(broker).get(url)
    assert response.status_code == 400, response.content[:200]


def test_a_policy_tier_without_its_rate_is_400(api, finance):
    from rewards.demo import demo_policies_create

    demo_policies_create(actor=finance)
    from rewards.models import RewardPolicy

    policy = RewardPolicy.objects.order_by("id").first()
    response = api(finance).patch(
        f"/api/v1/reward-policies/{policy.pk}/",
        {"tiers": [{"up_to": "", "cap": ""}], "tier_mode": "flat"},
        format="json",
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "policy_invalid"
