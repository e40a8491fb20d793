"""After the signature, in a real browser: the lead broker records implementation milestones and
the money received on the deal page (a refused date comes back with its error next to the field
and what was typed), and the supervisor finds the deal on the follow-up list, for the late
milestone only once the payment is in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contracts.models import Contract
from followup.models import Milestone
from payments.models import Payment
from tests.e2e.conftest import sign_in
from tests.factories import DealFactory
from tests.factories_contracts import register_deal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_broker_records_a_milestone_and_a_payment_and_the_supervisor_sees_what_is_late(
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
    assert "里程碑已保存" in page.locator("#follow-up .messages").inner_text()

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

    # The lump sum fell due on signing and nothing has come in: the panel says so.
    assert "2,800,000.00" in page.locator("[data-testid=overdue-instalments]").inner_text()
    payments = page.locator("#payments")
    payments.locator("summary", has_text="录入一笔到账").click()
    payments.locator("input[name=received_on]").fill(today.isoformat())
    payments.locator("input[name=amount]").fill("2800000.00")
    payments.locator("input[name=payer]").fill("宁波某汽车零部件有限公司")
    payments.locator("input[name=reference]").fill("NBZH-2026-1202-001")
    payments.locator("button", has_text="下一步：核对").click()
    page.wait_for_load_state("domcontentloaded")
    confirm = page.locator("#payment-confirm")
    assert "2,800,000.00" in confirm.inner_text()
    confirm.locator("button", has_text="确认录入").click()
    page.wait_for_load_state("domcontentloaded")
    assert "NBZH-2026-1202-001" in page.locator("[data-testid=payments]").inner_text()
    assert page.locator("#follow-up [data-testid=overdue-instalments]").count() == 0
    page.screenshot(path=str(screens / "follow-up-deal.png"), full_page=True)

    payment = Payment.objects.get(deal=deal)
    assert payment.amount == 2800000 and payment.recorded_by == broker
    saved = {m.kind: m for m in Milestone.objects.filter(deal=deal)}
    assert saved["documents_delivered"].actual_on == delivered
    assert saved["acceptance"].planned_on == planned and saved["acceptance"].actual_on is None
    assert saved["acceptance"].history.first().history_user == broker

    boss = new_page()
    sign_in(boss, live_server, supervisor.username)
    boss.goto(f"{live_server.url}/follow-up/")
    line = boss.locator(f"tr[data-deal='{deal.pk}']")
    assert "验收" in line.inner_text() and "已超期" in line.inner_text()
    assert "元" not in line.inner_text()  # paid: no instalment is late any more
    boss.screenshot(path=str(screens / "follow-up-list.png"), full_page=True)
