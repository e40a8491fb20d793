"""The supervisor dashboard in a real Chromium: every chart drawn by ECharts (an SVG with marks,
not an empty box), each beside its table. Needs the charting library that `make install`
puts in node_modules (npm ci): without it this test fails and says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from deals.models import Deal, DealState, RequestStatus, TransitionRequest, days_between
from rewards.models import Reward, RewardPolicy, RewardShare, RewardStatus
from tests.e2e.conftest import sign_in
from tests.factories import DealFactory
from tests.helpers import FORWARD
from tests.stats.conftest import at, figures  # noqa: F401 -- the hand-counted fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ECHARTS = Path(settings.BASE_DIR) / "node_modules" / "echarts" / "dist" / "echarts.min.js"
PERIOD = "from=2026-01-01&to=2026-06-30"


def _busy_pipeline(broker, co_broker, supervisor, finance) -> None:  # type: ignore[no-untyped-def]
    """Deals in every stage, walked there by approved moves over the spring, some lost with
    reasons, rewards computed, approved and paid with their shares."""
    stages = [DealState.INTAKE] * 6 + [DealState.MATCHED] * 5 + [DealState.ONLINE_TALKS] * 4
    stages += [DealState.OFFLINE_MEETING] * 3 + [DealState.AGREEMENT] * 2
    reasons = ["企业转产，需求取消", "价格谈不拢", "价格谈不拢", "技术不成熟", "价格谈不拢"]
    policy = RewardPolicy.objects.get()
    for i, state in enumerate(stages + [DealState.LOST] * len(reasons)):
        lead = broker if i % 2 else co_broker
        deal = DealFactory(lead_broker=lead)
        created = at(2026, 1 + i % 4, 1 + i, 10)
        if state == DealState.LOST:
            path = [*FORWARD[1 : 1 + i % 3], DealState.LOST]
        else:
            path = FORWARD[1 : FORWARD.index(state) + 1]
        moment = created
        source = DealState.INTAKE
        for step, target in enumerate(path):
            entered = moment
            moment = moment + dt.timedelta(days=3 + (i * 7 + step * 5) % 11, hours=i % 5)
            TransitionRequest.objects.create(
                deal=deal,
                organisation_id=deal.organisation_id,
                from_state=source,
                target=target,
                requested_by=lead,
                status=RequestStatus.APPROVED,
                decided_by=supervisor,
                decided_at=moment,
                days_in_stage=days_between(entered, moment),
            )
            source = target
        Deal.objects.filter(pk=deal.pk).update(
            created_at=created,
            state=state,
            state_entered_at=moment,
            due_at=moment + dt.timedelta(days=10 if i % 3 else 400),
            lost_reason=reasons[i - len(stages)] if state == DealState.LOST else "",
        )
    for n, status in enumerate([RewardStatus.CALCULATED, RewardStatus.APPROVED]):
        deal = DealFactory(lead_broker=broker)
        reward = Reward.objects.create(
            deal=deal,
            policy=policy,
            status=status,
            region="330211",
            registered_on=dt.date(2026, 5, 10 + n),
            year=2026,
            amount=Decimal("37500.00") * (n + 1),
            computed_at=at(2026, 5, 10 + n, 9),
            approved_by=finance if status == RewardStatus.APPROVED else None,
        )
        RewardShare.objects.create(
            reward=reward,
            user=broker,
            share=60,
            is_lead=True,
            allocated=reward.amount * Decimal("0.6"),
            amount=reward.amount * Decimal("0.6"),
        )
        RewardShare.objects.create(
            reward=reward,
            user=co_broker,
            share=40,
            allocated=reward.amount * Decimal("0.4"),
            amount=reward.amount * Decimal("0.4"),
        )
    for reward in Reward.objects.filter(status=RewardStatus.PAID):
        RewardShare.objects.create(
            reward=reward,
            user=reward.deal.lead_broker,
            share=100,
            is_lead=True,
            allocated=reward.amount,
            amount=reward.amount,
        )


def test_the_dashboard_draws_every_chart_beside_its_table(
    new_page,
    live_server,
    screens,
    supervisor,
    finance,
    broker,
    co_broker,
    figures,  # noqa: F811
):
    if not ECHARTS.exists():
        pytest.fail(
            f"{ECHARTS} is missing: run `make install` (npm ci installs Apache ECharts from "
            "package-lock.json) before the browser tests."
        )
    _busy_pipeline(broker, co_broker, supervisor, finance)
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    sign_in(page, live_server, supervisor.username)
    page.goto(f"{live_server.url}/dashboard/?{PERIOD}")
    assert page.locator("h1").inner_text() == "主管看板"
    charts = page.locator("[data-chart]")
    assert charts.count() == 10
    page.wait_for_selector("[data-chart][data-state=drawn]")
    for i in range(charts.count()):
        chart = charts.nth(i)
        key = chart.get_attribute("data-chart")
        assert chart.get_attribute("data-state") == "drawn", key
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200, key
        # Drawn, not blank: the SVG holds shapes (bars, slices, lines), not only axes.
        assert chart.locator("svg path").count() > 3, key
        assert page.locator(f"#table-{key}").is_visible(), key
    assert page.locator("#chart-status").is_hidden()
    funnel = page.locator('[data-chart="funnel"] svg').inner_html()
    assert "需求受理" in funnel and "登记/交易完成" in funnel
    assert "价格谈不拢" in page.locator('[data-chart="lost_reasons"] svg').inner_html()
    assert not errors, errors
    page.screenshot(path=str(screens / "dashboard.png"), full_page=True)
    page.evaluate("document.getElementById('finance').scrollIntoView({block: 'start'})")
    page.screenshot(path=str(screens / "dashboard-finance.png"), full_page=False)

    page.goto(f"{live_server.url}/stats/?from=2026-03-01&to=2026-04-30")
    assert "4,034,568.44" in page.locator("#figures").inner_text()
    page.screenshot(path=str(screens / "stats.png"), full_page=True)
