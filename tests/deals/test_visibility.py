"""No user sees another organisation's deals; a broker sees only the deals they are on."""

from __future__ import annotations

import json

import pytest

from deals.models import DealState
from tests.factories import AchievementFactory, DealFactory
from tests.helpers import satisfy

pytestmark = pytest.mark.django_db

DEAL_ENDPOINTS = [
    ("get", "/api/v1/deals/{id}/", None),
    ("patch", "/api/v1/deals/{id}/", {"title": "改名"}),
    ("get", "/api/v1/deals/{id}/achievements/", None),
    ("post", "/api/v1/deals/{id}/achievements/", {"achievement": "{achievement}"}),
    ("get", "/api/v1/deals/{id}/brokers/", None),
    ("put", "/api/v1/deals/{id}/brokers/", [{"user": "{user}", "share": "100.00"}]),
    ("get", "/api/v1/deals/{id}/activities/", None),
    (
        "post",
        "/api/v1/deals/{id}/activities/",
        {
            "kind": "online_talk",
            "occurred_at": "2026-11-01T10:00:00+08:00",
            "participants": "甲乙双方",
            "minutes": "初步沟通",
        },
    ),
    ("get", "/api/v1/deals/{id}/transitions/", None),
    ("get", "/api/v1/deals/{id}/transition-requests/", None),
    ("post", "/api/v1/deals/{id}/transition-requests/", {"target": "matched", "comment": "申请"}),
    ("get", "/api/v1/deals/{id}/history/", None),
]


def _fill(body, deal, user):  # type: ignore[no-untyped-def]
    """The table's body with its placeholders replaced by real ids."""
    if body is None:
        return None
    text = json.dumps(body).replace('"{achievement}"', str(AchievementFactory().pk))
    return json.loads(text.replace('"{user}"', str(user.pk)))


@pytest.mark.parametrize(("method", "url", "body"), DEAL_ENDPOINTS, ids=lambda v: str(v)[:40])
def test_broker_of_another_organisation_gets_404_on_every_deal_endpoint(
    api, deal, other_broker, method, url, body
):
    satisfy(deal, DealState.MATCHED)
    client = api(other_broker)
    response = getattr(client, method)(
        url.format(id=deal.pk), _fill(body, deal, other_broker), format="json"
    )
    assert response.status_code == 404, (method, url, response.content)
    assert "无权" in response.json()["detail"]


@pytest.mark.parametrize(("method", "url", "body"), DEAL_ENDPOINTS, ids=lambda v: str(v)[:40])
def test_supervisor_of_another_organisation_gets_404_too(
    api, deal, other_supervisor, method, url, body
):
    response = getattr(api(other_supervisor), method)(
        url.format(id=deal.pk), _fill(body, deal, other_supervisor), format="json"
    )
    assert response.status_code == 404


def test_deal_list_shows_each_role_what_it_may_see(
    api, deal, broker, co_broker, other_broker, supervisor, other_supervisor, finance, admin_user
):
    other_deal = DealFactory(lead_broker=other_broker)
    co_deal = DealFactory(lead_broker=co_broker)

    def ids(user):  # type: ignore[no-untyped-def]
        return {d["id"] for d in api(user).get("/api/v1/deals/").json()["results"]}

    assert ids(broker) == {deal.pk}
    assert ids(co_broker) == {co_deal.pk}
    assert ids(other_broker) == {other_deal.pk}
    assert ids(supervisor) == {deal.pk, co_deal.pk}
    assert ids(finance) == {deal.pk, co_deal.pk}
    assert ids(other_supervisor) == {other_deal.pk}
    assert ids(admin_user) == {deal.pk, co_deal.pk, other_deal.pk}


def test_a_co_broker_added_to_the_deal_sees_it_and_may_request(
    api, deal, broker, co_broker, supervisor
):
    assert api(co_broker).get(f"/api/v1/deals/{deal.pk}/").status_code == 404
    response = api(broker).put(
        f"/api/v1/deals/{deal.pk}/brokers/",
        [{"user": broker.pk, "share": "60.00"}, {"user": co_broker.pk, "share": "40.00"}],
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["brokers"] == [
        {"user": broker.pk, "share": "60.00"},
        {"user": co_broker.pk, "share": "40.00"},
    ]
    satisfy(deal, DealState.MATCHED)
    created = api(co_broker).post(
        f"/api/v1/deals/{deal.pk}/transition-requests/", {"target": "matched"}, format="json"
    )
    assert created.status_code == 201


def test_a_broker_not_on_the_deal_cannot_request_moves_even_through_the_queue(
    api, deal, broker, co_broker, supervisor
):
    satisfy(deal, DealState.MATCHED)
    created = (
        api(broker)
        .post(f"/api/v1/deals/{deal.pk}/transition-requests/", {"target": "matched"}, format="json")
        .json()
    )
    assert api(co_broker).get(f"/api/v1/transition-requests/{created['id']}/").status_code == 404
    assert (
        api(co_broker).post(f"/api/v1/transition-requests/{created['id']}/approve/").status_code
        == 404
    )


def test_needs_and_achievements_are_visible_to_everyone_signed_in(api, other_broker, finance):
    achievement = AchievementFactory()
    assert api(other_broker).get(f"/api/v1/achievements/{achievement.pk}/").status_code == 200
    assert api(finance).get("/api/v1/achievements/").json()["count"] == 1


def test_anonymous_requests_are_401(client, deal):
    assert client.get("/api/v1/deals/").status_code == 401
    assert client.get(f"/api/v1/deals/{deal.pk}/").status_code == 401
