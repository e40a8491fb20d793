"""The bell: a broker requests, the supervisor's bell shows 1; the supervisor approves, the
broker's bell shows 1 and the notifications page names the decision."""

from __future__ import annotations

import pytest

from deals.models import DealState
from tests.e2e.conftest import sign_in
from tests.factories import DealFactory
from tests.helpers import satisfy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_bell_rings_for_the_supervisor_then_for_the_broker(
    new_page, live_server, screens, broker, supervisor
):
    deal = DealFactory(lead_broker=broker, title="注塑件表面缩痕问题攻关")
    satisfy(deal, DealState.MATCHED)

    page = new_page()
    sign_in(page, live_server, "zhangwei")
    assert page.get_by_test_id("bell-count").inner_text() == "0"
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.select_option("select[name=target]", "matched")
    page.fill("textarea[name=comment]", "申请进入成果匹配")
    page.click("#transitions button[type=submit]")
    page.wait_for_load_state("domcontentloaded")

    boss = new_page()
    sign_in(boss, live_server, "chenjing")
    assert boss.get_by_test_id("bell-count").inner_text() == "1"
    boss.screenshot(path=str(screens / "bell-supervisor.png"))
    row = boss.locator("tr", has_text="注塑件表面缩痕问题攻关")
    row.locator("button", has_text="批准").click()
    boss.wait_for_load_state("domcontentloaded")

    page.goto(f"{live_server.url}/board/")
    assert page.get_by_test_id("bell-count").inner_text() == "1"
    page.click("a.bell")
    page.wait_for_url("**/notifications/")
    assert "已批准" in page.locator("table.notifications").inner_text()
    page.screenshot(path=str(screens / "notifications.png"), full_page=True)
