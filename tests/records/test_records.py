"""Enterprises and institutions: credit codes checked (GB 32100), one record per organisation."""

from __future__ import annotations

import pytest

from common.exceptions import ValidationFailed
from records import services
from records.credit_code import check_character, normalise_credit_code
from records.models import Enterprise, Institution

# Published codes of real companies (Huawei, a Ningbo bank, a Fuzhou example from the standard).
VALID = ["91440300708461136T", "91110000802100433B", "91350100M000100Y43"]


@pytest.mark.parametrize("code", VALID)
def test_real_credit_codes_pass_the_check_digit(code):
    assert normalise_credit_code(code) == code
    assert normalise_credit_code(" " + code.lower() + " ") == code


@pytest.mark.parametrize("code", VALID)
def test_any_single_changed_character_is_caught(code):
    for position in range(17):
        for replacement in "0A":
            if code[position] == replacement:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            # A changed character may by chance keep the sum: then the check character must agree.
            if check_character(typo[:17]) == typo[17]:
                continue
            with pytest.raises(ValidationFailed, match="校验位"):
                normalise_credit_code(typo)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("9144030070846113", "18 位"),
        ("91440300708461136TX", "18 位"),
        ("9144030070846113IT", "不允许的字符"),
        ("91440300708461136Z", "不允许的字符"),
        ("<script>alert(1)</sc", "位"),
    ],
)
def test_malformed_codes_say_what_is_wrong(code, words):
    with pytest.raises(ValidationFailed, match=words):
        normalise_credit_code(code)


@pytest.mark.django_db
def test_a_known_name_or_credit_code_finds_the_record(broker):
    first = services.enterprise_find_or_create(
        actor=broker, name="华为技术有限公司", credit_code="", region="龙岗区"
    )
    assert first.region == "440307"
    same_name = services.enterprise_find_or_create(
        actor=broker, name=" 华为技术有限公司 ", credit_code="91440300708461136T"
    )
    assert same_name.pk == first.pk
    first.refresh_from_db()
    assert first.credit_code == "91440300708461136T"  # learnt from the second typing
    same_code = services.enterprise_find_or_create(
        actor=broker, name="华为", credit_code="91440300708461136t"
    )
    assert same_code.pk == first.pk
    assert Enterprise.objects.count() == 1
    assert first.history.first().history_user == broker


@pytest.mark.django_db
def test_a_known_name_with_another_credit_code_is_refused(broker):
    services.enterprise_find_or_create(actor=broker, name="甲公司", credit_code=VALID[0])
    with pytest.raises(ValidationFailed, match="不一致"):
        services.enterprise_find_or_create(actor=broker, name="甲公司", credit_code=VALID[1])


@pytest.mark.django_db
def test_bracket_styles_are_one_name(broker):
    a = services.institution_find_or_create(
        actor=broker, name="中国科学院宁波材料技术与工程研究所(筹)"
    )
    b = services.institution_find_or_create(
        actor=broker, name="中国科学院宁波材料技术与工程研究所（筹）"
    )
    assert a.pk == b.pk and Institution.objects.count() == 1


@pytest.mark.django_db
def test_bad_input_is_refused_before_anything_is_written(broker):
    for fields in (
        {"name": "", "credit_code": ""},
        {"name": "乙公司", "credit_code": "123"},
        {"name": "乙公司", "credit_code": "", "region": "朝阳区"},
    ):
        with pytest.raises(ValidationFailed):
            services.enterprise_find_or_create(actor=broker, **fields)
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_enterprises_api_finds_by_name_or_credit_code(api, broker, client):
    services.enterprise_find_or_create(
        actor=broker, name="华为技术有限公司", credit_code=VALID[0], region="440307", industry="1.1"
    )
    services.enterprise_find_or_create(actor=broker, name="宁波甬欣模塑有限公司", region="330211")
    by_name = api(broker).get("/api/v1/enterprises/?q=甬欣").json()["results"]
    assert [e["name"] for e in by_name] == ["宁波甬欣模塑有限公司"]
    assert by_name[0]["region_name"] == "宁波市镇海区"
    by_code = api(broker).get(f"/api/v1/enterprises/?q={VALID[0].lower()}").json()["results"]
    assert (
        by_code[0]["name"] == "华为技术有限公司"
        and by_code[0]["industry_label"] == "下一代信息网络产业"
    )
    assert api(broker).get("/api/v1/enterprises/?q=" + "x" * 5000).status_code == 200
    assert client.get("/api/v1/enterprises/").status_code in (401, 403)
    assert api(broker).get("/api/v1/institutions/?q=大学").status_code == 200


@pytest.mark.django_db
def test_needs_point_to_their_enterprise_and_achievements_to_their_owner(api, broker):
    body = {
        "title": "注塑件缩痕",
        "description": "缩痕。",
        "enterprise": "宁波甬欣模塑有限公司",
        "region": "镇海区",
    }
    first = api(broker).post("/api/v1/demands/", body, format="json").json()
    second = api(broker).post("/api/v1/demands/", {**body, "title": "翘曲"}, format="json").json()
    assert first["enterprise_record"] == second["enterprise_record"] is not None
    enterprise = Enterprise.objects.get()
    assert enterprise.name == "宁波甬欣模塑有限公司" and enterprise.region == "330211"
    assert enterprise.demands.count() == 2
    bad = api(broker).post("/api/v1/demands/", {**body, "region": "火星"}, format="json")
    assert bad.status_code == 400 and Enterprise.objects.count() == 1
    achievement = (
        api(broker)
        .post(
            "/api/v1/achievements/",
            {
                "title": "随形冷却",
                "description": "3D 打印水路。",
                "owner": "浙江大学",
                "kind": "patent",
            },
            format="json",
        )
        .json()
    )
    assert Institution.objects.get(pk=achievement["owner_record"]).name == "浙江大学"
