"""Auth and people over the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from brokers.models import BrokerProfile, User

pytestmark = pytest.mark.django_db


def test_token_sign_in_and_me(broker):
    client = APIClient()
    wrong = client.post(
        "/api/v1/auth/token/", {"username": "zhangwei", "password": "nope"}, format="json"
    )
    assert wrong.status_code == 400
    token = client.post(
        "/api/v1/auth/token/", {"username": "zhangwei", "password": "pass12345"}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/users/me/").json()
    assert me["username"] == "zhangwei"
    assert me["role"] == "broker"
    assert me["organisation"] == broker.organisation.name


def test_admin_creates_users_with_organisation_and_region_names(api, admin_user):
    response = api(admin_user).post(
        "/api/v1/users/",
        {
            "username": "zhoumin",
            "password": "s3cret-pass",
            "role": "broker",
            "display_name": "周敏",
            "organisation": "德清县科技成果转化服务中心",
            "region": "德清县",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["role"] == "broker" and body["organisation"] == "德清县科技成果转化服务中心"
    user = User.objects.get(username="zhoumin")
    assert user.region == "330521"
    assert BrokerProfile.objects.filter(user=user).exists()
    assert user.check_password("s3cret-pass")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "x y", "password": "s3cret-pass", "role": "broker"},
        {"username": "ok", "password": "short", "role": "broker"},
        {"username": "ok", "password": "s3cret-pass", "role": "king"},
        {"username": "ok", "password": "s3cret-pass", "role": "broker", "region": "亚特兰蒂斯"},
        {"username": "zhangwei", "password": "s3cret-pass", "role": "broker"},
    ],
)
def test_bad_user_input_is_400(api, admin_user, broker, body):
    assert api(admin_user).post("/api/v1/users/", body, format="json").status_code == 400


NEW_USER_BODIES = {
    "empty": {},
    "invalid": {"username": "x y", "password": "short", "role": "king"},
    "taken username": {"username": "zhangwei", "password": "s3cret-pass", "role": "broker"},
    "valid": {"username": "newbie", "password": "s3cret-pass", "role": "broker"},
}


@pytest.mark.parametrize("body", NEW_USER_BODIES.values(), ids=NEW_USER_BODIES.keys())
@pytest.mark.parametrize("who", ["broker", "supervisor", "finance"])
def test_only_admins_create_users_whatever_the_body(api, request, broker, who, body):
    """Permission answers before the body is read: no 400 that reveals what a valid body is."""
    user = request.getfixturevalue(who)
    response = api(user).post("/api/v1/users/", body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not User.objects.filter(username="newbie").exists()


def test_users_list_stays_inside_the_organisation(api, broker, other_broker, supervisor):
    names = {u["username"] for u in api(supervisor).get("/api/v1/users/").json()["results"]}
    assert broker.username in names and other_broker.username not in names
    brokers = api(supervisor).get("/api/v1/brokers/").json()["results"]
    assert brokers[0]["profile"]["certificate_number"]


def test_schema_and_docs_are_served(api, broker):
    schema = api(broker).get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/deals/{id}/transition-requests/" in schema.content
    assert api(broker).get("/api/docs/").status_code == 200


def test_a_createsuperuser_account_acts_as_an_admin(api, broker):
    from django.core.management import call_command

    from tests.factories import DemandFactory

    call_command(
        "createsuperuser", "--noinput", username="root", email="a@example.org", verbosity=0
    )
    root = User.objects.get(username="root")
    assert api(root).get("/api/v1/users/me/").json()["role"] == "admin"
    response = api(root).post(
        "/api/v1/deals/", {"demand": DemandFactory().pk, "lead_broker": broker.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["lead_broker"] == broker.pk
