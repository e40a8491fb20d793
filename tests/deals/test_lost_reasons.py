"""Closing a deal as lost names one of the configured reasons (settings.LOST_REASONS), with
words when the reason is 其他: asked, stored on the deal, filtered on, shown on its page."""

from __future__ import annotations

import pytest
from django.test import Client

from deals.models import Deal, DealState, RequestStatus
from tests.factories import DealFactory
from tests.helpers import move

pytestmark = pytest.mark.django_db


def ask_to_close(client, deal: Deal, **body):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/deals/{deal.pk}/transition-requests/",
        {"target": DealState.LOST, **body},
        format="json",
    )


def close(deal: Deal, supervisor, code: str, comment: str = "") -> Deal:  # type: ignore[no-untyped-def]
    from deals import services

    request = services.deal_request_transition(
        deal=deal,
        actor=deal.lead_broker,
        target=DealState.LOST,
        comment=comment,
        lost_reason_code=code,
    )
    services.request_approve(request_id=request.pk, actor=supervisor)
    deal.refresh_from_db()
    return deal


def test_closing_without_a_reason_code_is_400_listing_the_codes(api, deal, broker):
    response = ask_to_close(api(broker), deal, comment="企业不做了")
    assert response.status_code == 400
    assert response.json()["code"] == "lost_reason_required"
    choices = " ".join(response.json()["blockers"])
    assert "no_budget" in choices and "预算不足" in choices
    assert not deal.transition_requests.exists()


@pytest.mark.parametrize("code", ["budget!", "其他", "OTHER", "x" * 41])
def test_an_unknown_reason_code_is_400(api, deal, broker, code):
    response = ask_to_close(api(broker), deal, lost_reason_code=code, comment="说明")
    assert response.status_code == 400
    assert not deal.transition_requests.exists()


def test_a_listed_reason_needs_no_words_but_other_does(api, deal, broker):
    refused = ask_to_close(api(broker), deal, lost_reason_code="other", comment="   ")
    assert refused.status_code == 400 and refused.json()["code"] == "comment_required"
    created = ask_to_close(api(broker), deal, lost_reason_code="no_budget")
    assert created.status_code == 201, created.json()
    assert created.json()["lost_reason_code"] == "no_budget"
    assert created.json()["lost_reason_label"] == "预算不足"


def test_approving_stores_the_code_and_keeps_the_words_on_the_deal(api, deal, broker, supervisor):
    created = ask_to_close(
        api(broker), deal, lost_reason_code="price_disagreement", comment="报价差三成"
    ).json()
    api(supervisor).post(f"/api/v1/transition-requests/{created['id']}/approve/")
    body = api(broker).get(f"/api/v1/deals/{deal.pk}/").json()
    assert body["state"] == "lost"
    assert body["lost_reason_code"] == "price_disagreement"
    assert body["lost_reason_label"] == "价格谈不拢"
    assert body["lost_reason"] == "报价差三成"


def test_a_reason_without_words_keeps_its_label_as_the_text(deal, supervisor):
    deal = close(deal, supervisor, "other_channel")
    assert (deal.lost_reason_code, deal.lost_reason) == ("other_channel", "转向其他渠道")


def test_a_code_sent_with_a_forward_move_is_ignored(api, deal, broker, supervisor):
    from tests.helpers import satisfy

    satisfy(deal, DealState.MATCHED)
    created = api(broker).post(
        f"/api/v1/deals/{deal.pk}/transition-requests/",
        {"target": "matched", "lost_reason_code": "no_budget"},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["lost_reason_code"] == ""


def test_the_deals_api_filters_by_reason_code(api, broker, supervisor):
    budget = close(DealFactory(lead_broker=broker, title="缺预算"), supervisor, "no_budget")
    close(DealFactory(lead_broker=broker, title="走别的渠道"), supervisor, "other_channel")
    DealFactory(lead_broker=broker, title="还在办")
    body = api(broker).get("/api/v1/deals/?lost_reason=no_budget").json()
    assert [d["id"] for d in body["results"]] == [budget.pk]
    assert api(broker).get("/api/v1/deals/").json()["count"] == 3


def test_an_unknown_reason_filter_is_400(api, broker):
    response = api(broker).get("/api/v1/deals/?lost_reason=nonsense")
    assert response.status_code == 400


def test_the_board_table_filters_by_reason_and_offers_every_label(broker, supervisor):
    close(DealFactory(lead_broker=broker, title="缺预算的项目"), supervisor, "no_budget")
    close(DealFactory(lead_broker=broker, title="渠道变了的项目"), supervisor, "other_channel")
    client = Client()
    client.force_login(broker)
    html = client.get("/board/?view=table&lost_reason=no_budget").content.decode()
    assert "缺预算的项目" in html and "渠道变了的项目" not in html
    assert '<option value="no_budget" selected>' in html
    for label in ("企业需求取消", "预算不足", "技术不匹配", "价格谈不拢", "转向其他渠道", "其他"):
        assert label in html
    # An unknown code filters nothing rather than failing.
    everything = client.get("/board/?view=table&lost_reason=%3Cx%3E").content.decode()
    assert "缺预算的项目" in everything and "渠道变了的项目" in everything


def test_the_deal_page_shows_the_reason_label_and_the_words(broker, supervisor):
    deal = close(
        DealFactory(lead_broker=broker), supervisor, "technology_mismatch", "工艺温度达不到"
    )
    client = Client()
    client.force_login(broker)
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    panel = html.split('data-testid="lost-reason"')[1].split("</div>")[0]
    assert "技术不匹配" in panel and "工艺温度达不到" in panel


def test_the_deal_page_asks_for_a_reason_and_passes_it_on(broker):
    deal = DealFactory(lead_broker=broker)
    client = Client()
    client.force_login(broker)
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'name="lost_reason_code"' in html and "价格谈不拢" in html
    client.post(
        f"/deals/{deal.pk}/request/",
        {"target": "lost", "lost_reason_code": "demand_cancelled", "comment": ""},
    )
    request = deal.transition_requests.get()
    assert request.status == RequestStatus.PENDING
    assert request.lost_reason_code == "demand_cancelled"


def test_the_deal_page_refuses_a_close_without_a_reason(broker):
    deal = DealFactory(lead_broker=broker)
    client = Client()
    client.force_login(broker)
    response = client.post(
        f"/deals/{deal.pk}/request/", {"target": "lost", "comment": "企业不做了"}, follow=True
    )
    assert "终止原因" in response.content.decode()
    assert not deal.transition_requests.exists()


def test_older_deals_closed_before_the_list_keep_their_words(deal, supervisor):
    deal = move(deal, DealState.LOST, supervisor, comment="企业转产")
    Deal.objects.filter(pk=deal.pk).update(lost_reason_code="")
    client = Client()
    client.force_login(deal.lead_broker)
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "企业转产" in html.split('data-testid="lost-reason"')[1].split("</div>")[0]
