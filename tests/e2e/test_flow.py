"""The day's main path in a real browser: a broker asks to move a deal, a supervisor approves."""

from __future__ import annotations

import pytest

from deals.models import DealState, RequestStatus, TransitionRequest
from tests.e2e.conftest import sign_in
from tests.factories import DealFactory
from tests.helpers import satisfy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_broker_requests_a_move_and_supervisor_approves_it_in_the_browser(
    new_page, live_server, screens, broker, supervisor, other_broker
):
    deal = DealFactory(lead_broker=broker, title="注塑件表面缩痕问题攻关")
    satisfy(deal, DealState.MATCHED)  # a candidate achievement is linked
    DealFactory(lead_broker=other_broker, title="外机构的项目")

    page = new_page()
    sign_in(page, live_server, "zhangwei")
    assert page.locator("h1").first.inner_text() == "我的项目看板"
    assert page.locator(".card", has_text="注塑件表面缩痕问题攻关").count() == 1
    assert page.locator(".card", has_text="外机构的项目").count() == 0
    page.screenshot(path=str(screens / "1-board.png"), full_page=True)

    page.click(".card >> text=注塑件表面缩痕问题攻关")
    page.wait_for_url(f"**/deals/{deal.pk}/")
    assert "需求受理" in page.locator(".page-head").inner_text()
    page.screenshot(path=str(screens / "2-deal.png"), full_page=True)

    page.select_option("select[name=target]", "matched")
    page.fill("textarea[name=comment]", "已选定随形冷却成果，申请进入成果匹配")
    page.click("#transitions button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "申请已提交" in page.locator("#transitions .messages").inner_text()
    assert page.locator(".pending-box").is_visible()
    page.screenshot(path=str(screens / "3-requested.png"), full_page=True)
    request = TransitionRequest.objects.get(deal=deal)
    assert request.status == RequestStatus.PENDING

    boss = new_page()
    sign_in(boss, live_server, "chenjing")
    assert boss.locator("h1").first.inner_text() == "审批队列"
    row = boss.locator("tr", has_text="注塑件表面缩痕问题攻关")
    assert row.count() == 1
    boss.screenshot(path=str(screens / "4-queue.png"), full_page=True)
    row.locator("input[name=comment]").fill("同意")
    row.locator("button", has_text="批准").click()
    boss.wait_for_load_state("domcontentloaded")
    assert "已批准" in boss.locator(".messages").inner_text()
    boss.screenshot(path=str(screens / "5-approved.png"), full_page=True)

    deal.refresh_from_db()
    assert deal.state == DealState.MATCHED
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.decided_by == supervisor

    # What each of them sees afterwards: the request left the supervisor's queue; the broker's
    # deal page shows the new stage, no pending request, and the approval in the history.
    assert boss.locator("tr", has_text="注塑件表面缩痕问题攻关").count() == 0
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    assert "成果匹配" in page.locator(".page-head .badge").first.inner_text()
    assert page.locator(".pipeline li.current").inner_text() == "成果匹配"
    assert page.locator(".pending-box").count() == 0
    approval = page.locator("#history li", has_text="批准")
    assert approval.count() == 1
    assert "陈静" in approval.inner_text() and "同意" in approval.inner_text()
    page.screenshot(path=str(screens / "6-broker-after.png"), full_page=True)


def test_another_organisations_broker_gets_the_not_found_page(
    new_page, live_server, screens, broker, other_broker
):
    deal = DealFactory(lead_broker=broker, title="镇海的项目")
    page = new_page()
    sign_in(page, live_server, "wangfang")
    response = page.goto(f"{live_server.url}/deals/{deal.pk}/")
    assert response is not None and response.status == 404
    assert page.locator("h1").first.inner_text() == "未找到"
    assert "页面不存在，或您无权查看。" in page.locator(".panel").inner_text()
    assert "镇海的项目" not in page.content()
    page.screenshot(path=str(screens / "404.png"))
    # Their own board does not list it either.
    page.goto(f"{live_server.url}/board/")
    assert page.locator(".card", has_text="镇海的项目").count() == 0
