"""Deals through the API: creation, shares, activities, due dates, history, after-commit events."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from common import workdays
from deals.models import Deal, DealState
from deals.signals import deal_state_changed
from tests.factories import DealFactory, DemandFactory
from tests.helpers import satisfy

pytestmark = pytest.mark.django_db


def test_a_broker_opens_a_deal_and_leads_it_with_100_percent(api, broker):
    demand = DemandFactory()
    response = api(broker).post("/api/v1/deals/", {"demand": demand.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "intake"
    assert body["title"] == demand.title
    assert body["lead_broker"] == broker.pk
    assert body["brokers"] == [{"user": broker.pk, "share": "100.00"}]
    assert body["pending_request"] is None and body["contract"] is None
    assert body["overdue"] is False
    due = dt.datetime.fromisoformat(body["due_at"])
    entered = dt.datetime.fromisoformat(body["state_entered_at"])
    assert workdays.working_seconds(entered, due) == 7 * workdays.DAY  # 7 working days


def test_a_supervisor_names_the_lead_broker(api, supervisor, broker, other_broker):
    demand = DemandFactory()
    missing = api(supervisor).post("/api/v1/deals/", {"demand": demand.pk}, format="json")
    assert missing.status_code == 400
    foreign = api(supervisor).post(
        "/api/v1/deals/", {"demand": demand.pk, "lead_broker": other_broker.pk}, format="json"
    )
    assert foreign.status_code == 400
    response = api(supervisor).post(
        "/api/v1/deals/",
        {"demand": demand.pk, "lead_broker": broker.pk, "title": "镇海注塑项目"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["lead_broker"] == broker.pk
    assert api(broker).get(f"/api/v1/deals/{response.json()['id']}/").status_code == 200


def test_finance_cannot_open_deals(api, finance):
    response = api(finance).post("/api/v1/deals/", {"demand": DemandFactory().pk}, format="json")
    assert response.status_code == 403


def test_shares_must_sum_to_100_and_only_the_lead_or_a_supervisor_sets_them(
    api, deal, broker, co_broker, supervisor
):
    url = f"/api/v1/deals/{deal.pk}/brokers/"
    three_way = [
        {"user": broker.pk, "share": "50.00"},
        {"user": co_broker.pk, "share": "30.00"},
    ]
    bad = api(broker).put(url, three_way, format="json")
    assert bad.status_code == 400 and "100" in bad.json()["detail"]
    ok = api(broker).put(
        url, [*three_way[:1], {"user": co_broker.pk, "share": "50.00"}], format="json"
    )
    assert ok.status_code == 200
    # the co-broker now sees the deal but is not the lead
    again = api(co_broker).put(url, [{"user": broker.pk, "share": "100"}], format="json")
    assert again.status_code == 403
    by_supervisor = api(supervisor).put(
        url,
        [{"user": broker.pk, "share": "70"}, {"user": co_broker.pk, "share": "30"}],
        format="json",
    )
    assert by_supervisor.status_code == 200
    assert by_supervisor.json()["brokers"][0] == {"user": broker.pk, "share": "70.00"}
    without_lead = api(supervisor).put(url, [{"user": co_broker.pk, "share": "100"}], format="json")
    assert without_lead.status_code == 400


def test_activities_are_logged_and_listed(api, deal, broker):
    url = f"/api/v1/deals/{deal.pk}/activities/"
    body = {
        "kind": "offline_meeting",
        "occurred_at": "2026-11-20T14:30:00+08:00",
        "location": "宁波市镇海区骆驼街道某汽车零部件公司二楼会议室",
        "participants": "企业总经理、技术部长；浙大宁波研究院课题组；经纪人张伟",
        "minutes": "现场查看注塑产线，确认冷却水路改造方案，约定 12 月中旬出具报价。",
    }
    created = api(broker).post(url, body, format="json")
    assert created.status_code == 201, created.json()
    listed = api(broker).get(url).json()
    assert [a["kind"] for a in listed] == ["offline_meeting"]
    assert listed[0]["created_by"] == broker.pk


def test_overdue_deals_are_flagged_and_filtered(api, broker, supervisor):
    with time_machine.travel(timezone.now() - dt.timedelta(days=10)):
        late = DealFactory(lead_broker=broker)
        late.due_at = timezone.now() + dt.timedelta(days=7)
        late.save()
    fresh = DealFactory(lead_broker=broker)
    detail = api(broker).get(f"/api/v1/deals/{late.pk}/").json()
    assert detail["overdue"] is True
    assert api(broker).get(f"/api/v1/deals/{fresh.pk}/").json()["overdue"] is False
    overdue_ids = [
        d["id"] for d in api(supervisor).get("/api/v1/deals/?overdue=true").json()["results"]
    ]
    assert overdue_ids == [late.pk]
    on_time = [
        d["id"] for d in api(supervisor).get("/api/v1/deals/?overdue=false").json()["results"]
    ]
    assert on_time == [fresh.pk]


def test_moving_a_deal_restarts_its_stage_clock(api, deal, broker, supervisor):
    from tests.helpers import move

    satisfy(deal, DealState.MATCHED)
    deal = move(deal, DealState.MATCHED, supervisor)
    assert workdays.working_seconds(deal.state_entered_at, deal.due_at) == 14 * workdays.DAY


def test_list_filters_by_state_broker_and_search(api, broker, co_broker, supervisor):
    a = DealFactory(lead_broker=broker, title="镇海区注塑模具随形冷却项目")
    b = DealFactory(lead_broker=co_broker, title="福清市水产品冷链保鲜项目")
    client = api(supervisor)
    assert [
        d["id"] for d in client.get(f"/api/v1/deals/?broker={co_broker.pk}").json()["results"]
    ] == [b.pk]
    assert [d["id"] for d in client.get("/api/v1/deals/?search=冷却").json()["results"]] == [a.pk]
    assert client.get("/api/v1/deals/?state=intake").json()["count"] == 2
    assert client.get("/api/v1/deals/?state=matched").json()["count"] == 0


def test_history_merges_edits_shares_links_and_moves_with_actor_and_reason(
    api, broker, co_broker, supervisor
):
    client = api(broker)
    opened = client.post("/api/v1/deals/", {"demand": DemandFactory().pk}, format="json").json()
    deal = Deal.objects.get(pk=opened["id"])
    client.patch(f"/api/v1/deals/{deal.pk}/", {"title": "注塑缩痕攻关（一期）"}, format="json")
    client.put(
        f"/api/v1/deals/{deal.pk}/brokers/",
        [{"user": broker.pk, "share": "60"}, {"user": co_broker.pk, "share": "40"}],
        format="json",
    )
    satisfy(deal, DealState.MATCHED)
    created = client.post(
        f"/api/v1/deals/{deal.pk}/transition-requests/",
        {"target": "matched", "comment": "已找到两项候选成果"},
        format="json",
    ).json()
    api(supervisor).post(
        f"/api/v1/transition-requests/{created['id']}/approve/",
        {"comment": "同意推进"},
        format="json",
    )

    events = client.get(f"/api/v1/deals/{deal.pk}/history/").json()
    kinds = [e["event"] for e in events]
    assert kinds[0] == "created"
    for expected in (
        "edited",
        "brokers_changed",
        "achievement_linked",
        "requested",
        "approved",
        "moved",
    ):
        assert expected in kinds, kinds
    assert kinds[-3:] == ["requested", "approved", "moved"]
    assert all(e["actor"] for e in events)
    times = [e["at"] for e in events]
    assert times == sorted(times)
    moved = events[-1]
    assert moved["comment"] == "同意推进" and moved["actor"]["username"] == supervisor.username
    edited = next(e for e in events if e["event"] == "edited")
    assert edited["actor"]["username"] == broker.username


def test_the_move_is_announced_only_after_commit(
    deal, broker, supervisor, django_capture_on_commit_callbacks
):
    from deals import services

    satisfy(deal, DealState.MATCHED)
    request = services.deal_request_transition(deal=deal, actor=broker, target="matched")
    heard: list[dict] = []

    def listener(sender, **kwargs):  # type: ignore[no-untyped-def]
        heard.append(kwargs)

    deal_state_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.request_approve(request_id=request.pk, actor=supervisor)
        assert heard == [], "nothing is announced inside the transaction"
        for callback in callbacks:
            callback()
    finally:
        deal_state_changed.disconnect(listener)
    assert heard and heard[0]["deal_id"] == deal.pk
    assert (heard[0]["from_state"], heard[0]["to_state"]) == ("intake", "matched")
    assert heard[0]["actor_id"] == supervisor.pk


def test_the_state_field_cannot_be_set_directly(deal):
    with pytest.raises(AttributeError):
        deal.state = DealState.REGISTERED
    assert Deal.objects.get(pk=deal.pk).state == DealState.INTAKE


def test_a_broker_at_the_caseload_limit_takes_no_new_deal(api, broker, co_broker, supervisor):
    from deals.models import DealBroker

    broker.broker_profile.caseload_limit = 1
    broker.broker_profile.save()
    first = api(broker).post("/api/v1/deals/", {"demand": DemandFactory().pk}, format="json")
    assert first.status_code == 201
    second = api(broker).post("/api/v1/deals/", {"demand": DemandFactory().pk}, format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "caseload_full"
    assert "上限 1" in second.json()["detail"]
    # nor is the full broker added as a co-broker to someone else's deal
    other = DealFactory(lead_broker=co_broker)
    response = api(co_broker).put(
        f"/api/v1/deals/{other.pk}/brokers/",
        [{"user": co_broker.pk, "share": "50"}, {"user": broker.pk, "share": "50"}],
        format="json",
    )
    assert response.status_code == 409
    assert DealBroker.objects.filter(deal=other).count() == 1


def test_closed_deals_free_the_caseload(api, broker, supervisor):
    from tests.helpers import move

    broker.broker_profile.caseload_limit = 1
    broker.broker_profile.save()
    deal = Deal.objects.get(
        pk=api(broker)
        .post("/api/v1/deals/", {"demand": DemandFactory().pk}, format="json")
        .json()["id"]
    )
    move(deal, DealState.LOST, supervisor, comment="企业撤回需求")
    again = api(broker).post("/api/v1/deals/", {"demand": DemandFactory().pk}, format="json")
    assert again.status_code == 201
