"""Bad input gets 400/409 with a message, never a 500, and loses nothing."""

from __future__ import annotations

import pytest

from deals.models import Achievement, Deal, Demand

pytestmark = pytest.mark.django_db

LONG = "长" * 10_000

GOOD_DEMAND = {
    "title": "陶瓷基板激光打孔崩边问题",
    "description": "氧化铝陶瓷基板激光打孔后孔边崩缺，合格率 85%，希望提升到 98% 以上。",
    "enterprise": "宁波某电子陶瓷有限公司",
    "industry": "1.2",
    "region": "330211",
    "budget": "800000.00",
    "deadline": "2027-06-30",
    "contact": "周工 0574-86000000",
}
GOOD_ACHIEVEMENT = {
    "title": "一种陶瓷基板超快激光微孔加工方法",
    "description": "皮秒激光分层扫描加工微孔，孔边崩缺小于 10 微米。",
    "owner": "中国科学院宁波材料技术与工程研究所",
    "kind": "patent",
    "patent_number": "ZL202210000001.1",
    "industry": "1.2",
    "maturity": 6,
    "asking_price": "450000.00",
    "region": "330200",
}

DEMAND_CASES = [
    {},
    {"title": ""},
    {"title": LONG},
    {"description": LONG + LONG + LONG},
    {"budget": "12,5万"},
    {"budget": "-1"},
    {"budget": "1e400"},
    {"budget": "NaN"},
    {"budget": ["1"]},
    {"deadline": "2027-13-45"},
    {"deadline": "下个月"},
    {"region": "12345"},
    {"region": "火星"},
    {"industry": "space_mining"},
    {"title": None},
    {"title": {"a": 1}},
]
ACHIEVEMENT_CASES = [
    {"maturity": 10},
    {"maturity": "高"},
    {"maturity": 0},
    {"kind": "book"},
    {"asking_price": "abc"},
    {"asking_price": "1.234"},
    {"patent_number": LONG},
    {"owner": LONG},
]


@pytest.mark.parametrize("change", DEMAND_CASES, ids=lambda c: str(c)[:30])
def test_bad_demands_get_400_with_a_message(api, broker, change):
    body = {**GOOD_DEMAND, **change} if change else {}
    response = api(broker).post("/api/v1/demands/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()
    assert Demand.objects.count() == 0


@pytest.mark.parametrize("change", ACHIEVEMENT_CASES, ids=lambda c: str(c)[:30])
def test_bad_achievements_get_400_with_a_message(api, broker, change):
    response = api(broker).post(
        "/api/v1/achievements/", {**GOOD_ACHIEVEMENT, **change}, format="json"
    )
    assert response.status_code == 400, response.content
    assert Achievement.objects.count() == 0


def test_good_inputs_are_accepted_and_region_names_become_codes(api, broker):
    demand = api(broker).post(
        "/api/v1/demands/", {**GOOD_DEMAND, "region": "镇海区"}, format="json"
    )
    assert demand.status_code == 201, demand.json()
    assert demand.json()["region"] == "330211"
    assert demand.json()["budget"] == "800000.00"
    achievement = api(broker).post("/api/v1/achievements/", GOOD_ACHIEVEMENT, format="json")
    assert achievement.status_code == 201, achievement.json()


def test_a_duplicate_patent_number_is_400(api, broker):
    assert (
        api(broker).post("/api/v1/achievements/", GOOD_ACHIEVEMENT, format="json").status_code
        == 201
    )
    again = api(broker).post("/api/v1/achievements/", GOOD_ACHIEVEMENT, format="json")
    assert again.status_code == 400
    assert "patent_number" in again.json()


def test_patching_a_demand_records_who_and_keeps_the_rest(api, broker):
    created = api(broker).post("/api/v1/demands/", GOOD_DEMAND, format="json").json()
    bad = api(broker).patch(f"/api/v1/demands/{created['id']}/", {"budget": "many"}, format="json")
    assert bad.status_code == 400
    ok = api(broker).patch(f"/api/v1/demands/{created['id']}/", {"budget": "900000"}, format="json")
    assert ok.status_code == 200 and ok.json()["budget"] == "900000.00"
    demand = Demand.objects.get()
    assert demand.title == GOOD_DEMAND["title"]
    assert demand.history.first().history_user == broker


def test_finance_cannot_write_needs(api, finance):
    assert api(finance).post("/api/v1/demands/", GOOD_DEMAND, format="json").status_code == 403


DEAL_CASES = [
    ("post", "/api/v1/deals/", {}),
    ("post", "/api/v1/deals/", {"demand": "abc"}),
    ("post", "/api/v1/deals/", {"demand": 999999}),
    ("post", "/api/v1/deals/", {"demand": None}),
    ("post", "/api/v1/deals/", {"demand": "{demand}", "title": LONG}),
    ("post", "/api/v1/deals/{deal}/achievements/", {}),
    ("post", "/api/v1/deals/{deal}/achievements/", {"achievement": "x"}),
    ("post", "/api/v1/deals/{deal}/achievements/", {"achievement": 424242}),
    ("put", "/api/v1/deals/{deal}/brokers/", {}),
    ("put", "/api/v1/deals/{deal}/brokers/", []),
    ("put", "/api/v1/deals/{deal}/brokers/", [{"user": "{user}", "share": "99.99"}]),
    ("put", "/api/v1/deals/{deal}/brokers/", [{"user": "{user}", "share": "百"}]),
    ("put", "/api/v1/deals/{deal}/brokers/", [{"user": "{user}", "share": "100.001"}]),
    ("put", "/api/v1/deals/{deal}/brokers/", [{"user": "{user}", "share": "-100"}]),
    ("put", "/api/v1/deals/{deal}/brokers/", [{"user": 999999, "share": "100"}]),
    (
        "put",
        "/api/v1/deals/{deal}/brokers/",
        [{"user": "{user}", "share": "50"}, {"user": "{user}", "share": "50"}],
    ),
    ("put", "/api/v1/deals/{deal}/brokers/", "not a list"),
    ("post", "/api/v1/deals/{deal}/activities/", {}),
    (
        "post",
        "/api/v1/deals/{deal}/activities/",
        {
            "kind": "dinner",
            "occurred_at": "2026-11-01T10:00:00+08:00",
            "participants": "a",
            "minutes": "b",
        },
    ),
    (
        "post",
        "/api/v1/deals/{deal}/activities/",
        {"kind": "online_talk", "occurred_at": "昨天", "participants": "a", "minutes": "b"},
    ),
    (
        "post",
        "/api/v1/deals/{deal}/activities/",
        {
            "kind": "online_talk",
            "occurred_at": "2099-01-01T10:00:00+08:00",
            "participants": "a",
            "minutes": "b",
        },
    ),
    (
        "post",
        "/api/v1/deals/{deal}/activities/",
        {
            "kind": "offline_meeting",
            "occurred_at": "2026-11-01T10:00:00+08:00",
            "participants": "a",
            "minutes": "b",
        },
    ),
    (
        "post",
        "/api/v1/deals/{deal}/activities/",
        {
            "kind": "online_talk",
            "occurred_at": "2026-11-01T10:00:00+08:00",
            "participants": "a",
            "minutes": LONG * 3,
        },
    ),
    ("post", "/api/v1/deals/{deal}/transition-requests/", {}),
    ("post", "/api/v1/deals/{deal}/transition-requests/", {"target": "heaven"}),
    ("post", "/api/v1/deals/{deal}/transition-requests/", {"target": 7}),
    ("post", "/api/v1/deals/{deal}/transition-requests/", {"target": "matched", "comment": LONG}),
    ("post", "/api/v1/deals/{deal}/transition-requests/", {"target": ["matched"]}),
    ("patch", "/api/v1/deals/{deal}/", {"title": ""}),
    ("patch", "/api/v1/deals/{deal}/", {"title": LONG}),
    ("get", "/api/v1/deals/?state=flying", None),
    ("get", "/api/v1/deals/?broker=abc", None),
    ("get", "/api/v1/deals/?overdue=maybe", None),
    ("get", "/api/v1/transition-requests/?status=sleeping", None),
]


@pytest.mark.parametrize(("method", "url", "body"), DEAL_CASES, ids=lambda v: str(v)[:40])
def test_bad_deal_input_gets_a_400_with_a_message(api, deal, broker, method, url, body):
    before = (Deal.objects.count(), deal.activities.count(), deal.broker_links.count())
    import json

    text = (
        json.dumps(body)
        .replace('"{demand}"', str(deal.demand_id))
        .replace('"{user}"', str(broker.pk))
    )
    payload = json.loads(text)
    response = getattr(api(broker), method)(url.format(deal=deal.pk), payload, format="json")
    # Every case here is malformed or breaks a rule about the input itself: 400, never 409
    # (409 is for a deal whose state forbids the action, tested with the transitions).
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response.json(), "the error says what to do"
    assert (Deal.objects.count(), deal.activities.count(), deal.broker_links.count()) == before
    assert deal.broker_links.get().share == 100


def test_malformed_json_is_400(api, broker):
    response = api(broker).generic(
        "POST", "/api/v1/demands/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_page_size_is_capped_at_200(api, broker):
    response = api(broker).get("/api/v1/achievements/?page_size=100000")
    assert response.status_code == 200
    bad_page = api(broker).get("/api/v1/achievements/?page=abc")
    assert bad_page.status_code == 404


HUGE = "63369173888667557325438976"  # past bigint: the database driver would overflow


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/deals/?broker={HUGE}",
        "/api/v1/deals/?broker=-3",
        f"/api/v1/transition-requests/?deal={HUGE}",
    ],
)
def test_ids_past_the_database_range_are_400_not_500(api, broker, url):
    response = api(broker).get(url)
    assert response.status_code == 400, response.content[:200]


@pytest.mark.parametrize("url", [f"/?broker={HUGE}", f"/achievements/?match={HUGE}"])
def test_pages_ignore_ids_past_the_database_range(client, supervisor, url):
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
