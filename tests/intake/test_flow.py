"""Public submissions from the door to the library: submitted anonymously (JSON and form), a
reference on screen and by e-mail, triaged by the region's supervisor (accept, merge, decline),
the record in the library and the deal in the chosen broker's caseload; the status page at each
step."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from deals.models import Achievement, Deal, DealState, Demand
from intake import services
from intake.models import Submission, SubmissionStatus
from notifications.models import Notification
from records.models import Enterprise, Institution
from tests.factories import AchievementFactory, DemandFactory, OrganisationFactory
from tests.intake.conftest import CREDIT_CODE, good_achievement, good_need

pytestmark = pytest.mark.django_db

YEAR = timezone.localtime().year


def status_of(client, reference: str, email: str):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/public/status/", {"ref": reference, "email": email})


def test_an_anonymous_need_gets_a_reference_a_receipt_and_waits_outside_the_library(
    public, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = public.post("/api/v1/public/needs/", good_need(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == f"XQ-{YEAR}-000001"
    assert body["email"] == "li@yongxin.example.cn" and body["contact"] == "李工"
    assert not Demand.objects.exists() and not Enterprise.objects.exists()

    (receipt,) = mail.outbox
    assert receipt.to == ["li@yongxin.example.cn"]
    assert f"XQ-{YEAR}-000001" in receipt.subject and f"XQ-{YEAR}-000001" in receipt.body
    assert "/status/?ref=XQ-" in receipt.body

    note = Notification.objects.get(user=supervisor)
    assert note.kind == "submission_waiting" and "锂电池极片涂布厚度不均" in note.text

    status = status_of(public, body["reference"], "LI@yongxin.example.cn").json()
    assert status["status"] == "received" and status["stage"] is None


def test_references_count_per_kind_and_restart_each_year(public):
    first = public.post("/api/v1/public/needs/", good_need(), format="json").json()
    second = public.post("/api/v1/public/needs/", good_need(), format="json").json()
    other = public.post("/api/v1/public/achievements/", good_achievement(), format="json").json()
    assert [first["reference"], second["reference"], other["reference"]] == [
        f"XQ-{YEAR}-000001",
        f"XQ-{YEAR}-000002",
        f"CG-{YEAR}-000001",
    ]
    next_year = dt.datetime(YEAR + 1, 1, 1, 0, 0, 1, tzinfo=dt.UTC) + dt.timedelta(hours=-7)
    assert services.reference_next(kind="need", now=next_year) == f"XQ-{YEAR + 1}-000001"


def test_supervisor_accepts_a_need_into_the_library_and_opens_a_deal_for_a_broker(
    public, api, supervisor, broker, django_capture_on_commit_callbacks
):
    similar = DemandFactory(
        title="极片涂布面密度在线检测", description="涂布厚度不均，需要在线测厚闭环控制"
    )
    known = Enterprise.objects.create(
        name="宁波甬欣新能源有限公司（旧名）", credit_code=CREDIT_CODE
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = public.post("/api/v1/public/needs/", good_need(), format="json")
    reference = answer.json()["reference"]
    submission = Submission.objects.get(reference=reference)
    waiting = Notification.objects.get(user=supervisor, kind="submission_waiting")
    assert waiting.resolved_at is None and waiting.url == f"/triage/{submission.pk}/"

    queue = api(supervisor).get("/api/v1/submissions/", {"status": "pending"}).json()["results"]
    (row,) = queue
    assert (row["reference"], row["kind"], row["status"]) == (reference, "need", "pending")
    duplicates = {(d["type"], d["id"]) for d in row["duplicates"]}
    assert ("need", similar.pk) in duplicates and ("enterprise", known.pk) in duplicates

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(supervisor).post(
            f"/api/v1/submissions/{submission.pk}/accept/",
            {"open_deal": True, "lead_broker": broker.pk},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    demand = Demand.objects.get(pk=response.json()["demand"])
    assert demand.submitted_publicly and demand.created_by == supervisor
    assert demand.enterprise == "宁波甬欣新能源科技有限公司"
    assert demand.enterprise_record == known  # found by credit code, not created again
    assert "13900000000" in demand.contact
    deal = Deal.objects.get(demand=demand)
    assert deal.lead_broker == broker and deal.state == DealState.INTAKE
    assert deal.organisation_id == broker.organisation_id
    assert deal.pk in [d["id"] for d in api(broker).get("/api/v1/deals/").json()["results"]]

    (decision,) = mail.outbox
    assert "已受理" in decision.body and reference in decision.subject
    waiting.refresh_from_db()
    assert waiting.resolved_at is not None  # nothing waits any more
    status = status_of(public, reference, "li@yongxin.example.cn").json()
    assert (status["status"], status["stage"], status["stage_label"]) == (
        "accepted",
        "intake",
        "需求受理",
    )
    history = api(supervisor).get(f"/api/v1/submissions/{submission.pk}/history/").json()
    assert [h["actor"] for h in history] == [None, str(supervisor)]
    assert reference in history[-1]["reason"]


def test_the_status_follows_the_deal_through_its_stages(public, api, supervisor, broker):
    reference = public.post("/api/v1/public/needs/", good_need(), format="json").json()["reference"]
    submission = Submission.objects.get(reference=reference)
    services.submission_accept(
        actor=supervisor, submission=submission, open_deal=True, lead_broker_id=broker.pk
    )
    from tests.helpers import walk_to

    deal = Deal.objects.get(demand__submissions=submission)
    walk_to(deal, DealState.ONLINE_TALKS, supervisor)
    status = status_of(public, reference, "li@yongxin.example.cn").json()
    assert (status["stage"], status["stage_label"]) == ("online_talks", "线上洽谈")


def test_deciding_a_submission_twice_is_a_409(public, api, supervisor, second_supervisor):
    reference = public.post("/api/v1/public/needs/", good_need(), format="json").json()["reference"]
    pk = Submission.objects.get(reference=reference).pk
    assert (
        api(supervisor).post(f"/api/v1/submissions/{pk}/accept/", {}, format="json").status_code
        == 200
    )
    again = api(second_supervisor).post(
        f"/api/v1/submissions/{pk}/decline/", {"reason": "重复"}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    assert "陈静" in again.json()["detail"]
    assert Demand.objects.count() == 1


def test_an_achievement_from_the_page_form_is_merged_into_the_one_already_in_the_library(
    api, supervisor, django_capture_on_commit_callbacks
):
    existing = AchievementFactory(
        title="石墨烯复合散热膜", description="高导热石墨烯散热膜，卷对卷生产"
    )
    browser = Client()
    form = {**good_achievement(), "party": good_achievement()["owner"], "consent": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/achievements/submit/", form, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "感谢您的提交" in html
    reference = re.search(r"CG-\d{4}-\d{6}", html).group(0)  # type: ignore[union-attr]
    submission = Submission.objects.get(reference=reference)
    assert submission.region == "330211" and submission.consented_at is not None
    assert submission.privacy_notice

    detail = api(supervisor).get(f"/api/v1/submissions/{submission.pk}/").json()
    assert existing.pk in [d["id"] for d in detail["duplicates"] if d["type"] == "achievement"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        merged = api(supervisor).post(
            f"/api/v1/submissions/{submission.pk}/merge/", {"into": existing.pk}, format="json"
        )
    assert merged.status_code == 200 and merged.json()["status"] == "merged"
    assert merged.json()["achievement"] == existing.pk
    assert Achievement.objects.count() == 1 and not Institution.objects.exists()
    assert "已受理" in mail.outbox[0].body
    page = browser.get("/status/", {"ref": reference, "email": "zhou@nimte.example.cn"})
    assert page.status_code == 200 and "已受理" in page.content.decode()


def test_merging_into_a_record_that_does_not_exist_is_a_400_and_decides_nothing(
    public, api, supervisor
):
    public.post("/api/v1/public/needs/", good_need(), format="json")
    pk = Submission.objects.get().pk
    achievement = AchievementFactory()  # an achievement is no need to merge a need into
    response = api(supervisor).post(
        f"/api/v1/submissions/{pk}/merge/", {"into": achievement.pk + 1000}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_merge_target"
    assert Submission.objects.get().status == SubmissionStatus.PENDING


def test_an_accepted_achievement_enters_the_library_with_its_owner_record(public, api, supervisor):
    public.post("/api/v1/public/achievements/", good_achievement(), format="json")
    pk = Submission.objects.get().pk
    response = api(supervisor).post(f"/api/v1/submissions/{pk}/accept/", {}, format="json")
    assert response.status_code == 200
    achievement = Achievement.objects.get()
    assert achievement.patent_number == "ZL202310000001.2" and achievement.maturity == 6
    assert achievement.owner_record.name == "中国科学院宁波材料技术与工程研究所"
    assert achievement.submitted_publicly and achievement.region == "330211"


def test_accepting_an_achievement_whose_patent_is_in_the_library_asks_for_a_merge(
    public, api, supervisor
):
    AchievementFactory(patent_number="ZL202310000001.2")
    public.post("/api/v1/public/achievements/", good_achievement(), format="json")
    pk = Submission.objects.get().pk
    response = api(supervisor).post(f"/api/v1/submissions/{pk}/accept/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate_record"
    assert "合并" in response.json()["detail"]
    assert Submission.objects.get().status == SubmissionStatus.PENDING


def test_a_declined_submission_is_told_why_by_mail_and_on_the_status_page(
    public, api, supervisor, django_capture_on_commit_callbacks
):
    reference = public.post("/api/v1/public/needs/", good_need(), format="json").json()["reference"]
    pk = Submission.objects.get().pk
    mail.outbox.clear()
    assert (
        api(supervisor).post(f"/api/v1/submissions/{pk}/decline/", {}, format="json").status_code
        == 400
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api(supervisor).post(
            f"/api/v1/submissions/{pk}/decline/",
            {"reason": "不属于技术需求，属于设备采购。"},
            format="json",
        )
    assert response.status_code == 200 and response.json()["status"] == "declined"
    (decision,) = mail.outbox
    assert "不属于技术需求，属于设备采购。" in decision.body
    status = status_of(public, reference, "li@yongxin.example.cn").json()
    assert status["status"] == "declined" and status["reason"] == "不属于技术需求，属于设备采购。"
    assert not Demand.objects.exists()


def test_the_status_page_answers_a_wrong_email_exactly_like_an_unknown_reference(public):
    reference = public.post("/api/v1/public/needs/", good_need(), format="json").json()["reference"]
    wrong_email = status_of(public, reference, "someone@else.example")
    unknown = status_of(public, "XQ-2026-999999", "li@yongxin.example.cn")
    assert wrong_email.status_code == unknown.status_code == 404
    assert wrong_email.json() == unknown.json()
    page_wrong = Client().get("/status/", {"ref": reference, "email": "x@y.example"})
    page_unknown = Client().get("/status/", {"ref": "XQ-2026-999999", "email": "x@y.example"})
    assert page_wrong.status_code == page_unknown.status_code == 404
    assert "锂电池" not in page_wrong.content.decode()

    # Each page's CSRF token (the header's language switch) is masked anew on every response.
    def same(html: str, ref: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "TOKEN", html.replace(ref, "R"))

    assert same(page_wrong.content.decode(), reference) == same(
        page_unknown.content.decode(), "XQ-2026-999999"
    )


def test_the_public_need_form_shows_the_reference_and_the_status_page_finds_it(client):
    form = {**good_need(), "party": good_need()["enterprise"], "consent": "on"}
    response = client.post("/needs/submit/", form)
    assert response.status_code == 302 and response["Location"] == "/submitted/"
    html = client.get("/submitted/").content.decode()
    reference = Submission.objects.get().reference
    assert reference in html
    status = client.get("/status/", {"ref": reference.lower(), "email": "li@yongxin.example.cn"})
    assert status.status_code == 200 and "已收到，等待审核" in status.content.decode()
    assert not Demand.objects.exists()


# --- who triages --------------------------------------------------------------------------------


def test_a_submission_goes_to_the_organisation_whose_region_covers_it(public, org, other_org):
    province = OrganisationFactory(name="浙江省技术市场", region="330000")
    public.post("/api/v1/public/needs/", good_need(region="330211"), format="json")
    public.post("/api/v1/public/needs/", good_need(region="宁波市北仑区"), format="json")
    public.post("/api/v1/public/needs/", good_need(region="南京市玄武区"), format="json")
    routed = dict(Submission.objects.values_list("region", "organisation"))
    assert routed == {"330211": org.pk, "330206": province.pk, "320102": other_org.pk}


def test_another_regions_supervisor_can_neither_see_nor_decide_a_submission(
    public, api, supervisor, other_supervisor
):
    public.post("/api/v1/public/needs/", good_need(), format="json")
    pk = Submission.objects.get().pk
    stranger = api(other_supervisor)
    assert stranger.get("/api/v1/submissions/").json()["results"] == []
    assert stranger.get(f"/api/v1/submissions/{pk}/").status_code == 404
    for action, body in [("accept", {}), ("merge", {"into": 1}), ("decline", {"reason": "x"})]:
        assert (
            stranger.post(f"/api/v1/submissions/{pk}/{action}/", body, format="json").status_code
            == 404
        )
    signed = Client()
    signed.force_login(other_supervisor)
    assert signed.get(f"/triage/{pk}/").status_code == 404
    assert signed.post(f"/triage/{pk}/accept/").status_code == 404
    assert Submission.objects.get().status == SubmissionStatus.PENDING


def test_brokers_and_finance_have_no_triage_queue(api, broker, finance):
    assert api(broker).get("/api/v1/submissions/").status_code == 403
    assert api(finance).get("/api/v1/submissions/").status_code == 403


def test_a_submission_no_organisation_covers_waits_for_an_admin(
    public, api, supervisor, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        public.post(
            "/api/v1/public/needs/",
            good_need(region="新疆维吾尔自治区乌鲁木齐市天山区"),
            format="json",
        )
    submission = Submission.objects.get()
    assert submission.organisation is None
    assert api(supervisor).get(f"/api/v1/submissions/{submission.pk}/").status_code == 404
    assert api(admin_user).get(f"/api/v1/submissions/{submission.pk}/").status_code == 200
    assert Notification.objects.filter(user=admin_user, kind="submission_waiting").exists()


def test_the_lead_broker_must_belong_to_the_routed_organisation(
    public, api, supervisor, other_broker
):
    public.post("/api/v1/public/needs/", good_need(), format="json")
    pk = Submission.objects.get().pk
    response = api(supervisor).post(
        f"/api/v1/submissions/{pk}/accept/",
        {"open_deal": True, "lead_broker": other_broker.pk},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_lead_broker"
    missing = api(supervisor).post(
        f"/api/v1/submissions/{pk}/accept/", {"open_deal": True}, format="json"
    )
    assert missing.status_code == 400 and missing.json()["code"] == "lead_broker_required"
    assert not Demand.objects.exists() and not Deal.objects.exists()


def test_the_triage_pages_let_a_supervisor_accept_with_a_deal(public, supervisor, broker):
    public.post("/api/v1/public/needs/", good_need(), format="json")
    pk = Submission.objects.get().pk
    client = Client()
    client.force_login(supervisor)
    queue = client.get("/triage/").content.decode()
    assert "锂电池极片涂布厚度不均" in queue and f"/triage/{pk}/" in queue
    detail = client.get(f"/triage/{pk}/").content.decode()
    assert "可能重复" in detail and str(broker) in detail
    response = client.post(
        f"/triage/{pk}/accept/", {"open_deal": "on", "lead_broker": str(broker.pk)}, follow=True
    )
    assert "已受理并录入库中" in response.content.decode()
    assert Deal.objects.get().lead_broker == broker
    again = client.post(f"/triage/{pk}/decline/", {"reason": "x"}, follow=True)
    assert "不能再次处理" in again.content.decode()


def test_a_lost_receipt_is_sent_by_the_sweep_once(public, monkeypatch):
    from intake import services as intake_services

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(intake_services, "send_mail", down)
    public.post("/api/v1/public/needs/", good_need(), format="json")
    submission = Submission.objects.get()
    assert submission.receipt_sent_at is None
    monkeypatch.undo()
    mail.outbox.clear()
    later = dt.timedelta(minutes=0)
    assert intake_services.submissions_sweep_mail(older_than=later) == 1
    assert intake_services.submissions_sweep_mail(older_than=later) == 0
    assert len(mail.outbox) == 1
