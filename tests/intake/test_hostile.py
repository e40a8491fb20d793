"""What strangers send to the public doors: too much, markup, NUL bytes, bad codes, unknown or
ambiguous regions, floods, bots. Never a 500, every error at once and next to its field, and
nothing reaches the library without a supervisor's triage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from deals.models import Achievement, Demand
from intake.models import Submission
from records.models import Enterprise
from tests.intake.conftest import CODE17, CREDIT_CODE, good_achievement, good_need

pytestmark = pytest.mark.django_db

NEEDS = "/api/v1/public/needs/"


@pytest.fixture(autouse=True)
def library_stays_empty():  # type: ignore[no-untyped-def]
    yield
    assert not Demand.objects.exists() and not Achievement.objects.exists()
    assert not Enterprise.objects.exists()


def page_form(**changes: object) -> dict[str, object]:
    data = {**good_need(), "party": good_need()["enterprise"], "consent": "on", **changes}
    data.pop("enterprise")
    return {k: v for k, v in data.items() if v is not None}


def test_oversized_fields_are_refused_field_by_field_and_nothing_is_stored(public):
    response = public.post(
        NEEDS,
        good_need(title="需" * 201, description="长" * 5001, contact="人" * 101),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert {"title", "description", "contact"} <= body.keys()
    assert "200" in body["title"][0] and "5000" in body["description"][0]
    assert not Submission.objects.exists()


def test_a_huge_body_is_refused_without_a_500(public):
    response = public.post(NEEDS, good_need(description="x" * 3_000_000), format="json")
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_html_and_script_are_stored_as_typed_and_shown_escaped(public, supervisor):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = public.post(
        NEEDS,
        good_need(title=f"涂布{script}", description=script, contact="<b>李工</b>"),
        format="json",
    )
    assert response.status_code == 201
    submission = Submission.objects.get()
    assert submission.title == f"涂布{script}" and submission.description == script
    signed = Client()
    signed.force_login(supervisor)
    for url in ["/triage/", f"/triage/{submission.pk}/"]:
        html = signed.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>李工" not in html
        assert "&lt;script&gt;" in html
    status = Client().get("/status/", {"ref": submission.reference, "email": submission.email})
    html = status.content.decode()
    assert "&lt;script&gt;" in html and "<script>alert" not in html


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": "a\\u0000b", "email": "a@b.cn"}',
        b'{"title": "a\x00b"}',
        b'{"contact": "\\u0000"}',
    ],
)
def test_nul_bytes_in_json_are_a_400(public, body):
    response = public.generic("POST", NEEDS, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "nul_byte"
    assert not Submission.objects.exists()


def test_nul_bytes_in_the_page_form_are_a_400():
    response = Client().post("/needs/submit/", page_form(title="a\x00b"))
    assert response.status_code == 400
    response = Client().post("/achievements/submit/", {"title": "a%00", "party": "\x00"})
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_an_invalid_credit_code_says_what_is_wrong(public):
    wrong = CODE17 + ("0" if CREDIT_CODE[-1] != "0" else "1")
    response = public.post(NEEDS, good_need(credit_code=wrong), format="json")
    assert response.status_code == 400
    assert "校验位" in response.json()["credit_code"][0]
    short = public.post(NEEDS, good_need(credit_code="12345"), format="json")
    assert "18 位" in short.json()["credit_code"][0]
    assert not Submission.objects.exists()


def test_an_unknown_region_and_an_ambiguous_one_are_explained(public):
    unknown = public.post(NEEDS, good_need(region="火星"), format="json")
    assert unknown.status_code == 400 and "无法识别地区" in unknown.json()["region"][0]
    ambiguous = public.post(NEEDS, good_need(region="朝阳区"), format="json")
    assert ambiguous.status_code == 400
    message = ambiguous.json()["region"][0]
    assert "不止一个" in message and "北京市朝阳区（110105）" in message and "长春市" in message
    bad_code = public.post(NEEDS, good_need(region="999999"), format="json")
    assert bad_code.status_code == 400 and "不存在" in bad_code.json()["region"][0]
    assert not Submission.objects.exists()


def test_an_ambiguous_region_on_the_page_lists_the_candidates_next_to_the_field():
    response = Client().post("/needs/submit/", page_form(region="朝阳区"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "北京市朝阳区（110105）" in html and 'value="朝阳区"' in html


def test_every_error_is_reported_at_once_and_what_was_typed_is_kept():
    response = Client().post(
        "/needs/submit/",
        {
            "title": "",
            "party": "宁波某企业",
            "region": "",
            "description": "描述保留",
            "budget": "abc",
            "deadline": "2020-01-01",
            "contact": "",
            "phone": "12345",
            "email": "not-an-email",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    form = response.context["form"]
    assert set(form.errors) == {
        "title",
        "region",
        "budget",
        "deadline",
        "contact",
        "phone",
        "email",
        "consent",
    }
    assert "有 8 处需要修改" in html
    assert 'value="宁波某企业"' in html and "描述保留" in html and 'value="not-an-email"' in html
    assert "已经过去" in html and "不像电话号码" in html and "勾选同意" in html


def test_dates_must_be_plausible_and_not_in_the_past(public):
    today = timezone.localdate()
    past = public.post(
        NEEDS, good_need(deadline=(today - dt.timedelta(days=1)).isoformat()), format="json"
    )
    assert past.status_code == 400 and "已经过去" in past.json()["deadline"][0]
    far = public.post(NEEDS, good_need(deadline="9999-12-31"), format="json")
    assert far.status_code == 400 and "合理范围" in far.json()["deadline"][0]
    assert (
        public.post(NEEDS, good_need(deadline=today.isoformat()), format="json").status_code == 201
    )
    Submission.objects.all().delete()


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("13900000000", True),
        ("+86 139 0000 0000", False),
        ("+8613900000000", True),
        ("0574-86888888", True),
        ("0574 86888888 转 123", True),
        ("400-820-8820", True),
        ("12345", False),
        ("call me", False),
    ],
)
def test_a_phone_number_must_look_like_one(public, phone, ok):
    response = public.post(NEEDS, good_need(phone=phone), format="json")
    assert response.status_code == (201 if ok else 400), response.content
    Submission.objects.all().delete()


def test_consent_to_the_privacy_notice_is_required_and_recorded(public):
    for consent in [False, None, "false"]:
        body = good_need(consent=consent)
        response = public.post(NEEDS, body, format="json")
        assert response.status_code == 400 and "勾选同意" in response.json()["consent"][0]
    assert not Submission.objects.exists()
    assert "个人信息保护法" in Client().get("/needs/submit/").content.decode()


@pytest.mark.parametrize(
    "body",
    [
        {"title": ["a", "b"]},
        {"title": {"x": 1}},
        {**good_need(), "budget": "NaN"},
        {**good_need(), "budget": "1e400"},
        {**good_need(), "budget": "-1"},
        {**good_need(), "budget": "99999999999999999"},
        {**good_achievement(), "maturity": "abc"},
        {**good_need(), "email": "a@b"},
        {**good_need(), "industry": "不存在的行业"},
        {**good_need(), "deadline": "2026-02-30"},
        {**good_need(), "region": 330211.5},
    ],
)
def test_malformed_values_are_400s_never_500s(public, body):
    url = NEEDS if "enterprise" in body or "owner" not in body else "/api/v1/public/achievements/"
    response = public.post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert not Submission.objects.exists()


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"{not json", b"null"])
def test_a_body_that_is_not_an_object_is_a_400(public, raw):
    response = public.generic("POST", NEEDS, raw, content_type="application/json")
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_a_flood_from_one_address_is_stopped_at_ten_an_hour_with_a_chinese_message(public, clock):
    for _i in range(10):
        assert public.post(NEEDS, good_need(), format="json").status_code == 201
    refused = public.post(NEEDS, good_need(), format="json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and "提交过于频繁" in refused.json()["detail"]
    # The page form shares the allowance and says the same, keeping what was typed.
    page = Client().post("/needs/submit/", page_form())
    assert page.status_code == 429 and "提交过于频繁" in page.content.decode()
    assert 'value="锂电池极片涂布厚度不均"' in page.content.decode()
    other = public.post(NEEDS, good_need(), format="json", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 201
    clock.advance(59 * 60)
    assert public.post(NEEDS, good_need(), format="json").status_code == 429
    clock.advance(61)
    assert public.post(NEEDS, good_need(), format="json").status_code == 201
    assert Submission.objects.count() == 12
    Submission.objects.all().delete()


def test_a_filled_honeypot_is_dropped_silently(public, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api = public.post(NEEDS, good_need(website="http://spam.example"), format="json")
        page = Client().post("/needs/submit/", page_form(website="http://spam.example"))
    assert api.status_code == 201 and api.json()["reference"].startswith("XQ-")
    # Shaped exactly like a real receipt: a bot learns nothing from the answer.
    assert set(api.json()) == {"reference", "email", "contact", "status"}
    assert page.status_code == 200 and "感谢您的提交" in page.content.decode()
    assert not Submission.objects.exists() and mail.outbox == []


def test_a_csrf_less_page_post_is_refused():
    response = Client(enforce_csrf_checks=True).post("/needs/submit/", page_form())
    assert response.status_code == 403
    assert not Submission.objects.exists()


def test_triage_input_is_checked_too(public, api, supervisor):
    public.post(NEEDS, good_need(), format="json")
    pk = Submission.objects.get().pk
    client = api(supervisor)
    assert (
        client.post(f"/api/v1/submissions/{pk}/merge/", {"into": "x"}, format="json").status_code
        == 400
    )
    assert (
        client.post(f"/api/v1/submissions/{pk}/merge/", {"into": 2**70}, format="json").status_code
        == 400
    )
    assert (
        client.post(
            f"/api/v1/submissions/{pk}/decline/", {"reason": "r" * 2001}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/api/v1/submissions/{pk}/accept/",
            {"open_deal": True, "lead_broker": -1},
            format="json",
        ).status_code
        == 400
    )
    assert client.get("/api/v1/submissions/", {"status": "bogus"}).status_code == 400
    assert client.get(f"/api/v1/submissions/{2**70}/").status_code == 404
    assert Submission.objects.get().status == "pending"


def test_a_parallel_flood_from_one_address_gets_exactly_its_allowance(clock):
    """Sixty posts at the same instant from one address: ten pass, never more (the counter is
    incremented before it is read, so no two posts both see room for one)."""
    import threading

    from django.test import RequestFactory

    from intake.api import SUBMISSION_LIMIT

    request = RequestFactory().post("/needs/submit/", REMOTE_ADDR="10.7.7.7")
    barrier = threading.Barrier(60)
    passed: list[bool] = []

    def post() -> None:
        barrier.wait()
        passed.append(SUBMISSION_LIMIT.hit(request))

    threads = [threading.Thread(target=post) for _i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert passed.count(True) == 10 and len(passed) == 60
