"""Who may set a deal's brokers and shares is one rule (deals.permissions.may_set_brokers), and
every door asks it: the service, the API, the deal page and the admin. A supervisor of another
organisation gets through none of them (the service used to let any supervisor through)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.exceptions import NotAllowed
from deals import services
from deals.models import DealBroker

pytestmark = pytest.mark.django_db


def _shares(deal):  # type: ignore[no-untyped-def]
    return {(link.user_id, link.share) for link in DealBroker.objects.filter(deal=deal)}


def test_the_service_refuses_another_organisations_supervisor(deal, broker, other_supervisor):
    before = _shares(deal)
    with pytest.raises(NotAllowed):
        services.deal_set_brokers(deal=deal, actor=other_supervisor, shares=[(broker, "100")])
    assert _shares(deal) == before


def test_the_service_lets_the_deals_own_supervisor_set_shares(deal, broker, co_broker, supervisor):
    services.deal_set_brokers(
        deal=deal, actor=supervisor, shares=[(broker, "70"), (co_broker, "30")]
    )
    assert _shares(deal) == {(broker.pk, Decimal("70.00")), (co_broker.pk, Decimal("30.00"))}


@pytest.mark.parametrize(
    "body",
    [[], "nonsense", [{"user": 1, "share": "100.00"}]],
    ids=["empty", "invalid", "well-formed"],
)
def test_the_api_hides_the_deal_from_another_organisations_supervisor(
    api, deal, broker, other_supervisor, body
):
    if body and isinstance(body, list):
        body = [{"user": broker.pk, "share": "100.00"}]
    before = _shares(deal)
    response = api(other_supervisor).put(f"/api/v1/deals/{deal.pk}/brokers/", body, format="json")
    assert response.status_code == 404
    assert _shares(deal) == before


@pytest.mark.parametrize("who", ["co_broker", "finance"])
def test_the_api_refuses_who_sees_the_deal_but_may_not_set_shares_before_reading_the_body(
    api, request, deal, broker, co_broker, who
):
    DealBroker.objects.filter(deal=deal).update(share=Decimal("50.00"))
    DealBroker.objects.create(deal=deal, user=co_broker, share=Decimal("50.00"))
    before = _shares(deal)
    for body in ([], "nonsense", [{"user": broker.pk, "share": "100.00"}]):
        response = api(request.getfixturevalue(who)).put(
            f"/api/v1/deals/{deal.pk}/brokers/", body, format="json"
        )
        assert response.status_code == 403
    assert _shares(deal) == before


def test_the_page_hides_the_deal_from_another_organisations_supervisor(
    client, deal, broker, other_supervisor
):
    before = _shares(deal)
    client.force_login(other_supervisor)
    response = client.post(f"/deals/{deal.pk}/brokers/", {f"share_{broker.pk}": "100"})
    assert response.status_code == 404
    assert _shares(deal) == before


def test_the_page_offers_the_share_form_only_to_who_may_set_shares(
    client, deal, supervisor, co_broker, finance
):
    DealBroker.objects.create(deal=deal, user=co_broker, share=Decimal("0.00"))
    for user, offered in ((supervisor, True), (co_broker, False), (finance, False)):
        client.force_login(user)
        page = client.get(f"/deals/{deal.pk}/")
        assert page.status_code == 200
        assert page.context["may_share"] is offered


@pytest.mark.parametrize("who", ["other_supervisor", "admin_user"])
def test_the_admin_changes_no_shares_not_even_for_an_admin(client, request, deal, broker, who):
    user = request.getfixturevalue(who)
    user.is_staff = True
    user.save()
    link = DealBroker.objects.get(deal=deal)
    client.force_login(user)
    change = client.post(
        f"/admin/deals/dealbroker/{link.pk}/change/",
        {"deal": deal.pk, "user": broker.pk, "share": "10.00"},
    )
    add = client.post(
        "/admin/deals/dealbroker/add/", {"deal": deal.pk, "user": broker.pk, "share": "90.00"}
    )
    delete = client.post(f"/admin/deals/dealbroker/{link.pk}/delete/", {"post": "yes"})
    assert (change.status_code, add.status_code, delete.status_code) == (403, 403, 403)
    assert _shares(deal) == {(broker.pk, Decimal("100.00"))}


def test_the_admin_deal_page_has_no_editable_broker_rows(client, admin_user, deal):
    client.force_login(admin_user)
    page = client.get(f"/admin/deals/deal/{deal.pk}/change/")
    assert page.status_code == 200
    assert b'name="broker_links-0-share"' not in page.content
    assert client.post(f"/admin/deals/deal/{deal.pk}/change/", {"title": "x"}).status_code == 403
