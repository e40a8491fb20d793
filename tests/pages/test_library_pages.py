"""The needs pool and the achievement library create and edit records from the page (who may
edit is deals.permissions.may_edit_catalogue_record: another organisation's record is a 403, a
missing one a 404), errors next to their fields with the input kept, and import a spreadsheet
with a progress page (polled by a static script) that lists the bad rows."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deals import services
from deals.models import Achievement, Demand
from tests.factories import AchievementFactory

pytestmark = pytest.mark.django_db

NEED = {
    "title": "注塑件缩痕工艺攻关",
    "enterprise": "宁波华翔汽车零部件有限公司",
    "industry": "2",
    "region": "镇海区",
    "description": "汽车内饰件注塑后表面出现缩痕，希望引进随形冷却技术。",
    "budget": "500000",
    "deadline": "",
    "contact": "王经理 13800000000",
    "external_id": "",
}
ACHIEVEMENT = {
    "title": "随形冷却流道设计方法",
    "owner": "浙江大学宁波研究院",
    "kind": "patent",
    "patent_number": "ZL202110001234.5",
    "industry": "2.1",
    "maturity": "6",
    "asking_price": "300000",
    "region": "330100",
    "description": "3D 打印随形冷却水路，缩短冷却时间 30%。",
    "contact": "",
    "external_id": "",
}


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _field_block(html: str, name: str) -> str:
    """From the `.field` div that holds the input named `name` to the next field."""
    for piece in html.split('<div class="field')[1:]:
        if f'name="{name}"' in piece:
            return piece
    raise AssertionError(f"no field {name}")


def test_a_broker_enters_a_need_from_the_pool(broker):
    client = signed_in(broker)
    assert 'href="/needs/new/"' in client.get("/needs/").content.decode()
    response = client.post("/needs/new/", NEED)
    assert response.status_code == 302, response.content.decode()[:2000]
    demand = Demand.objects.get(title=NEED["title"])
    assert (demand.region, demand.industry, demand.created_by) == ("330211", "2", broker)
    assert demand.enterprise_record is not None
    assert demand.history.first().history_change_reason == "页面录入"


def test_a_bad_need_shows_each_error_next_to_its_field_and_keeps_the_input(broker):
    response = signed_in(broker).post(
        "/needs/new/", {**NEED, "title": "", "region": "火星", "budget": "很多"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    for name in ("title", "region", "budget"):
        block = _field_block(html, name)
        assert "has-error" in block and 'class="errors"' in block, name
    assert "火星" in _field_block(html, "region")
    assert NEED["enterprise"] in _field_block(html, "enterprise")
    assert NEED["description"] in html
    assert not Demand.objects.exists()


def test_the_organisation_edits_its_need_and_the_change_is_recorded(broker, co_broker):
    demand = services.demand_create(
        actor=broker,
        **{**NEED, "region": "330211", "budget": None, "deadline": None, "external_id": None},
    )
    client = signed_in(co_broker)
    form = client.get(f"/needs/{demand.pk}/edit/").content.decode()
    assert NEED["title"] in form
    response = client.post(f"/needs/{demand.pk}/edit/", {**NEED, "title": "注塑件缩痕与熔接线攻关"})
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.title == "注塑件缩痕与熔接线攻关"
    latest = demand.history.first()
    assert (latest.history_user, latest.history_change_reason) == (co_broker, "页面修改")


def test_another_organisations_need_cannot_be_edited_from_the_page(broker, other_broker):
    demand = services.demand_create(
        actor=broker,
        **{**NEED, "region": "330211", "budget": None, "deadline": None, "external_id": None},
    )
    client = signed_in(other_broker)
    assert f"/needs/{demand.pk}/edit/" not in client.get("/needs/").content.decode()
    response = client.get(f"/needs/{demand.pk}/edit/")
    assert response.status_code == 403
    assert "只能修改本机构录入的需求或成果" in response.content.decode()
    response = client.post(f"/needs/{demand.pk}/edit/", {**NEED, "title": "改掉别人的"})
    assert response.status_code == 403
    demand.refresh_from_db()
    assert demand.title == NEED["title"]
    assert client.get("/needs/999999/edit/").status_code == 404


def test_finance_enters_no_records_from_the_pages(finance):
    client = signed_in(finance)
    for url in ("/needs/new/", "/achievements/new/", "/needs/import/", "/achievements/import/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/needs/new/", NEED).status_code == 403
    assert not Demand.objects.exists()


def test_a_broker_enters_and_edits_an_achievement(broker):
    client = signed_in(broker)
    assert client.post("/achievements/new/", ACHIEVEMENT).status_code == 302
    achievement = Achievement.objects.get(patent_number=ACHIEVEMENT["patent_number"])
    assert achievement.created_by == broker and achievement.owner_record is not None
    assert f"/achievements/{achievement.pk}/edit/" in client.get("/achievements/").content.decode()
    response = client.post(
        f"/achievements/{achievement.pk}/edit/", {**ACHIEVEMENT, "asking_price": "280000"}
    )
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert str(achievement.asking_price) == "280000.00"


def test_a_taken_patent_number_is_an_error_next_to_the_field(broker):
    AchievementFactory(patent_number=ACHIEVEMENT["patent_number"])
    response = signed_in(broker).post("/achievements/new/", {**ACHIEVEMENT, "maturity": "12"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "has-error" in _field_block(html, "patent_number")
    assert "has-error" in _field_block(html, "maturity")
    assert ACHIEVEMENT["owner"] in _field_block(html, "owner")
    assert Achievement.objects.count() == 1


def test_another_organisations_achievement_is_a_403_and_a_missing_one_a_404(broker, other_broker):
    achievement = AchievementFactory(created_by=broker)
    client = signed_in(other_broker)
    assert client.get(f"/achievements/{achievement.pk}/edit/").status_code == 403
    response = client.post(f"/achievements/{achievement.pk}/edit/", {**ACHIEVEMENT})
    assert response.status_code == 403
    achievement.refresh_from_db()
    assert achievement.title != ACHIEVEMENT["title"]
    assert client.get("/achievements/999999/edit/").status_code == 404


# --- import from the page -----------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["成果名称", "成果简介", "权利人", "专利号", "技术成熟度"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def test_importing_from_the_page_shows_progress_and_the_bad_rows(
    broker, other_broker, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    content = _csv(
        [
            ["光伏清扫机器人", "无水清扫", "西安理工大学", "ZL202210000001.1", "7"],
            ["", "缺名称", "某大学", "", ""],
            ["成熟度超界", "成熟度 12", "某大学", "", "12"],
        ]
    )
    client = signed_in(broker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/achievements/import/", {"file": SimpleUploadedFile("成果.csv", content)}
        )
    assert response.status_code == 302
    job_url = response["Location"]
    assert re.fullmatch(r"/imports/\d+/", job_url)
    html = client.get(job_url).content.decode()
    job_id = job_url.strip("/").split("/")[-1]
    assert f'data-job-url="/api/v1/jobs/{job_id}/"' in html
    assert 'data-status="done"' in html
    assert '<progress class="import" data-field="bar" max="3" value="3">' in html
    errors = html[html.index('data-testid="row-errors"') :]
    assert '<td class="nowrap">3</td>' in errors and '<td class="nowrap">4</td>' in errors
    assert '<script src="/static/js/import_progress.js" defer></script>' in html
    assert "<script>" not in html  # no inline script (CSP)
    assert Achievement.objects.filter(title="光伏清扫机器人").exists()
    # What the script polls answers with the same figures.
    job = client.get(f"/api/v1/jobs/{job_id}/").json()
    assert (job["status"], job["progress"], job["total"]) == ("done", 3, 3)
    assert [e["row"] for e in job["errors"]] == [3, 4]
    assert signed_in(other_broker).get(job_url).status_code == 404


def test_a_file_without_the_required_columns_is_refused_next_to_the_file_field(broker):
    response = signed_in(broker).post(
        "/needs/import/", {"file": SimpleUploadedFile("需求.csv", "名称,描述\n甲,乙\n".encode())}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "表头缺少必填列" in _field_block(html, "file")
