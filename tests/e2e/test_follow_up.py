"""After the signature, in a real browser: the lead broker records implementation milestones on
the deal page (a refused date comes back with its error next to the field and what was typed),
and the supervisor finds the deal on the follow-up list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contracts.models import Contract
from followup.models import Milestone
from tests.e2e.conftest import sign_in
from tests.factories import DealFactory
from tests.factories_contracts import register_deal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_broker_records_milestones_and_the_supervisor_sees_the_late_one(
    new_page, live_server, screens, broker, supervisor
):
    deal = register_deal(DealFactory(lead_broker=broker, title="随形冷却专利转让"), supervisor)
    today = timezone.localdate()
    # The contract was signed a month ago (the walk above signs it today): set only that date.
    signed = today - dt.timedelta(days=30)
    Contract.objects.filter(deal=deal).update(signed_on=signed)
    delivered, planned = signed + dt.timedelta(days=5), signed + dt.timedelta(days=20)

    page = new_page()
    sign_in(page, live_server, broker.username)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    panel = page.locator("#follow-up")
    assert "实施跟踪" in panel.locator("h2").inner_text()

    row = panel.locator("details", has_text="填写“技术资料交付”")
    row.locator("summary").click()
    row.locator("input[name=planned_on]").fill(signed.isoformat())
    row.locator("input[name=actual_on]").fill(delivered.isoformat())
    row.locator("input[name=note]").fill("图纸与工艺文件 3 套")
    row.locator("button", has_text="保存里程碑").click()
    page.wait_for_load_state("domcontentloaded")
    assert "里程碑已保存" in page.locator(".messages").inner_text()

    # An acceptance "done" tomorrow is refused: the error sits at the field, the input is kept.
    row = page.locator("#follow-up details", has_text="填写“验收”")
    row.locator("summary").click()
    row.locator("input[name=planned_on]").fill(planned.isoformat())
    row.locator("input[name=actual_on]").fill((today + dt.timedelta(days=1)).isoformat())
    row.locator("input[name=note]").fill("组织专家现场验收")
    row.locator("button", has_text="保存里程碑").click()
    page.wait_for_load_state("domcontentloaded")
    row = page.locator("#follow-up details", has_text="填写“验收”")
    assert row.get_attribute("open") is not None
    field = row.locator(".field.has-error")
    assert "还没有到" in field.inner_text()
    assert field.locator("input").input_value() == (today + dt.timedelta(days=1)).isoformat()
    assert row.locator("input[name=note]").input_value() == "组织专家现场验收"
    page.locator("#follow-up").screenshot(path=str(screens / "follow-up-error.png"))

    # Only planned, then: the acceptance is now late (its planned date has passed).
    row.locator("input[name=actual_on]").fill("")
    row.locator("button", has_text="保存里程碑").click()
    page.wait_for_load_state("domcontentloaded")
    table = page.locator("[data-testid=milestones]")
    assert delivered.isoformat() in table.locator("tr[data-kind=documents_delivered]").inner_text()
    late = table.locator("tr[data-kind=acceptance]")
    assert "超期" in late.inner_text() and "下一步" in late.inner_text()
    page.locator("#follow-up").screenshot(path=str(screens / "follow-up-milestones.png"))

    saved = {m.kind: m for m in Milestone.objects.filter(deal=deal)}
    assert saved["documents_delivered"].actual_on == delivered
    assert saved["acceptance"].planned_on == planned and saved["acceptance"].actual_on is None
    assert saved["acceptance"].history.first().history_user == broker

    boss = new_page()
    sign_in(boss, live_server, supervisor.username)
    boss.goto(f"{live_server.url}/follow-up/")
    line = boss.locator(f"tr[data-deal='{deal.pk}']")
    assert "验收" in line.inner_text() and "已超期" in line.inner_text()
    boss.screenshot(path=str(screens / "follow-up-list.png"), full_page=True)
