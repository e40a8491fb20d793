"""Opening a deal suggests lead brokers (specialty, caseload, region, with reasons; only the
supervisor's own organisation); the lead can be reassigned with a reason, the old lead's share
passing to the new lead, the caseload rule enforced."""

from __future__ import annotations

from decimal import Decimal

import pytest

from brokers.models import BrokerProfile
from deals.models import Deal, DealBroker, DealState
from tests.factories import BrokerFactory, DealFactory, DemandFactory

pytestmark = pytest.mark.django_db


def _profile(user, *, specialties="", limit=15, region="330211"):  # type: ignore[no-untyped-def]
    BrokerProfile.objects.filter(user=user).update(
        specialties=specialties, caseload_limit=limit, region_code=region
    )
    return user


def _load(user, n):  # type: ignore[no-untyped-def]
    for _ in range(n):
        DealFactory(lead_broker=user)


def _suggest(api, user, demand):  # type: ignore[no-untyped-def]
    response = api(user).get(f"/api/v1/demands/{demand.pk}/broker-suggestions/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- suggestions -------------------------------------------------------------------------------


def test_a_full_specialist_is_marked_full_and_ranked_after_an_empty_broker(api, org, supervisor):
    demand = DemandFactory(industry="2.5", region="330211")
    full = _profile(BrokerFactory(organisation=org), specialties="海洋工程装备", limit=2)
    _load(full, 2)
    empty = _profile(BrokerFactory(organisation=org), specialties="生物医药", limit=10)
    results = _suggest(api, supervisor, demand)
    assert [r["broker"]["id"] for r in results] == [empty.pk, full.pk]
    assert results[0]["full"] is False and results[0]["open_deals"] == 0
    assert results[1]["full"] is True
    assert results[1]["open_deals"] == 2 and results[1]["caseload_limit"] == 2
    assert any("已满" in reason for reason in results[1]["reasons"])
    # The specialist still shows why they would fit.
    assert any("海洋工程装备" in reason for reason in results[1]["reasons"])


def test_the_specialist_with_room_comes_first_with_the_reason(api, org, supervisor):
    demand = DemandFactory(industry="2.5", region="330211")
    generalist = _profile(BrokerFactory(organisation=org), specialties="生物医药")
    sector = _profile(BrokerFactory(organisation=org), specialties="高端装备")
    exact = _profile(BrokerFactory(organisation=org), specialties="海洋工程装备产业")
    results = _suggest(api, supervisor, demand)
    assert [r["broker"]["id"] for r in results] == [exact.pk, sector.pk, generalist.pk]
    assert "对口" in results[0]["reasons"][0]
    assert "同属" in results[1]["reasons"][0]
    assert "不对口" in results[2]["reasons"][0]


def test_region_breaks_a_tie_between_equal_specialists(api, org, supervisor):
    demand = DemandFactory(industry="3", region="330211")
    far = _profile(BrokerFactory(organisation=org), specialties="新材料", region="320100")
    near = _profile(BrokerFactory(organisation=org), specialties="新材料", region="330211")
    results = _suggest(api, supervisor, demand)
    assert [r["broker"]["id"] for r in results] == [near.pk, far.pk]
    assert any("执业地区" in reason for reason in results[0]["reasons"])
    assert not any("执业地区" in reason for reason in results[1]["reasons"])


def test_another_organisations_brokers_are_never_suggested(
    api, org, supervisor, other_broker, broker
):
    demand = DemandFactory(industry="2")
    _profile(other_broker, specialties="高端装备制造产业", limit=50)
    ids = [r["broker"]["id"] for r in _suggest(api, supervisor, demand)]
    assert broker.pk in ids
    assert other_broker.pk not in ids


def test_a_broker_and_finance_may_not_ask_for_suggestions(api, broker, finance):
    demand = DemandFactory()
    for user in (broker, finance):
        response = api(user).get(f"/api/v1/demands/{demand.pk}/broker-suggestions/")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_suggestions_for_an_unknown_need_are_a_404(api, supervisor):
    assert api(supervisor).get("/api/v1/demands/999999/broker-suggestions/").status_code == 404


# --- reassignment ------------------------------------------------------------------------------


def _reassign(api, user, deal, lead, reason="原主办休假"):  # type: ignore[no-untyped-def]
    return api(user).post(
        f"/api/v1/deals/{deal.pk}/reassign/",
        {"lead_broker": lead.pk, "reason": reason},
        format="json",
    )


def _shares(deal):  # type: ignore[no-untyped-def]
    return {link.user_id: link.share for link in DealBroker.objects.filter(deal=deal)}


def test_reassigning_needs_a_reason(api, deal, co_broker, supervisor, broker):
    for reason in ("", "   "):
        response = _reassign(api, supervisor, deal, co_broker, reason)
        assert response.status_code == 400
        assert response.json()["code"] == "reason_required"
    deal.refresh_from_db()
    assert deal.lead_broker_id == broker.pk


def test_the_new_lead_takes_the_old_leads_share_and_the_change_is_kept(
    api, deal, broker, co_broker, supervisor
):
    third = BrokerFactory(organisation=broker.organisation)
    api(supervisor).put(
        f"/api/v1/deals/{deal.pk}/brokers/",
        [{"user": broker.pk, "share": "60"}, {"user": third.pk, "share": "40"}],
        format="json",
    )
    response = _reassign(api, supervisor, deal, co_broker, "张伟调岗，由李娜接手")
    assert response.status_code == 200, response.content
    assert response.json()["lead_broker"] == co_broker.pk
    assert _shares(deal) == {co_broker.pk: Decimal("60.00"), third.pk: Decimal("40.00")}
    changes = api(supervisor).get(f"/api/v1/deals/{deal.pk}/reassign/").json()
    assert [(c["from_lead"], c["to_lead"], c["share"], c["reason"]) for c in changes] == [
        (broker.pk, co_broker.pk, "60.00", "张伟调岗，由李娜接手")
    ]
    assert changes[0]["changed_by"] == supervisor.pk
    history = api(supervisor).get(f"/api/v1/deals/{deal.pk}/history/").json()
    assert any("张伟调岗" in event["comment"] for event in history)


def test_a_co_broker_who_becomes_lead_adds_the_old_leads_share_to_their_own(
    api, deal, broker, co_broker, supervisor
):
    api(supervisor).put(
        f"/api/v1/deals/{deal.pk}/brokers/",
        [{"user": broker.pk, "share": "70"}, {"user": co_broker.pk, "share": "30"}],
        format="json",
    )
    assert _reassign(api, supervisor, deal, co_broker).status_code == 200
    assert _shares(deal) == {co_broker.pk: Decimal("100.00")}


def test_a_full_broker_cannot_become_lead(api, deal, broker, org, supervisor):
    full = _profile(BrokerFactory(organisation=org), limit=1)
    _load(full, 1)
    response = _reassign(api, supervisor, deal, full)
    assert response.status_code == 409
    assert response.json()["code"] == "caseload_full"
    deal.refresh_from_db()
    assert deal.lead_broker_id == broker.pk
    assert _shares(deal) == {broker.pk: Decimal("100.00")}
    assert api(supervisor).get(f"/api/v1/deals/{deal.pk}/reassign/").json() == []


def test_only_the_deals_own_supervisor_reassigns(api, deal, broker, co_broker, other_supervisor):
    assert _reassign(api, broker, deal, co_broker).status_code == 403
    assert _reassign(api, other_supervisor, deal, co_broker).status_code == 404
    deal.refresh_from_db()
    assert deal.lead_broker_id == broker.pk


def test_another_organisations_broker_cannot_become_lead(api, deal, other_broker, supervisor):
    response = _reassign(api, supervisor, deal, other_broker)
    assert response.status_code == 400
    deal.refresh_from_db()
    assert deal.lead_broker_id != other_broker.pk


def test_a_closed_deal_keeps_its_lead(api, deal, co_broker, supervisor):
    Deal.objects.filter(pk=deal.pk).update(state=DealState.LOST)
    response = _reassign(api, supervisor, deal, co_broker)
    assert response.status_code == 409
    assert response.json()["code"] == "deal_closed"


# --- pages -------------------------------------------------------------------------------------


def _client(user):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_deal_opening_page_shows_the_suggestions_and_preselects_the_best_with_room(
    org, supervisor
):
    demand = DemandFactory(industry="2.5")
    full = _profile(
        BrokerFactory(organisation=org, display_name="满员"), specialties="海洋工程装备", limit=1
    )
    _load(full, 1)
    free = _profile(BrokerFactory(organisation=org, display_name="空闲"), specialties="高端装备")
    html = _client(supervisor).get(f"/needs/{demand.pk}/open/").content.decode()
    assert html.index("空闲") < html.index("满员")
    assert f'value="{free.pk}" checked' in html
    assert f'value="{full.pk}" disabled' in html
    assert "已满" in html and "同属" in html
    response = _client(supervisor).post(f"/needs/{demand.pk}/take/", {"lead_broker": free.pk})
    assert response.status_code == 302
    assert Deal.objects.get(demand=demand).lead_broker_id == free.pk


def test_a_broker_opens_a_deal_without_the_suggestions_page(broker):
    demand = DemandFactory()
    assert _client(broker).get(f"/needs/{demand.pk}/open/").status_code == 403


def test_the_deal_page_reassigns_the_lead_with_a_reason(deal, broker, co_broker, supervisor):
    client = _client(supervisor)
    form = f'action="/deals/{deal.pk}/reassign/"'
    assert form in client.get(f"/deals/{deal.pk}/").content.decode()
    client.post(f"/deals/{deal.pk}/reassign/", {"lead_broker": co_broker.pk, "reason": ""})
    deal.refresh_from_db()
    assert deal.lead_broker_id == broker.pk
    client.post(f"/deals/{deal.pk}/reassign/", {"lead_broker": co_broker.pk, "reason": "调岗"})
    deal.refresh_from_db()
    assert deal.lead_broker_id == co_broker.pk
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "主办经纪人变更记录" in html and "调岗" in html
    assert form not in _client(co_broker).get(f"/deals/{deal.pk}/").content.decode()
