"""The double-brokering guard: the same need, or a near-identical need of the same enterprise,
open in two deals, or one achievement linked into open deals of two organisations, is a warning
on both deals (API and page) and in both supervisors' queues; resolving it records the agreed
shares through the set-brokers rules. Across organisations a side learns only the other deal's
title and organisation name."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from brokers.models import BrokerProfile
from deals import services
from deals.models import Deal, DealBroker, DealState
from tests.factories import AchievementFactory, BrokerFactory, DealFactory, DemandFactory

pytestmark = pytest.mark.django_db

NEED = {
    "title": "汽车内饰件注塑缩痕工艺攻关",
    "description": "公司汽车内饰件注塑后表面出现缩痕和熔接线，良品率只有82%，"
    "希望引进模具随形冷却或工艺参数优化技术，把良品率提高到95%以上。",
    "enterprise": "宁波华翔汽车零部件有限公司",
    "region": "330211",
    "industry": "2",
}


def _open(api, broker, demand_id):  # type: ignore[no-untyped-def]
    response = api(broker).post("/api/v1/deals/", {"demand": demand_id}, format="json")
    assert response.status_code == 201, response.content
    return Deal.objects.get(pk=response.json()["id"])


def _need(api, user, **changes):  # type: ignore[no-untyped-def]
    response = api(user).post("/api/v1/demands/", {**NEED, **changes}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _conflicts(api, user, deal):  # type: ignore[no-untyped-def]
    response = api(user).get(f"/api/v1/deals/{deal.pk}/conflicts/")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_same_need_opened_by_two_organisations_warns_both_sides(
    api, broker, other_broker, supervisor, other_supervisor
):
    need = _need(api, broker)
    mine = _open(api, broker, need)
    theirs = _open(api, other_broker, need)
    for user, deal, other in ((broker, mine, theirs), (other_broker, theirs, mine)):
        [warning] = _conflicts(api, user, deal)
        assert warning["kind"] == "same_need"
        assert warning["status"] == "open"
        # Of the other organisation's deal: its title and organisation name, nothing more.
        assert warning["other_deal"] == {
            "id": None,
            "title": other.title,
            "organisation": other.organisation.name,
            "same_organisation": False,
        }
    for user, deal in ((supervisor, mine), (other_supervisor, theirs)):
        queue = api(user).get("/api/v1/conflicts/").json()
        assert [(row["deal"], row["kind"]) for row in queue] == [(deal.pk, "same_need")]
        # The other side's deal stays hidden from this supervisor.
        other = theirs if deal == mine else mine
        assert api(user).get(f"/api/v1/deals/{other.pk}/").status_code == 404


def test_a_near_identical_need_of_the_same_enterprise_warns_and_a_different_one_does_not(
    api, broker, co_broker
):
    first = _open(api, broker, _need(api, broker))
    retyped = _need(
        api,
        co_broker,
        title="汽车内饰注塑件缩痕工艺攻关",
        description=NEED["description"].replace("公司", "我司"),
    )
    second = _open(api, co_broker, retyped)
    different = _need(
        api,
        co_broker,
        title="车间废气VOCs治理",
        description="喷涂车间排放VOCs超标，需要低成本的吸附催化燃烧治理方案。",
    )
    third = _open(api, co_broker, different)
    [warning] = _conflicts(api, broker, first)
    assert warning["kind"] == "similar_need"
    assert Decimal(warning["similarity"]) >= Decimal("0.8")
    assert warning["other_deal"]["id"] is None  # the broker is not on that deal
    assert warning["other_deal"]["same_organisation"] is True
    assert [w["other_deal"]["title"] for w in _conflicts(api, co_broker, second)] == [first.title]
    assert _conflicts(api, co_broker, third) == []


def test_one_achievement_in_open_deals_of_two_organisations_warns_both(
    api, broker, co_broker, other_broker
):
    achievement = AchievementFactory()
    mine = _open(api, broker, DemandFactory().pk)
    same_org = _open(api, co_broker, DemandFactory().pk)
    theirs = _open(api, other_broker, DemandFactory().pk)
    for user, deal in ((broker, mine), (co_broker, same_org), (other_broker, theirs)):
        response = api(user).post(
            f"/api/v1/deals/{deal.pk}/achievements/", {"achievement": achievement.pk}, format="json"
        )
        assert response.status_code == 201
    mine_warnings = _conflicts(api, broker, mine)
    assert [(w["kind"], w["other_deal"]["title"]) for w in mine_warnings] == [
        ("shared_achievement", theirs.title)
    ]
    assert mine_warnings[0]["achievement"]["id"] == achievement.pk
    # Within one organisation sharing a candidate is ordinary work, not double brokering.
    assert [w["other_deal"]["title"] for w in _conflicts(api, co_broker, same_org)] == [
        theirs.title
    ]
    assert len(_conflicts(api, other_broker, theirs)) == 2


def test_a_closed_deal_raises_no_warning(api, broker, other_broker):
    need = _need(api, broker)
    mine = _open(api, broker, need)
    Deal.objects.filter(pk=mine.pk).update(state=DealState.LOST)
    theirs = _open(api, other_broker, need)
    assert _conflicts(api, other_broker, theirs) == []


def _shares(deal):  # type: ignore[no-untyped-def]
    return {link.user_id: link.share for link in DealBroker.objects.filter(deal=deal)}


def test_resolving_sets_the_agreed_shares_and_clears_the_warning_on_both_deals(
    api, broker, co_broker, supervisor, other_broker, other_supervisor
):
    need = _need(api, broker)
    mine = _open(api, broker, need)
    same_org = _open(api, co_broker, need)
    theirs = _open(api, other_broker, need)
    warning = next(
        w for w in _conflicts(api, supervisor, mine) if w["other_deal"]["id"] == same_org.pk
    )
    url = f"/api/v1/deals/{mine.pk}/conflicts/{warning['id']}/resolve/"
    bad = api(supervisor).post(
        url,
        {"shares": [{"user": broker.pk, "share": "60"}, {"user": co_broker.pk, "share": "30"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "shares_not_100"
    assert api(other_supervisor).post(url, {"shares": []}, format="json").status_code == 404
    assert api(broker).post(url, {"shares": []}, format="json").status_code == 403
    response = api(supervisor).post(
        url,
        {
            "shares": [{"user": broker.pk, "share": "60"}, {"user": co_broker.pk, "share": "40"}],
            "note": "李娜的项目并入本项目",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"
    assert _shares(mine) == {broker.pk: Decimal("60.00"), co_broker.pk: Decimal("40.00")}
    for user, deal in ((supervisor, mine), (supervisor, same_org)):
        statuses = {w["other_deal"]["title"]: w["status"] for w in _conflicts(api, user, deal)}
        assert "resolved" in statuses.values()
    queue = api(supervisor).get("/api/v1/conflicts/").json()
    assert all(row["kind"] == "same_need" for row in queue)
    assert {row["other_deal"]["organisation"] for row in queue} == {theirs.organisation.name}
    again = api(supervisor).post(
        url, {"shares": [{"user": broker.pk, "share": "100"}]}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_resolved"


def test_resolving_across_organisations_keeps_each_deals_credit_in_its_organisation(
    api, broker, other_broker, supervisor, other_supervisor
):
    need = _need(api, broker)
    mine = _open(api, broker, need)
    theirs = _open(api, other_broker, need)
    [warning] = _conflicts(api, other_supervisor, theirs)
    url = f"/api/v1/deals/{theirs.pk}/conflicts/{warning['id']}/resolve/"
    stranger = api(other_supervisor).post(
        url,
        {"shares": [{"user": other_broker.pk, "share": "50"}, {"user": broker.pk, "share": "50"}]},
        format="json",
    )
    assert stranger.status_code == 400  # another organisation's broker is not even found
    ok = api(other_supervisor).post(
        url,
        {"shares": [{"user": other_broker.pk, "share": "100"}], "note": "由镇海办理"},
        format="json",
    )
    assert ok.status_code == 200
    [seen_by_mine] = _conflicts(api, supervisor, mine)
    assert seen_by_mine["status"] == "resolved"
    assert seen_by_mine["resolved_by_organisation"] == theirs.organisation.name
    assert seen_by_mine["shares"] is None and seen_by_mine["note"] == ""  # the other side's data


def test_a_full_broker_cannot_be_given_a_share_when_resolving(api, org, broker, supervisor):
    full = BrokerFactory(organisation=org)
    BrokerProfile.objects.filter(user=full).update(caseload_limit=1)
    need = _need(api, broker)
    mine = _open(api, broker, need)
    _open(api, full, need)
    [warning] = _conflicts(api, supervisor, mine)
    response = api(supervisor).post(
        f"/api/v1/deals/{mine.pk}/conflicts/{warning['id']}/resolve/",
        {"shares": [{"user": broker.pk, "share": "50"}, {"user": full.pk, "share": "50"}]},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "caseload_full"
    assert _conflicts(api, supervisor, mine)[0]["status"] == "open"


# --- pages -------------------------------------------------------------------------------------


def _page(user, path):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client.get(path)


def test_the_deal_pages_of_both_organisations_show_the_banner(
    api, broker, other_broker, supervisor, other_supervisor
):
    need = _need(api, broker)
    mine = _open(api, broker, need)
    theirs = _open(api, other_broker, need)
    for user, deal, other in ((broker, mine, theirs), (other_broker, theirs, mine)):
        html = _page(user, f"/deals/{deal.pk}/").content.decode()
        assert 'data-testid="conflict-banner"' in html
        assert other.organisation.name in html
        assert f"/deals/{other.pk}/" not in html  # no link into the other organisation's deal
    for user, deal in ((supervisor, mine), (other_supervisor, theirs)):
        html = _page(user, "/queue/").content.decode()
        assert 'data-testid="queue-conflicts"' in html
        assert f"/deals/{deal.pk}/#conflicts" in html
        html = _page(user, f"/deals/{deal.pk}/").content.decode()
        assert "确认分成并解除预警" in html


def test_a_deal_without_a_collision_shows_no_banner(broker):
    deal = DealFactory(lead_broker=broker)
    html = _page(broker, f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="conflict-banner"' not in html


def test_resolving_from_the_page_sets_the_shares(api, broker, co_broker, supervisor):
    need = _need(api, broker)
    mine = _open(api, broker, need)
    _open(api, co_broker, need)
    [warning] = _conflicts(api, supervisor, mine)
    client = Client()
    client.force_login(supervisor)
    response = client.post(
        f"/deals/{mine.pk}/conflicts/{warning['id']}/resolve/",
        {f"share_{broker.pk}": "70", f"share_{co_broker.pk}": "30", "note": "合并办理"},
    )
    assert response.status_code == 302
    assert _shares(mine) == {broker.pk: Decimal("70.00"), co_broker.pk: Decimal("30.00")}
    html = client.get(f"/deals/{mine.pk}/").content.decode()
    assert 'data-testid="conflict-banner"' not in html


def test_both_organisations_supervisors_are_told_once_after_commit(
    api, broker, other_broker, supervisor, other_supervisor, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    need = _need(api, broker)
    mine = _open(api, broker, need)
    with django_capture_on_commit_callbacks(execute=True):
        theirs = services.deal_create(actor=other_broker, demand=mine.demand)
    rows = Notification.objects.filter(kind="double_brokering").order_by("user_id")
    assert sorted((n.user_id, n.deal_id) for n in rows) == sorted(
        [(supervisor.pk, mine.pk), (other_supervisor.pk, theirs.pk)]
    )
    told_mine = rows.get(user=supervisor).text
    assert theirs.organisation.name in told_mine and theirs.title in told_mine
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_link_achievement(
            deal=mine, achievement=AchievementFactory(), actor=broker
        )  # detection runs again: the same warning is not announced twice
    assert Notification.objects.filter(kind="double_brokering").count() == 2


def test_a_warning_whose_deal_closed_lapses_and_cannot_be_resolved(
    api, broker, co_broker, supervisor
):
    need = _need(api, broker)
    mine = _open(api, broker, need)
    other = _open(api, co_broker, need)
    [warning] = _conflicts(api, supervisor, mine)
    Deal.objects.filter(pk=other.pk).update(state=DealState.LOST)
    [lapsed] = _conflicts(api, supervisor, mine)
    assert lapsed["status"] == "lapsed"
    assert api(supervisor).get("/api/v1/conflicts/").json() == []
    response = api(supervisor).post(
        f"/api/v1/deals/{mine.pk}/conflicts/{warning['id']}/resolve/",
        {"shares": [{"user": broker.pk, "share": "100"}]},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict_lapsed"


def test_the_admin_lists_warnings_and_lead_changes_read_only(api, broker, other_broker, admin_user):
    need = _need(api, broker)
    _open(api, broker, need)
    _open(api, other_broker, need)
    client = Client()
    client.force_login(admin_user)
    listing = client.get("/admin/deals/brokeringconflict/")
    assert listing.status_code == 200
    assert "same_need" in listing.content.decode() or "同一需求" in listing.content.decode()
    assert client.get("/admin/deals/brokeringconflict/add/").status_code == 403
    assert client.get("/admin/deals/leadchange/").status_code == 200
