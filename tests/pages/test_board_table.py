"""The board's counters lead to the deals they count, its table sorts by a column, and every page
has a skip link and an icon."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from deals.models import DealState
from deals.services import deal_request_transition
from tests.factories import DealFactory
from tests.helpers import satisfy

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _titles(response):
    return [deal.title for deal in response.context["page"].object_list]


def test_the_counters_are_links_to_the_deals_they_count(broker, supervisor):
    waiting = DealFactory(lead_broker=broker, title="待审批的项目")
    DealFactory(lead_broker=broker, title="平静的项目")
    satisfy(waiting, DealState.MATCHED)
    deal_request_transition(deal=waiting, actor=broker, target=DealState.MATCHED)
    client = _client(supervisor)

    board = client.get("/board/").content.decode()
    assert 'href="?view=table&amp;pending=1" data-testid="count-pending"' in board
    assert 'href="?view=table&amp;overdue=1" data-testid="count-overdue"' in board

    assert _titles(client.get("/board/?view=table&pending=1")) == ["待审批的项目"]
    assert sorted(_titles(client.get("/board/?view=table"))) == ["平静的项目", "待审批的项目"]


def test_the_table_sorts_by_a_column_and_its_header_reverses_the_order(broker):
    for title in ["乙项目", "甲项目", "丙项目"]:
        DealFactory(lead_broker=broker, title=title)
    client = _client(broker)

    ascending = client.get("/board/?view=table&sort=title")
    assert _titles(ascending) == sorted(["乙项目", "甲项目", "丙项目"])
    header = ascending.context["headers"]["title"]
    assert (
        header["arrow"] == "↑"
        and "sort=-title" in header["href"]
        and "view=table" in header["href"]
    )

    descending = client.get("/board/?view=table&sort=-title")
    assert _titles(descending) == sorted(["乙项目", "甲项目", "丙项目"], reverse=True)
    assert "sort=title" in descending.context["headers"]["title"]["href"]


@pytest.mark.parametrize("sort", ["password", "-lead_broker__password", "title;drop", "--title"])
def test_an_unknown_sort_column_falls_back_to_the_deadline_order(broker, sort):
    DealFactory(lead_broker=broker)
    response = _client(broker).get("/board/", {"view": "table", "sort": sort})
    assert response.status_code == 200
    assert all(h["arrow"] == "" for h in response.context["headers"].values())


def test_every_page_has_a_skip_link_to_its_content_and_an_icon(broker):
    html = _client(broker).get("/board/").content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert 'rel="icon"' in html and "favicon.svg" in html
    assert finders.find("img/favicon.svg")
