"""A need submitted from a phone, triaged by a supervisor, followed by the submitter: the public
form at 390×844 with the cascading region picker (province → city → district, fed by the regions
API) and the consent box; the errors shown next to their fields with everything typed kept (the
picker restores the district chosen); the reference on screen; the supervisor's queue and
decision in the browser; the status page showing the deal's stage."""

from __future__ import annotations

import re

import pytest

from deals.models import Deal, DealState, Demand
from intake.models import Submission, SubmissionStatus
from tests.e2e.conftest import sign_in
from tests.factories import DemandFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_need_from_a_phone_is_triaged_into_a_deal_and_its_status_followed(
    browser, new_page, live_server, screens, supervisor, broker
):
    similar = DemandFactory(
        title="极片涂布面密度在线检测", description="锂电池涂布厚度不均，需要在线测厚"
    )
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    phone = context.new_page()
    try:
        phone.goto(f"{live_server.url}/needs/submit/")
        phone.fill("input[name=title]", "锂电池极片涂布厚度不均")
        phone.fill("input[name=party]", "宁波甬欣新能源科技有限公司")
        # The cascade: the text box became three lists, each filled from the regions API.
        assert phone.locator("input[name=region]").get_attribute("type") == "hidden"
        phone.select_option("select[data-level='0']", label="浙江省")
        phone.wait_for_selector("select[data-level='1'] option[value='330200']", state="attached")
        phone.select_option("select[data-level='1']", label="宁波市")
        phone.wait_for_selector("select[data-level='2'] option[value='330211']", state="attached")
        phone.select_option("select[data-level='2']", label="镇海区")
        assert phone.locator("input[name=region]").input_value() == "330211"
        assert "浙江省宁波市镇海区" in phone.locator(".region-chosen").inner_text()
        phone.fill(
            "textarea[name=description]",
            "涂布面密度波动超过 3%，希望引进在线测厚与闭环控制技术。<b>急</b>",
        )
        phone.fill("input[name=contact]", "李工")
        phone.fill("input[name=phone]", "1390000")
        phone.fill("input[name=email]", "li@yongxin.example.cn")
        phone.click("form:not(.lang-switch) button[type=submit]")
        phone.wait_for_load_state("domcontentloaded")

        # Both mistakes at once, next to their fields; everything typed is still there.
        assert "有 2 处需要修改" in phone.locator(".errorlist.nonfield").inner_text()
        assert "不像电话号码" in phone.locator(".field.has-error", has_text="联系电话").inner_text()
        assert "勾选同意" in phone.locator(".field.has-error", has_text="个人信息").inner_text()
        assert phone.locator("input[name=party]").input_value() == "宁波甬欣新能源科技有限公司"
        phone.wait_for_selector("select[data-level='2'] option[value='330211']", state="attached")
        assert phone.locator("select[data-level='2']").input_value() == "330211"
        phone.screenshot(path=str(screens / "intake-1-phone-errors.png"), full_page=True)
        assert not Submission.objects.exists()

        phone.fill("input[name=phone]", "13900000000")
        phone.check("input[name=consent]")
        phone.click("form:not(.lang-switch) button[type=submit]")
        phone.wait_for_load_state("domcontentloaded")
        reference = phone.locator("[data-testid=reference]").inner_text()
        assert re.fullmatch(r"XQ-\d{4}-\d{6}", reference)
        phone.screenshot(path=str(screens / "intake-2-phone-reference.png"), full_page=True)
        submission = Submission.objects.get(reference=reference)
        assert submission.region == "330211" and not Demand.objects.exclude(pk=similar.pk).exists()

        # The supervisor triages it: the likely duplicate is shown, a deal opened for the broker.
        boss = new_page()
        sign_in(boss, live_server, "chenjing")
        boss.goto(f"{live_server.url}/triage/")
        boss.click(f"text={reference}")
        boss.wait_for_load_state("domcontentloaded")
        assert "极片涂布面密度在线检测" in boss.locator("#duplicates").inner_text()
        assert "<b>急</b>" in boss.locator("[data-testid=description]").inner_text()
        boss.screenshot(path=str(screens / "intake-3-triage.png"), full_page=True)
        boss.check("#open_deal")
        boss.select_option("#lead_broker", value=str(broker.pk))
        boss.click("#accept button[type=submit]")
        boss.wait_for_load_state("domcontentloaded")
        assert "已受理并录入库中" in boss.locator(".messages").inner_text()
        assert boss.locator("[data-testid=submission-status]").inner_text() == "已受理"
        boss.screenshot(path=str(screens / "intake-4-accepted.png"), full_page=True)
        submission.refresh_from_db()
        assert submission.status == SubmissionStatus.ACCEPTED
        deal = Deal.objects.get(demand=submission.demand)
        assert deal.lead_broker == broker and deal.state == DealState.INTAKE

        # Back on the phone: the status page shows the stage the deal has reached.
        phone.click("text=查询处理进度")
        phone.wait_for_load_state("domcontentloaded")
        assert phone.locator("input[name=ref]").input_value() == reference
        phone.fill("input[name=email]", "li@yongxin.example.cn")
        phone.click("form:not(.lang-switch) button[type=submit]")
        phone.wait_for_load_state("domcontentloaded")
        facts = phone.locator("[data-testid=status]").inner_text()
        assert "已受理" in facts and "需求受理" in facts
        phone.screenshot(path=str(screens / "intake-5-phone-status.png"), full_page=True)
    finally:
        context.close()
