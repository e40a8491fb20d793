"""/api/v1/reward-policies/: everyone reads, finance and admins write, bad input is a 400."""

from __future__ import annotations

import pytest

from rewards.models import RewardPolicy

pytestmark = pytest.mark.django_db

ZHENHAI = {
    "name": "镇海区技术经纪人奖励办法",
    "region": "330211",
    "rate": "0.015",
    "cap_per_project": "300000.00",
    "basis": "technology_amount",
    "effective_from": "2024-01-01",
}


def test_finance_creates_a_flat_policy_and_everyone_reads_it(api, finance, broker):
    response = api(finance).post("/api/v1/reward-policies/", ZHENHAI, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rate"], body["cap_per_project"], body["tier_mode"]) == (
        "0.015",
        "300000.00",
        "flat",
    )
    assert body["effective_to"] is None and body["cap_per_person_year"] is None
    listed = api(broker).get("/api/v1/reward-policies/").json()
    assert [p["id"] for p in listed["results"]] == [body["id"]]
    policy = RewardPolicy.objects.get()
    assert policy.history.get().history_user == finance


def test_a_marginal_policy_by_region_name(api, admin_user):
    payload = {
        "name": "福清市技术经纪人奖励",
        "region": "福清市",
        "tier_mode": "marginal",
        "tiers": [{"up_to": "30000000.00", "rate": "0.005"}, {"up_to": None, "rate": "0.003"}],
        "effective_from": "2025-01-01",
        "cap_per_project": None,
    }
    response = api(admin_user).post("/api/v1/reward-policies/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["region"] == "350181" and body["rate"] == "0.005"
    assert body["tiers"] == [
        {"up_to": "30000000.00", "rate": "0.005", "cap": None},
        {"up_to": None, "rate": "0.003", "cap": None},
    ]


def test_brokers_and_supervisors_cannot_write_policies(api, broker, supervisor):
    for user in (broker, supervisor):
        assert api(user).post("/api/v1/reward-policies/", ZHENHAI, format="json").status_code == 403
    assert not RewardPolicy.objects.exists()


@pytest.mark.parametrize(
    ("change", "field_or_code"),
    [
        ({"rate": "1.5"}, "rate"),
        ({"rate": "abc"}, "rate"),
        ({"rate": None}, "policy_invalid"),
        ({"region": "nowhere"}, "invalid"),
        ({"effective_to": "2023-01-01"}, "policy_invalid"),
        ({"basis": "gross"}, "basis"),
        (
            {
                "tier_mode": "bracket",
                "tiers": [{"up_to": "30000000", "rate": "0.005"}, {"up_to": None, "rate": "0.003"}],
            },
            "policy_invalid",
        ),
        ({"cap_per_project": "-1"}, "cap_per_project"),
    ],
)
def test_bad_policies_are_400_with_a_message(api, finance, change, field_or_code):
    response = api(finance).post("/api/v1/reward-policies/", {**ZHENHAI, **change}, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert field_or_code in body or body.get("code") == field_or_code


def test_a_policy_may_pay_on_money_received(api, finance):
    response = api(finance).post(
        "/api/v1/reward-policies/", {**ZHENHAI, "basis": "received_amount"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["basis"] == "received_amount"


def test_overlap_is_a_400_with_the_rule(api, finance):
    client = api(finance)
    assert client.post("/api/v1/reward-policies/", ZHENHAI, format="json").status_code == 201
    response = client.post(
        "/api/v1/reward-policies/", {**ZHENHAI, "effective_from": "2025-06-01"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "policy_overlap"


def test_patch_closes_a_policy(api, finance):
    client = api(finance)
    created = client.post("/api/v1/reward-policies/", ZHENHAI, format="json").json()
    response = client.patch(
        f"/api/v1/reward-policies/{created['id']}/", {"effective_to": "2025-12-31"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["effective_to"] == "2025-12-31"
    assert (
        client.post(
            "/api/v1/reward-policies/",
            {**ZHENHAI, "rate": "0.02", "effective_from": "2026-01-01"},
            format="json",
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    "body",
    [{}, {**ZHENHAI, "rate": "abc"}, ZHENHAI],
    ids=["empty", "invalid", "valid"],
)
def test_a_broker_writing_a_policy_is_refused_whatever_the_body(api, broker, supervisor, body):
    for user in (broker, supervisor):
        response = api(user).post("/api/v1/reward-policies/", body, format="json")
        assert response.status_code == 403, response.json()
        assert response.json()["code"] == "finance_only"
    assert not RewardPolicy.objects.exists()


def test_a_broker_changing_a_policy_is_refused_before_the_body(api, finance, broker):
    created = api(finance).post("/api/v1/reward-policies/", ZHENHAI, format="json").json()
    response = api(broker).patch(
        f"/api/v1/reward-policies/{created['id']}/", {"rate": "abc"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "finance_only")
