"""A decision on a broker's request shows where the broker looks (the board card, the top of the
deal page) until the broker has seen it."""

import pytest
from django.test import Client

from deals.models import DealState
from deals.services import deal_request_transition, request_approve, request_reject
from tests.factories import DealFactory
from tests.helpers import satisfy

pytestmark = pytest.mark.django_db


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _decide(deal, broker, supervisor, capture, *, approve):
    satisfy(deal, DealState.MATCHED)
    with capture(execute=True):
        asked = deal_request_transition(deal=deal, actor=broker, target=DealState.MATCHED)
    with capture(execute=True):
        if approve:
            request_approve(request_id=asked.pk, actor=supervisor, comment="可以推进")
        else:
            request_reject(
                request_id=asked.pk, actor=supervisor, reason="候选成果与需求不符，请重新匹配"
            )


def test_a_rejection_shows_on_the_card_and_atop_the_deal_until_the_broker_has_seen_it(
    broker, supervisor, django_capture_on_commit_callbacks
):
    deal = DealFactory(lead_broker=broker)
    _decide(deal, broker, supervisor, django_capture_on_commit_callbacks, approve=False)
    client = _signed_in(broker)

    board = client.get("/").content.decode()
    assert "申请被驳回：成果匹配" in board

    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="decision-banner"' in page
    assert "您申请变更到“成果匹配”被驳回" in page
    assert "候选成果与需求不符，请重新匹配" in page

    # seen: gone from the deal's top and from the card (the history keeps it)
    again = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="decision-banner"' not in again
    assert "候选成果与需求不符，请重新匹配" in again  # in the history
    assert "申请被驳回" not in client.get("/").content.decode()


def test_an_approval_shows_too_and_only_to_the_broker_who_asked(
    broker, co_broker, supervisor, django_capture_on_commit_callbacks
):
    deal = DealFactory(lead_broker=broker)
    deal.broker_links.create(user=co_broker, share=0)
    _decide(deal, broker, supervisor, django_capture_on_commit_callbacks, approve=True)

    assert "申请已批准：成果匹配" in _signed_in(broker).get("/").content.decode()
    others = _signed_in(co_broker).get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="decision-banner"' not in others
    page = _signed_in(broker).get(f"/deals/{deal.pk}/").content.decode()
    assert "您申请变更到“成果匹配”已批准" in page


def test_the_table_view_marks_the_row_too(broker, supervisor, django_capture_on_commit_callbacks):
    deal = DealFactory(lead_broker=broker)
    _decide(deal, broker, supervisor, django_capture_on_commit_callbacks, approve=False)
    table = _signed_in(broker).get("/?view=table").content.decode()
    assert 'data-flag="decision"' in table and "申请被驳回" in table
