"""Meetings ahead, in a real browser: the broker plans a meeting on the deal page (a time that
has passed comes back at its field with the input kept), finds it on this week's list, and marks
it held in one click; the list says so where the click was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from deals.models import Activity, ActivityStatus
from tests.e2e.conftest import sign_in
from tests.factories import DealFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_broker_plans_a_meeting_sees_it_this_week_and_marks_it_held(
    new_page, live_server, screens, broker
):
    deal = DealFactory(lead_broker=broker, title="数控折弯机双缸同步精度提升")
    page = new_page()
    sign_in(page, live_server, broker.username)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")

    plan = page.locator("details#plan")
    plan.locator("summary").click()
    past = timezone.localtime() - dt.timedelta(hours=2)
    plan.locator("select[name=plan-kind]").select_option("offline_meeting")
    plan.locator("input[name=plan-occurred_at]").fill(past.strftime("%Y-%m-%dT%H:%M"))
    plan.locator("input[name=plan-location]").fill("宁波恒拓数控机床有限公司 装配车间")
    plan.locator("textarea[name=plan-participants]").fill("吴工、电气工程师；浙工大 教授")
    plan.locator("button", has_text="安排").click()
    page.wait_for_load_state("domcontentloaded")
    plan = page.locator("details#plan")
    assert plan.get_attribute("open") is not None
    field = plan.locator(".field.has-error")
    assert "已过" in field.inner_text()
    assert (
        plan.locator("input[name=plan-location]").input_value()
        == "宁波恒拓数控机床有限公司 装配车间"
    )

    ahead = timezone.localtime() + dt.timedelta(days=1)
    plan.locator("input[name=plan-occurred_at]").fill(ahead.strftime("%Y-%m-%dT%H:%M"))
    plan.locator("button", has_text="安排").click()
    page.wait_for_load_state("domcontentloaded")
    assert "已安排" in page.locator("#activities").inner_text()
    activity = Activity.objects.get(deal=deal)
    assert activity.status == ActivityStatus.PLANNED

    page.locator("nav a", has_text="本周会谈").click()
    page.wait_for_load_state("domcontentloaded")
    row = page.locator(f"tr[data-activity='{activity.pk}']")
    assert "数控折弯机双缸同步精度提升" in row.inner_text() and "明天" in row.inner_text()
    page.screenshot(path=str(screens / "meetings.png"), full_page=True)

    row.locator(f"[data-testid=held-{activity.pk}]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "为已举行" in page.locator("#week").inner_text()
    assert page.locator(f"tr[data-activity='{activity.pk}']").count() == 0
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.HELD
    # Held before the planned time: held now.
    assert activity.occurred_at <= timezone.now()
