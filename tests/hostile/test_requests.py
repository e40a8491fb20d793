"""NUL bytes and deep JSON are refused with 400 wherever they arrive (API bodies, page forms, query
strings, paths), and a form's `next` only ever sends the user to a path on this site."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from common.middleware import MAX_JSON_DEPTH, json_depth
from deals.models import DealState

pytestmark = pytest.mark.django_db


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_depth_counts_brackets_outside_strings():
    assert json_depth('{"a": [1, {"b": "[[[[["}]}') == 3
    assert json_depth(nested(500)) == 500


@pytest.mark.parametrize(
    "body",
    [
        nested(MAX_JSON_DEPTH + 1),
        '{"title": ' + nested(5000) + "}",
        '{"a":' * 3000 + "1" + "}" * 3000,
    ],
)
def test_deep_json_is_a_400_on_every_api_write(api, broker, deal, body):
    client = api(broker)
    for method, url in (
        ("post", "/api/v1/deals/"),
        ("patch", f"/api/v1/deals/{deal.pk}/"),
        ("post", "/api/v1/auth/token/"),
    ):
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert response.json()["code"] == "too_deep"


def test_ordinary_nesting_passes(api, broker, deal):
    response = api(broker).patch(
        f"/api/v1/deals/{deal.pk}/",
        json.dumps({"title": "[[{x}]]"}),
        content_type="application/json",
    )
    assert response.status_code != 400 or response.json().get("code") != "too_deep"


@pytest.mark.parametrize(
    "body",
    [
        '{"title": "a\\u0000b"}',
        '{"title": "a\\U0000b"}',
        '{"nested": {"x": ["\\u0000"]}}',
        b'{"title": "a\x00b"}',
    ],
)
def test_nul_in_a_json_body_is_a_400(api, broker, deal, body):
    response = api(broker).patch(f"/api/v1/deals/{deal.pk}/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "nul_byte"


def test_an_escaped_backslash_before_u0000_is_not_a_nul(api, broker, deal):
    response = api(broker).patch(
        f"/api/v1/deals/{deal.pk}/", '{"title": "C:\\\\u0000"}', content_type="application/json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/deals/?search=%00",
        "/api/v1/deals/?q=a%00b",
        "/needs/?q=%00",
        "/board/?q=x%00",
        "/achievements/?q=%00",
        "/ledger/?year=%00",
        "/api/v1/rewards/export/?year=2026%00",
    ],
)
def test_nul_in_a_query_string_is_a_400(broker, finance, url):
    client = Client()
    client.force_login(finance if "ledger" in url or "rewards" in url else broker)
    response = client.get(url)
    assert response.status_code == 400


def test_nul_in_a_page_form_is_a_400_and_nothing_is_written(broker, deal):
    client = Client()
    client.force_login(broker)
    before = deal.activities.count() if hasattr(deal, "activities") else None
    response = client.post(
        f"/deals/{deal.pk}/activities/", {"kind": "call", "summary": "a\x00b", "next": "/"}
    )
    assert response.status_code == 400
    if before is not None:
        assert deal.activities.count() == before


def test_nul_in_a_multipart_field_is_a_400(api, broker):
    response = api(broker).post("/api/v1/imports/", {"kind": "demand\x00"}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "nul_byte"


def test_nul_in_the_public_form_is_a_400():
    response = Client().post("/needs/submit/", {"title": "a\x00", "description": "x"})
    assert response.status_code == 400


@pytest.fixture
def pending(deal):
    from deals import services
    from tests.helpers import satisfy

    satisfy(deal, DealState.MATCHED)
    return services.deal_request_transition(
        deal=deal, actor=deal.lead_broker, target=DealState.MATCHED, comment="推进"
    )


@pytest.mark.parametrize(
    "target",
    [
        "plainword",
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\tx",
        "",
    ],
)
def test_next_outside_this_site_falls_back(supervisor, pending, target):
    client = Client()
    client.force_login(supervisor)
    # a reject without a reason writes nothing and sends the user back to the deal's move panel
    response = client.post(f"/requests/{pending.pk}/reject/", {"reason": "", "next": target})
    assert response.status_code == 302
    assert response["Location"] == f"/deals/{pending.deal_id}/#transitions"


def test_next_on_this_site_is_followed(supervisor, pending):
    client = Client()
    client.force_login(supervisor)
    response = client.post(
        f"/requests/{pending.pk}/reject/", {"reason": "", "next": "/queue/?page=2"}
    )
    assert response.status_code == 302 and response["Location"] == "/queue/?page=2"


@pytest.mark.parametrize("target", ["plainword", "//evil.example/", "https://evil.example/x"])
def test_sign_in_next_is_only_a_local_path(broker, target):
    broker.set_password("Correct-horse-9")
    broker.save()
    response = Client().post(
        "/", {"username": broker.username, "password": "Correct-horse-9", "next": target}
    )
    assert response.status_code == 302 and response["Location"] == "/"
