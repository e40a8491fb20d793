"""In a real browser: a supervisor opens a deal with the suggested lead; the same need opened by
another organisation shows the double-brokering banner on both deal pages; a broker's bad need
form keeps the input with the errors next to the fields; a spreadsheet imported from the page
shows its progress live (the static script polls the jobs API) and then the bad rows."""

from __future__ import annotations

import csv
import io

import pytest

from brokers.models import BrokerProfile
from deals import services
from deals.matching import services as import_services
from deals.models import Deal
from tests.e2e.conftest import sign_in
from tests.factories import BrokerFactory, DealFactory, DemandFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_suggested_lead_and_the_double_brokering_banner_on_both_sides(
    new_page, live_server, screens, org, supervisor, other_broker
):
    demand = DemandFactory(title="海上风电桩基防腐涂层", industry="2.5", region="330211")
    full = BrokerFactory(username="lina", display_name="李娜", organisation=org)
    BrokerProfile.objects.filter(user=full).update(specialties="海洋工程装备", caseload_limit=1)
    DealFactory(lead_broker=full)
    free = BrokerFactory(username="zhangwei", display_name="张伟", organisation=org)
    BrokerProfile.objects.filter(user=free).update(specialties="高端装备、新材料")

    boss = new_page()
    sign_in(boss, live_server, "chenjing")
    boss.goto(f"{live_server.url}/needs/")
    boss.locator("tr", has_text="海上风电桩基防腐涂层").locator("a", has_text="受理建项").click()
    boss.wait_for_url(f"**/needs/{demand.pk}/open/")
    items = boss.get_by_test_id("suggestion")
    assert "张伟" in items.nth(0).inner_text() and "李娜" in items.nth(1).inner_text()
    assert "已满" in items.nth(1).inner_text()
    assert boss.locator(f"input[value='{free.pk}']").is_checked()
    assert boss.locator(f"input[value='{full.pk}']").is_disabled()
    boss.screenshot(path=str(screens / "assign-1-suggestions.png"), full_page=True)
    boss.get_by_role("button", name="确认并建立项目").click()
    boss.wait_for_url("**/deals/*/")
    mine = Deal.objects.get(demand=demand)
    assert mine.lead_broker_id == free.pk

    theirs = services.deal_create(actor=other_broker, demand=demand)
    boss.reload()
    banner = boss.get_by_test_id("conflict-banner")
    assert "同一需求" in banner.inner_text()
    assert theirs.organisation.name in banner.inner_text()
    banner.locator("summary").click()
    boss.screenshot(path=str(screens / "assign-2-conflict.png"), full_page=False)

    stranger = new_page()
    sign_in(stranger, live_server, other_broker.username)
    stranger.goto(f"{live_server.url}/deals/{theirs.pk}/")
    text = stranger.get_by_test_id("conflict-banner").inner_text()
    assert org.name in text and mine.title in text
    assert stranger.locator(f"a[href='/deals/{mine.pk}/']").count() == 0


def _csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["成果名称", "成果简介", "权利人", "专利号", "技术成熟度"])
    writer.writerow(
        ["光伏清扫机器人", "无水清扫光伏组件积灰", "西安理工大学", "ZL202210000001.1", "7"]
    )
    writer.writerow(["", "缺名称的一行", "某大学", "", ""])
    writer.writerow(["成熟度超界", "成熟度 12", "某大学", "", "12"])
    return buffer.getvalue().encode("utf-8-sig")


def test_the_library_pages_keep_bad_input_and_show_import_progress_live(
    new_page, live_server, screens, broker, monkeypatch, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    page = new_page()
    sign_in(page, live_server, "zhangwei")
    page.goto(f"{live_server.url}/needs/")
    page.get_by_role("link", name="录入需求").click()
    page.fill("input[name=title]", "注塑件缩痕工艺攻关")
    page.fill("input[name=enterprise]", "宁波华翔汽车零部件有限公司")
    page.fill("input[name=region]", "火星")
    page.fill("input[name=budget]", "-5")
    page.fill("textarea[name=description]", "汽车内饰件注塑后表面出现缩痕。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator(".field.has-error input[name=region]").count() == 1
    assert page.locator(".field.has-error input[name=budget]").count() == 1
    assert page.input_value("input[name=enterprise]") == "宁波华翔汽车零部件有限公司"
    page.screenshot(path=str(screens / "library-1-need-form.png"), full_page=True)

    # Hold the job back so the page opens on a pending job, then run it: the script must notice.
    monkeypatch.setattr(import_services, "enqueue_on_commit", lambda *args, **kwargs: None)
    page.goto(f"{live_server.url}/achievements/import/")
    upload = tmp_path / "成果.csv"
    upload.write_bytes(_csv())
    page.set_input_files("input[name=file]", str(upload))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url("**/imports/*/")
    box = page.locator("#import-job")
    assert box.get_attribute("data-status") == "pending"
    page.screenshot(path=str(screens / "library-2-import-pending.png"))
    job_id = int(page.url.rstrip("/").split("/")[-1])
    import_services.import_job_run(job_id=job_id)
    page.wait_for_selector("#import-job[data-status=done]")
    assert page.locator("progress.import").evaluate("bar => [bar.value, bar.max]") == [3, 3]
    rows = page.get_by_test_id("row-errors").locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").nth(0).inner_text() == "3"
    assert rows.nth(1).locator("td").nth(0).inner_text() == "4"
    page.screenshot(path=str(screens / "library-3-import-done.png"), full_page=True)
