"""The expert library: creating (with a sign-in), searching by field and region, importing a
sheet, conflicts of interest, and a deal's match reviewed by invited experts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from challenges import services
from challenges.models import Expert
from tests.challenges.conftest import expert_user, make_expert
from tests.conftest import client_for
from tests.factories import DealFactory
from tests.helpers import satisfy

pytestmark = pytest.mark.django_db


def test_a_supervisor_adds_an_expert_who_then_signs_in_as_an_expert(api, supervisor):
    response = api(supervisor).post(
        "/api/v1/experts/",
        {
            "name": "周明",
            "employer": "上海交通大学",
            "title": "教授",
            "fields": ["new_materials", "高端装备制造"],
            "region": "宁波市",
            "contact": "13800000000",
            "email": "zhou@example.org",
            "conflicts": ["宁波某模具有限公司"],
            "username": "zhouming",
            "password": "pass12345",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["region"] == "330200" and body["fields"] == ["3", "2"]
    assert body["username"] == "zhouming"
    token = client_for(None).post(
        "/api/v1/auth/token/", {"username": "zhouming", "password": "pass12345"}, format="json"
    )
    assert token.status_code == 200
    me = client_for(None)
    me.credentials(HTTP_AUTHORIZATION="Token " + token.json()["token"])
    assert me.get("/api/v1/users/me/").json()["role"] == "expert"
    assert me.get("/api/v1/reviews/").json()["results"] == []
    assert me.get("/api/v1/deals/").status_code == 404
    browser = Client()
    browser.force_login(expert_user("zhouming"))
    assert browser.get("/", follow=True).redirect_chain[-1][0] == "/reviews/"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("fields", ["not-an-industry"], "bad_field"),
        ("region", "火星", "invalid"),
        ("name", "<b>周明</b>", "markup_not_allowed"),
    ],
)
def test_bad_expert_input_is_400(api, supervisor, field, value, code):
    payload = {"name": "周明", "employer": "上海交通大学", field: value}
    response = api(supervisor).post("/api/v1/experts/", payload, format="json")
    assert response.status_code == 400
    assert response.json().get("code") == code
    assert not Expert.objects.exists()


def test_only_supervisors_keep_the_library(api, broker, finance):
    for user in (broker, finance):
        response = api(user).post(
            "/api/v1/experts/", {"name": "周明", "employer": "上交大"}, format="json"
        )
        assert response.status_code == 403


def test_search_by_field_and_region(api, supervisor):
    make_expert(supervisor, "周明", "上海交通大学", fields=["2"], region="330211")
    make_expert(supervisor, "吴芳", "金属所", fields=["3"], region="330212")
    make_expert(supervisor, "郑涛", "北京科技大学", fields=["2"], region="110108")

    def names(query: dict[str, str]) -> list[str]:
        rows = api(supervisor).get("/api/v1/experts/", query).json()["results"]
        return sorted(e["name"] for e in rows)

    assert names({"field": "2"}) == ["周明", "郑涛"]
    assert names({"region": "330200"}) == ["吴芳", "周明"]  # the city covers its districts
    assert names({"field": "2", "region": "330000"}) == ["周明"]
    assert names({"q": "金属"}) == ["吴芳"]


def test_import_a_sheet_of_experts_reporting_bad_rows(api, supervisor):
    make_expert(supervisor, "周明", "上海交通大学", fields=["2"])
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "工作单位", "职称", "专业领域", "地区", "邮箱", "利益关联单位"])
    sheet.append(
        [
            "周明",
            "上海交通大学",
            "教授",
            "新材料、高端装备制造",
            "330211",
            "z@example.org",
            "某公司",
        ]
    )
    sheet.append(
        ["吴芳", "中国科学院金属研究所", "研究员", "new_materials", "宁波市", "w@example.org", ""]
    )
    sheet.append(["", "缺姓名的单位", "", "", "", "", ""])
    sheet.append(["郑涛", "北京科技大学", "", "航天", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("专家库.xlsx", buffer.getvalue())
    response = api(supervisor).post("/api/v1/experts/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["created"], body["updated"]) == (1, 1)
    assert [e["row"] for e in body["errors"]] == [4, 5]
    assert "航天" in body["errors"][1]["message"]
    zhou = Expert.objects.get(name="周明")
    assert zhou.fields == ["3", "2"] and zhou.conflicts == ["某公司"]


def test_import_refuses_a_file_that_is_not_a_sheet(api, supervisor):
    upload = SimpleUploadedFile("专家库.xlsx", b"%PDF-1.4 not a sheet")
    response = api(supervisor).post("/api/v1/experts/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert not Expert.objects.exists()


def test_an_expert_reviews_a_deals_match_and_a_conflicted_one_cannot_be_invited(
    api, supervisor, broker
):
    deal = DealFactory(lead_broker=broker)
    satisfy(deal, "matched")  # links a candidate owned by 浙江大学宁波研究院
    free = make_expert(supervisor, "周明", "上海交通大学", username="zhouming")
    conflicted = make_expert(supervisor, "钱伟", "浙江大学")
    url = f"/api/v1/deals/{deal.pk}/reviewers/"
    refused = api(supervisor).post(url, {"experts": [conflicted.pk]}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "conflict_of_interest"
    assert "成果权利人" in refused.json()["detail"]
    assert api(broker).post(url, {"experts": [free.pk]}, format="json").status_code == 403
    assert api(supervisor).post(url, {"experts": [free.pk]}, format="json").status_code == 201
    judge = client_for(expert_user("zhouming"))
    items = judge.get("/api/v1/reviews/").json()["results"]
    assert [(i["kind"], i["deal"]) for i in items] == [("deal", deal.pk)]
    bad = judge.post(
        "/api/v1/reviews/",
        {"deal": deal.pk, "scores": {"技术匹配度": 6}, "opinion": "x"},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "bad_scores"
    good = judge.post(
        "/api/v1/reviews/",
        {
            "deal": deal.pk,
            "scores": {"技术匹配度": 4, "技术成熟度": 3, "经济可行性": 5},
            "opinion": "匹配度高，建议尽快中试。",
        },
        format="json",
    )
    assert good.status_code == 201
    shown = api(broker).get(url).json()
    assert shown["reviews"][0]["opinion"] == "匹配度高，建议尽快中试。"
    events = [e["event"] for e in api(broker).get(f"/api/v1/deals/{deal.pk}/history/").json()]
    assert "expert_invited" in events and "expert_reviewed" in events
    page = Client()
    page.force_login(broker)
    assert "匹配度高，建议尽快中试。" in page.get(f"/deals/{deal.pk}/").content.decode()


def test_a_name_only_containing_a_short_word_is_no_conflict(supervisor, challenge):
    from challenges.selectors import proposal_conflict_reasons

    services.proposal_submit(
        challenge=challenge,
        institution="宁波大学",
        team="团队",
        plan="方案",
        schedule="进度",
        price="1",
        contact="联系人",
        email="x@example.org",
    )
    assert proposal_conflict_reasons(make_expert(supervisor, "甲", "大学"), challenge) == []
    assert proposal_conflict_reasons(make_expert(supervisor, "乙", "宁波 大学"), challenge)
    declared = make_expert(supervisor, "丙", "北京科技大学", conflicts=["宁波某汽车零部件有限公司"])
    reasons = proposal_conflict_reasons(declared, challenge)
    assert reasons and "需求企业" in reasons[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2030-06-30", dt.datetime(2030, 6, 30, 15, 59, 59, 999999, tzinfo=dt.UTC)),
        ("2030-06-30T17:00:00+08:00", dt.datetime(2030, 6, 30, 9, 0, tzinfo=dt.UTC)),
        ("2030-06-30T17:00:00Z", dt.datetime(2030, 6, 30, 17, 0, tzinfo=dt.UTC)),
    ],
)
def test_a_deadline_is_an_instant_and_a_bare_date_ends_the_day_in_shanghai(raw, expected):
    assert services.parse_deadline(raw) == expected


@pytest.mark.parametrize(
    "raw", ["2030-06-30T17:00:00", "2020-01-01", "2200-01-01", "明天", "", "2030-02-30"]
)
def test_a_bad_deadline_is_400(api, supervisor, demand, raw):
    response = api(supervisor).post(
        "/api/v1/challenges/",
        {
            "demand": demand.pk,
            "title": "榜单",
            "description": "描述",
            "support_amount": "500000",
            "deadline": raw,
            "criteria": [{"name": "可行性", "weight": 1}],
        },
        format="json",
    )
    assert response.status_code == 400, raw


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"panel_size": 2}, "fewer than three experts"),
        ({"criteria": []}, "no criteria"),
        ({"criteria": [{"name": "可行性", "weight": 0}]}, "a zero weight"),
        (
            {"criteria": [{"name": "可行性", "weight": 1}, {"name": "可行性", "weight": 2}]},
            "a repeated criterion",
        ),
        ({"support_amount": "0"}, "no support money"),
        ({"support_amount": "-5"}, "negative support money"),
    ],
)
def test_a_bad_challenge_is_400(api, supervisor, demand, change, why):
    payload = {
        "demand": demand.pk,
        "title": "榜单",
        "description": "描述",
        "support_amount": "500000",
        "deadline": (timezone.now() + dt.timedelta(days=3)).isoformat(),
        "criteria": [{"name": "可行性", "weight": 1}],
        **change,
    }
    assert api(supervisor).post("/api/v1/challenges/", payload, format="json").status_code == 400, (
        why
    )


def test_only_supervisors_publish(api, broker, finance, demand):
    payload = {
        "demand": demand.pk,
        "title": "榜单",
        "description": "描述",
        "support_amount": "500000",
        "deadline": "2030-01-01",
        "criteria": [{"name": "可行性", "weight": 1}],
    }
    for user in (broker, finance):
        assert api(user).post("/api/v1/challenges/", payload, format="json").status_code == 403


def test_the_library_page_marks_a_refused_filter_and_applies_the_others(supervisor, experts):
    client = Client()
    client.force_login(supervisor)
    shown = client.get("/experts/", {"q": "周明", "field": "no-such-field"})
    assert shown.status_code == 400
    html = shown.content.decode()
    start = html.index('id="expert-filters"')
    form = html[start : html.index("</form>", start)]
    marked = form.split('class="field has-error"')
    assert len(marked) == 2  # one input marked: the field of expertise
    assert 'name="field"' in marked[1].split("</div>")[0]
    assert 'value="周明"' in form  # what was typed stays
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    assert "周明" in table and "吴芳" not in table  # the valid filter still applies
    assert client.get("/experts/", {"q": "周明"}).status_code == 200
