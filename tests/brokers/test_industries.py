"""The industry catalogue (战略性新兴产业分类 2018): shape, codes, labels, the API."""

from __future__ import annotations

import pytest

from brokers import industries
from common.exceptions import ValidationFailed
from tests.factories import DemandFactory


def test_the_catalogue_has_nine_sectors_and_groups_nested_under_them():
    table = industries.industry_all()
    sectors = [i for i in table if "." not in i.code]
    assert [s.code for s in sectors] == [str(n) for n in range(1, 10)]
    codes = [i.code for i in table]
    labels = [i.label for i in table]
    assert len(set(codes)) == len(codes) and len(set(labels)) == len(labels)
    for industry in table:
        if "." in industry.code:
            sector, group = industry.code.split(".")
            assert industry.sector == sector and group.isdigit()
            # groups follow their sector and are numbered 1, 2, … without gaps
            previous = codes[codes.index(industry.code) - 1]
            assert previous in (sector, f"{sector}.{int(group) - 1}")
    assert all(len(i.code) <= 30 for i in table)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("2.5", "2.5"),
        ("海洋工程装备产业", "2.5"),
        ("生物医学工程产业", "4.2"),
        ("航空装备产业", "2.2"),
        ("新能源汽车产业", "5"),
        (" 4.1 ", "4.1"),
        ("manufacturing", "2"),  # the codes used before the catalogue still import
    ],
)
def test_code_or_exact_label_resolves(typed, code):
    assert industries.resolve_industry(typed) == code


@pytest.mark.parametrize("value", ["10", "2.9", "海洋", "医疗", "<b>x</b>", "2.5 "[:-1] + "x"])
def test_unknown_industries_are_refused_with_a_message(value):
    with pytest.raises(ValidationFailed) as exc:
        industries.resolve_industry(value)
    assert "战略性新兴产业分类" in exc.value.message


@pytest.mark.django_db
def test_the_api_takes_a_label_and_answers_the_code(api, broker):
    body = {
        "title": "船用甲板机械减振",
        "description": "海工平台甲板机械振动大。",
        "enterprise": "青岛海工装备有限公司",
        "industry": "海洋工程装备产业",
        "region": "市南区",
    }
    response = api(broker).post("/api/v1/demands/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["industry"] == "2.5"
    assert response.json()["industry_label"] == "海洋工程装备产业"
    assert response.json()["region"] == "370202"
    bad = api(broker).post("/api/v1/demands/", {**body, "industry": "海洋"}, format="json")
    assert bad.status_code == 400 and "industry" in bad.json()


@pytest.mark.django_db
def test_the_industry_list_is_public(client):
    body = client.get("/api/v1/industries/").json()
    assert body[0] == {"code": "1", "name": "新一代信息技术产业", "sector": "1"}
    assert len(body) == len(industries.industry_all())


@pytest.mark.django_db
def test_lists_filter_by_industry_code(api, broker):
    DemandFactory(industry="2.5", title="海工")
    DemandFactory(industry="4.2", title="医疗器械")
    titles = [
        d["title"] for d in api(broker).get("/api/v1/demands/?industry=2.5").json()["results"]
    ]
    assert titles == ["海工"]
