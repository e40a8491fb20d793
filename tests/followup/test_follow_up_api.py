"""Milestones, visits and the outcome through the API: who may, 404 across organisations, bad
input a 400 with a code (never a 500), every change in the history with who and why."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from common.workdays import TZ
from tests.followup.support import registered_deal, signed_deal

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(10), TZ), tick=False):
        yield


@pytest.fixture
def reg(broker):  # type: ignore[no-untyped-def]
    deal, _contract = registered_deal(broker)  # signed 2026-03-02, registered 2026-03-20
    return deal


def url(name: str, deal) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"api:{name}", args=[deal.pk])


def test_a_broker_of_the_deal_records_a_milestone_and_everyone_of_the_organisation_reads_it(
    api, reg, broker, supervisor, finance
):
    r = api(broker).post(
        url("deal-milestones", reg),
        {"kind": "documents_delivered", "planned_on": "2026-04-01", "actual_on": "2026-04-03"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["actual_on"] == "2026-04-03"
    for reader in (broker, supervisor, finance):
        rows = api(reader).get(url("deal-milestones", reg)).json()
        assert [m["kind"] for m in rows] == [
            "documents_delivered",
            "acceptance",
            "trial_production",
            "in_production",
        ]
        assert rows[0]["planned_on"] == "2026-04-01" and rows[1]["planned_on"] is None


def test_a_supervisor_and_an_admin_write_finance_and_a_colleague_not_on_the_deal_may_not(
    api, reg, supervisor, admin_user, finance, co_broker
):
    body = {"kind": "acceptance", "planned_on": "2026-07-01"}
    assert api(supervisor).post(url("deal-milestones", reg), body, format="json").status_code == 201
    body["note"] = "验收方案已定"
    assert api(admin_user).post(url("deal-milestones", reg), body, format="json").status_code == 200
    denied = api(finance).post(url("deal-milestones", reg), body, format="json")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    # Who may is asked before the body is read: garbage from finance is still a 403.
    assert api(finance).post(url("deal-visits", reg), {"x": 1}, format="json").status_code == 403
    assert api(finance).post(url("deal-outcome", reg), {}, format="json").status_code == 403
    # A broker of the organisation who is not on the deal does not see it at all.
    assert api(co_broker).get(url("deal-milestones", reg)).status_code == 404


@pytest.mark.parametrize(
    ("name", "method", "body"),
    [
        ("deal-milestones", "get", None),
        ("deal-milestones", "post", {"kind": "acceptance", "planned_on": "2026-07-01"}),
        ("deal-visits", "get", None),
        ("deal-visits", "post", {"visited_on": "2026-06-01", "visitors": "x", "notes": "y"}),
        ("deal-outcome", "get", None),
        ("deal-outcome", "post", {"result": "failed", "reason": "x"}),
        ("deal-follow-up", "get", None),
        ("deal-follow-up-history", "get", None),
    ],
)
def test_another_organisation_gets_404_on_every_follow_up_path(
    api, reg, other_broker, other_supervisor, name, method, body
):
    for stranger in (other_broker, other_supervisor):
        client = api(stranger)
        r = (
            client.get(url(name, reg))
            if method == "get"
            else client.post(url(name, reg), body, format="json")
        )
        assert r.status_code == 404
    export = api(other_supervisor).get(reverse("api:follow-up-milestones-xlsx") + f"?deal={reg.pk}")
    assert export.status_code == 404


def test_the_contract_path_takes_kind_on_and_note(api, reg, broker):
    contract_id = reg.contracts.get().pk
    path = reverse("api:contract-milestones", args=[contract_id])
    r = api(broker).post(
        path, {"kind": "acceptance", "on": "2026-05-10", "note": "验收合格"}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert r.json()["actual_on"] == "2026-05-10" and r.json()["note"] == "验收合格"
    assert api(broker).get(path).json()[1]["actual_on"] == "2026-05-10"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "launch", "planned_on": "2026-07-01"}, None),
        ({"kind": "acceptance"}, None),
        ({"kind": "acceptance", "planned_on": None, "note": " "}, "invalid"),
        ({"kind": "acceptance", "planned_on": "2026-13-01"}, None),
        ({"kind": "acceptance", "planned_on": "9999-01-01"}, "implausible_date"),
        ({"kind": "acceptance", "actual_on": "0001-01-01"}, "implausible_date"),
        ({"kind": "acceptance", "actual_on": "2026-06-16"}, "date_in_future"),
        ({"kind": "acceptance", "planned_on": "2026-03-01"}, "invalid_date"),  # before signing
        ({"kind": "acceptance", "note": "x" * 2001}, None),
        ({"kind": ["acceptance"], "note": "x"}, None),
        ({"kind": "acceptance", "on": "2026-05-01", "actual_on": "2026-05-02"}, None),
        ("not an object", None),
    ],
)
def test_bad_milestone_input_is_a_400_with_what_to_do(api, reg, broker, body, code):
    r = api(broker).post(url("deal-milestones", reg), body, format="json")
    assert r.status_code == 400, r.content
    if code:
        assert r.json()["code"] == code
        assert r.json()["detail"]


def test_milestones_happen_in_order(api, reg, broker):
    client = api(broker)
    client.post(
        url("deal-milestones", reg),
        {"kind": "acceptance", "actual_on": "2026-05-10"},
        format="json",
    )
    early = client.post(
        url("deal-milestones", reg),
        {"kind": "trial_production", "actual_on": "2026-05-01"},
        format="json",
    )
    assert early.status_code == 400 and early.json()["code"] == "milestone_order"
    late = client.post(
        url("deal-milestones", reg),
        {"kind": "documents_delivered", "actual_on": "2026-05-20"},
        format="json",
    )
    assert late.status_code == 400 and late.json()["code"] == "milestone_order"


def test_changing_a_recorded_date_needs_a_reason_and_the_history_keeps_who_and_why(
    api, reg, broker, supervisor
):
    api(broker).post(
        url("deal-milestones", reg),
        {"kind": "acceptance", "planned_on": "2026-07-01"},
        format="json",
    )
    silent = api(supervisor).post(
        url("deal-milestones", reg),
        {"kind": "acceptance", "planned_on": "2026-08-01"},
        format="json",
    )
    assert silent.status_code == 400 and silent.json()["code"] == "reason_required"
    ok = api(supervisor).post(
        url("deal-milestones", reg),
        {"kind": "acceptance", "planned_on": "2026-08-01", "reason": "企业产线改造推迟一个月"},
        format="json",
    )
    assert ok.status_code == 200
    history = api(broker).get(url("deal-follow-up-history", reg)).json()
    assert [(h["event"], h["change"], h["actor"]["username"]) for h in history] == [
        ("milestone", "created", broker.username),
        ("milestone", "changed", supervisor.username),
    ]
    # The default reason is stored untranslated; the milestone's kind is in the summary.
    assert history[0]["reason"] == "记录里程碑" and "验收" in history[0]["summary"]
    assert history[1]["reason"] == "企业产线改造推迟一个月"
    assert "2026-08-01" in history[1]["summary"]
    # The deal's own history shows them too.
    deal_history = api(broker).get(reverse("api:deal-history", args=[reg.pk])).json()
    assert "企业产线改造推迟一个月" in str(deal_history)


def test_nothing_is_recorded_before_the_deal_is_registered(api, broker):
    deal, _contract = signed_deal(broker, dt.date(2026, 6, 1))
    r = api(broker).post(
        url("deal-milestones", deal),
        {"kind": "acceptance", "planned_on": "2026-07-01"},
        format="json",
    )
    assert r.status_code == 409 and r.json()["code"] == "not_registered"
    v = api(broker).post(
        url("deal-visits", deal),
        {"visited_on": "2026-06-10", "visitors": "张伟", "notes": "x"},
        format="json",
    )
    assert v.status_code == 409


def test_a_visit_is_logged_with_its_author(api, reg, broker, finance):
    r = api(broker).post(
        url("deal-visits", reg),
        {
            "visited_on": "2026-06-12",
            "visitors": "张伟；企业生产部王经理",
            "notes": "试产良率 92%，计划月底投产。",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["created_by"]["username"] == broker.username
    listed = api(finance).get(url("deal-visits", reg)).json()
    assert [v["visitors"] for v in listed] == ["张伟；企业生产部王经理"]
    history = api(finance).get(url("deal-follow-up-history", reg)).json()
    assert history[-1]["event"] == "visit" and history[-1]["actor"]["username"] == broker.username


@pytest.mark.parametrize(
    "body",
    [
        {"visited_on": "2026-06-20", "visitors": "张伟", "notes": "x"},  # future
        {"visited_on": "2026-01-01", "visitors": "张伟", "notes": "x"},  # before signing
        {"visited_on": "2026-06-10", "visitors": "   ", "notes": "x"},
        {"visited_on": "2026-06-10", "visitors": "张伟"},
        {"visited_on": "yesterday", "visitors": "张伟", "notes": "x"},
        {},
    ],
)
def test_bad_visit_input_is_a_400(api, reg, broker, body):
    assert api(broker).post(url("deal-visits", reg), body, format="json").status_code == 400


def test_the_outcome_partly_needs_a_reason_completed_needs_production_and_a_change_needs_why(
    api, reg, broker, supervisor
):
    client = api(broker)
    assert client.get(url("deal-outcome", reg)).json()["result"] is None
    no_reason = client.post(url("deal-outcome", reg), {"result": "partly"}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    early = client.post(url("deal-outcome", reg), {"result": "completed"}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "milestones_incomplete"
    partly = client.post(
        url("deal-outcome", reg), {"result": "partly", "reason": "二期产线未建"}, format="json"
    )
    assert partly.status_code == 201 and partly.json()["label"] == "部分实施"
    client.post(
        url("deal-milestones", reg),
        {"kind": "in_production", "actual_on": "2026-06-10"},
        format="json",
    )
    unexplained = api(supervisor).post(
        url("deal-outcome", reg), {"result": "completed"}, format="json"
    )
    assert unexplained.status_code == 400 and unexplained.json()["code"] == "reason_required"
    done = api(supervisor).post(
        url("deal-outcome", reg), {"result": "completed", "reason": "二期产线已投产"}, format="json"
    )
    assert done.status_code == 200 and done.json()["result"] == "completed"
    outcome_rows = [
        h for h in client.get(url("deal-follow-up-history", reg)).json() if h["event"] == "outcome"
    ]
    assert [(h["actor"]["username"], h["reason"]) for h in outcome_rows] == [
        (broker.username, "二期产线未建"),
        (supervisor.username, "二期产线已投产"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"result": "great"},
        {"result": "failed", "reason": "x", "decided_on": "2027-01-01"},
        {"reason": "x"},
        [],
    ],
)
def test_bad_outcome_input_is_a_400(api, reg, broker, body):
    assert api(broker).post(url("deal-outcome", reg), body, format="json").status_code == 400


def test_the_milestones_export_is_a_spreadsheet_whose_text_is_never_a_formula(api, reg, supervisor):
    from io import BytesIO

    from openpyxl import load_workbook

    from deals.models import Deal

    Deal.objects.filter(pk=reg.pk).update(title='=HYPERLINK("http://x")')
    api(supervisor).post(
        url("deal-milestones", reg),
        {
            "kind": "documents_delivered",
            "planned_on": "2026-04-01",
            "actual_on": "2026-04-03",
            "note": "+1 套图纸",
        },
        format="json",
    )
    r = api(supervisor).get(reverse("api:follow-up-milestones-xlsx"))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("项目编号", "项目", "需求企业", "合同编号", "里程碑")
    assert len(rows) == 1 + 4
    first = rows[1]
    assert first[1] == '\'=HYPERLINK("http://x")'
    assert (
        first[4] == "技术资料交付"
        and first[5].date() == dt.date(2026, 4, 1)
        and first[7] == "已完成"
    )
    assert first[8] == "'+1 套图纸"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    bad = api(supervisor).get(reverse("api:follow-up-milestones-xlsx") + "?deal=abc")
    assert bad.status_code == 400
