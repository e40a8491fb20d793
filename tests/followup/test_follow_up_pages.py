"""The deal page's follow-up panel: forms for those who may write, errors next to the field with
what the user typed, 404 for other organisations, a read-only panel for finance."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from common.workdays import TZ
from followup.models import Milestone, Outcome, Visit
from tests.followup.support import registered_deal

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(10), TZ), tick=False):
        yield


@pytest.fixture
def reg(broker):  # type: ignore[no-untyped-def]
    deal, _contract = registered_deal(broker)
    return deal


def field_block(page: str, field_id: str) -> str:
    """The `_field.html` block of one field: its label, input and errors."""
    match = re.search(
        r'<div class="field[^"]*">\s*<label for="'
        + field_id
        + r'".*?</div>\s*(?=<div class="field|</div>|<div>)',
        page,
        re.S,
    )
    assert match, f"no field {field_id} on the page"
    return match.group(0)


def test_a_milestone_saved_from_the_deal_page(client, reg, broker):
    client.force_login(broker)
    r = client.post(
        reverse("milestone-save", args=[reg.pk]),
        {"kind": "acceptance", "planned_on": "2026-07-01", "actual_on": "", "note": "联合验收"},
    )
    assert r.status_code == 302 and r["Location"].endswith(f"/deals/{reg.pk}/#follow-up")
    saved = Milestone.objects.get(deal=reg, kind="acceptance")
    assert (saved.planned_on, saved.actual_on, saved.note) == (
        dt.date(2026, 7, 1),
        None,
        "联合验收",
    )
    page = client.get(r["Location"]).content.decode()
    assert "里程碑已保存" in page and "2026-07-01" in page


def test_a_refused_milestone_comes_back_with_the_error_next_to_the_field_and_the_input_kept(
    client, reg, broker
):
    client.force_login(broker)
    r = client.post(
        reverse("milestone-save", args=[reg.pk]),
        {
            "kind": "trial_production",
            "planned_on": "2026-08-01",
            "actual_on": "2026-07-01",
            "note": "试产线调试",
        },
    )
    assert not Milestone.objects.exists()
    page = client.get(r["Location"]).content.decode()
    block = field_block(page, "id_trial_production_actual_on")
    assert "has-error" in block and "还没有到" in block and 'value="2026-07-01"' in block
    assert 'value="2026-08-01"' in field_block(page, "id_trial_production_planned_on")
    assert 'value="试产线调试"' in field_block(page, "id_trial_production_note")


def test_an_empty_milestone_form_records_nothing_and_says_why(client, reg, broker):
    client.force_login(broker)
    r = client.post(
        reverse("milestone-save", args=[reg.pk]),
        {"kind": "acceptance", "planned_on": "", "actual_on": "", "note": ""},
    )
    assert not Milestone.objects.exists()
    page = client.get(r["Location"]).content.decode()
    assert "请至少填写计划日期、实际日期或说明之一" in page


def test_a_made_up_kind_is_refused_without_an_error_page(client, reg, broker):
    client.force_login(broker)
    r = client.post(
        reverse("milestone-save", args=[reg.pk]),
        {"kind": "<script>x</script>", "planned_on": "2026-07-01"},
    )
    assert r.status_code == 302 and not Milestone.objects.exists()
    page = client.get(r["Location"])
    assert page.status_code == 200 and "<script>x</script>" not in page.content.decode()


def test_changing_a_date_without_a_reason_shows_the_error_at_the_reason(client, reg, broker):
    client.force_login(broker)
    url = reverse("milestone-save", args=[reg.pk])
    client.post(url, {"kind": "acceptance", "planned_on": "2026-07-01"})
    r = client.post(url, {"kind": "acceptance", "planned_on": "2026-07-15", "reason": ""})
    page = client.get(r["Location"]).content.decode()
    assert "修改已记录的计划日期请说明原因" in field_block(page, "id_acceptance_reason")
    assert Milestone.objects.get(kind="acceptance").planned_on == dt.date(2026, 7, 1)
    client.post(url, {"kind": "acceptance", "planned_on": "2026-07-15", "reason": "专家时间调整"})
    assert Milestone.objects.get(kind="acceptance").planned_on == dt.date(2026, 7, 15)
    history = Milestone.history.filter(kind="acceptance").order_by("history_id")
    assert [(h.history_user_id, h.history_change_reason) for h in history] == [
        (broker.pk, "记录里程碑"),
        (broker.pk, "专家时间调整"),
    ]


def test_a_visit_and_an_outcome_from_the_deal_page(client, reg, supervisor):
    client.force_login(supervisor)
    bad = client.post(
        reverse("visit-save", args=[reg.pk]),
        {"visited_on": "2026-06-10", "visitors": "陈静", "notes": ""},
    )
    page = client.get(bad["Location"]).content.decode()
    assert "has-error" in field_block(page, "id_notes")
    assert 'value="陈静"' in field_block(page, "id_visitors")
    client.post(
        reverse("visit-save", args=[reg.pk]),
        {"visited_on": "2026-06-10", "visitors": "陈静", "notes": "设备到场"},
    )
    assert Visit.objects.get().created_by == supervisor
    refused = client.post(
        reverse("outcome-save", args=[reg.pk]),
        {"result": "partly", "reason": "", "decided_on": "2026-06-15"},
    )
    page = client.get(refused["Location"]).content.decode()
    assert "必须说明原因" in field_block(page, "id_reason")
    client.post(
        reverse("outcome-save", args=[reg.pk]),
        {"result": "partly", "reason": "二期未建", "decided_on": "2026-06-15"},
    )
    assert Outcome.objects.get().result == "partly"


def test_finance_reads_the_panel_without_forms(client, reg, broker, finance):
    Milestone.objects.create(deal=reg, kind="acceptance", planned_on=dt.date(2026, 7, 1))
    client.force_login(finance)
    page = client.get(reverse("deal-detail", args=[reg.pk])).content.decode()
    assert 'id="follow-up"' in page and "2026-07-01" in page
    assert reverse("milestone-save", args=[reg.pk]) not in page
    r = client.post(reverse("milestone-save", args=[reg.pk]), {"kind": "acceptance", "note": "x"})
    assert Milestone.objects.get().note == ""
    page = client.get(r["Location"]).content.decode()
    assert "只有本项目的经纪人、本机构主管或管理员可以记录实施跟踪" in page


def test_another_organisation_gets_the_not_found_page(client, reg, other_supervisor):
    client.force_login(other_supervisor)
    for name, body in (
        ("milestone-save", {"kind": "acceptance", "planned_on": "2026-07-01"}),
        ("visit-save", {"visited_on": "2026-06-10", "visitors": "x", "notes": "y"}),
        ("outcome-save", {"result": "failed", "reason": "x"}),
    ):
        assert client.post(reverse(name, args=[reg.pk]), body).status_code == 404
    assert not Milestone.objects.exists() and not Visit.objects.exists()


def test_a_deal_not_yet_registered_shows_no_follow_up_panel(client, broker):
    from tests.followup.support import signed_deal

    deal, _contract = signed_deal(broker, dt.date(2026, 6, 1))
    client.force_login(broker)
    page = client.get(reverse("deal-detail", args=[deal.pk])).content.decode()
    assert 'id="follow-up"' not in page
    assert "合同应于" in page
