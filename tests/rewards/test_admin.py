"""The admin writes policies through the services: the same rules, the history's author."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.models import RewardPolicy

pytestmark = pytest.mark.django_db

FORM = {
    "name": "镇海区技术经纪人奖励办法",
    "region": "330211",
    "basis": "technology_amount",
    "tier_mode": "flat",
    "rate": "0.015",
    "tiers": "[]",
    "cap_per_project": "300000.00",
    "cap_per_person_year": "",
    "effective_from": "2024-01-01",
    "effective_to": "",
}


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_admin_adds_a_policy_through_the_service(admin_client, admin_user):
    response = admin_client.post("/admin/rewards/rewardpolicy/add/", FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = RewardPolicy.objects.get()
    assert policy.history.get().history_user == admin_user
    assert (str(policy.rate.normalize()), policy.cap_per_project) == ("0.015", 300000)


def test_admin_form_shows_the_rules_errors(admin_client):
    assert admin_client.post("/admin/rewards/rewardpolicy/add/", FORM).status_code == 302
    response = admin_client.post(
        "/admin/rewards/rewardpolicy/add/", {**FORM, "effective_from": "2025-01-01"}
    )
    assert response.status_code == 200  # the form again, with the overlap explained
    assert "请先为旧政策设置失效日期" in response.content.decode()
    bracket = {
        **FORM,
        "region": "350181",
        "tier_mode": "bracket",
        "rate": "",
        "tiers": '[{"up_to": "30000000", "rate": "0.005"}, {"up_to": null, "rate": "0.003"}]',
    }
    response = admin_client.post("/admin/rewards/rewardpolicy/add/", bracket)
    assert response.status_code == 200 and "marginal" in response.content.decode()
    assert RewardPolicy.objects.count() == 1


def test_rewards_are_read_only_in_the_admin(admin_client):
    assert admin_client.get("/admin/rewards/reward/add/").status_code == 403
    assert admin_client.get("/admin/rewards/reward/").status_code == 200


def test_a_staff_broker_with_the_model_permissions_cannot_write_a_policy(broker):
    from django.contrib.auth.models import Permission

    broker.is_staff = True
    broker.save()
    broker.user_permissions.set(Permission.objects.filter(codename__endswith="rewardpolicy"))
    client = Client()
    client.force_login(broker)
    assert client.get("/admin/rewards/rewardpolicy/add/").status_code == 403
    assert client.post("/admin/rewards/rewardpolicy/add/", FORM).status_code == 403
    assert not RewardPolicy.objects.exists()
