"""Finance's day in a real browser: the ledger, approve a reward, record its payment."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.models import RewardStatus
from rewards.services import policy_create, reward_compute
from tests.e2e.conftest import sign_in
from tests.factories import DealFactory
from tests.factories_contracts import register_deal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_finance_approves_and_pays_a_reward_in_the_browser(
    new_page, live_server, screens, admin_user, broker, supervisor, finance
):
    policy_create(
        actor=admin_user,
        name="镇海区技术经纪人奖励办法",
        region="330211",
        rate="0.015",
        cap_per_project="300000.00",
        effective_from=dt.date(2024, 1, 1),
    )
    deal = register_deal(DealFactory(lead_broker=broker, title="随形冷却专利转让"), supervisor)
    reward = reward_compute(deal_id=deal.pk)

    page = new_page()
    sign_in(page, live_server, "sunli")
    assert page.locator("h1").first.inner_text() == "经纪人奖励台账"
    row = page.locator("tr", has_text="随形冷却专利转让")
    assert "37,500.00" in row.inner_text()
    row.locator("summary", has_text="计算说明").click()
    page.screenshot(path=str(screens / "ledger.png"), full_page=True)

    row.locator("button", has_text="审核通过").click()
    page.wait_for_load_state("domcontentloaded")
    assert "已审核奖励" in page.locator(".messages").inner_text()
    row = page.locator("tr", has_text="随形冷却专利转让")
    row.locator("input[name=reference]").fill("ZH-2026-0088")
    row.locator("button", has_text="登记发放").click()
    page.wait_for_load_state("domcontentloaded")
    assert "确认发放 37,500.00 元" in page.locator("#pay-confirm").inner_text()
    page.screenshot(path=str(screens / "ledger-pay-confirm.png"), full_page=True)
    page.locator("#pay-confirm button", has_text="确认发放").click()
    page.wait_for_load_state("domcontentloaded")
    assert "已登记发放" in page.locator(".messages").inner_text()
    page.screenshot(path=str(screens / "ledger-paid.png"), full_page=True)

    reward.refresh_from_db()
    assert reward.status == RewardStatus.PAID
    assert reward.approved_by == finance and reward.payment_reference == "ZH-2026-0088"


def test_finance_filters_the_ledger_by_broker_and_sees_that_brokers_shares(
    new_page, live_server, screens, admin_user, broker, co_broker, supervisor, finance
):
    policy_create(
        actor=admin_user,
        name="镇海区技术经纪人奖励办法",
        region="330211",
        rate="0.015",
        cap_per_project="300000.00",
        effective_from=dt.date(2024, 1, 1),
    )
    mine = register_deal(DealFactory(lead_broker=broker, title="随形冷却专利转让"), supervisor)
    theirs = register_deal(DealFactory(lead_broker=co_broker, title="废水脱氮工艺许可"), supervisor)
    reward_compute(deal_id=mine.pk)
    reward_compute(deal_id=theirs.pk)

    page = new_page()
    sign_in(page, live_server, "sunli")
    assert page.locator("tr", has_text="废水脱氮工艺许可").count() == 1
    page.locator("select[name=broker]").select_option(label=str(broker))
    page.locator("button", has_text="筛选").click()
    page.wait_for_load_state("domcontentloaded")

    assert page.locator("tr", has_text="随形冷却专利转让").count() == 1
    assert page.locator("tr", has_text="废水脱氮工艺许可").count() == 0
    assert "所选经纪人的分成金额" in page.locator("#share-note").inner_text()
    assert str(broker) in page.locator("#broker-totals").inner_text()
    page.screenshot(path=str(screens / "ledger-broker-filter.png"), full_page=True)
