"""Issue 15, acceptance 2: the deal page's own forms — log an activity, ask for a move — behave
like its contract forms: every error at its field at once, in Chinese (no raw field names), what
was typed kept, the redirect landing at the form with the word there, and a success said where
the action was (not at the page top)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from deals.models import DealState, RequestStatus, TransitionRequest
from tests.factories import DealFactory
from tests.helpers import walk_to

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def field_errors(html: str) -> dict[str, list[str]]:
    """{field name: its error texts}, read from the field markup (templates/_field.html)."""
    found: dict[str, list[str]] = {}
    for block in re.findall(r'<div class="field[^"]*has-error">(.*?)</ul>\s*</div>', html, re.S):
        name = re.search(r'name="([^"]+)"', block)
        assert name is not None, block
        found[name.group(1)] = re.findall(r"<li>(.*?)</li>", block.split('class="errors"')[1])
    return found


def section(html: str, anchor: str) -> str:
    """The page from the element with id `anchor` to the next panel."""
    start = html.index(f'id="{anchor}"')
    end = html.find('<section class="panel"', start)
    return html[start : end if end > 0 else None]


def top_messages(html: str) -> str:
    """The messages base.html shows at the page top (a form's own list has role="status")."""
    found = re.search(r'<ul class="messages">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def test_an_activity_with_several_mistakes_shows_them_all_at_their_fields(broker):
    deal = DealFactory(lead_broker=broker)
    client = signed_in(broker)
    future = (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/deals/{deal.pk}/activities/",
        {
            "kind": "offline_meeting",
            "occurred_at": future,
            "location": "",
            "participants": "",
            "minutes": "写了一半的纪要：对方关心模具寿命",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.pk}/#activity-form"
    html = client.get(response["Location"]).content.decode()
    errors = field_errors(html)
    # Three at once: the place an offline meeting needs, the time in the future, the people.
    assert set(errors) == {"location", "occurred_at", "participants"}, errors
    assert errors["location"] == ["线下对接请填写地点。"]
    assert "不能在将来" in errors["occurred_at"][0]
    assert errors["participants"] == ["该字段是必填项。"]
    form = section(html, "activity-form")
    assert "写了一半的纪要：对方关心模具寿命" in form  # what was typed is kept
    assert f'value="{future}"' in form
    assert 'value="offline_meeting" selected' in form
    assert '<details id="activity-form" open' in html
    # The word is at the form's panel, not at the page top.
    assert "未保存：有 3 处需要修改" in section(html, "activities")
    assert "未保存" not in top_messages(html)
    assert not any(re.search(r"[a-z_]{4,}", e) for texts in errors.values() for e in texts)
    assert not deal.activities.exists()


def test_a_logged_activity_is_confirmed_in_the_activities_panel(broker):
    deal = DealFactory(lead_broker=broker)
    client = signed_in(broker)
    response = client.post(
        f"/deals/{deal.pk}/activities/",
        {
            "kind": "offline_meeting",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "location": "企业会议室",
            "participants": "双方",
            "minutes": "现场考察",
        },
    )
    assert response["Location"] == f"/deals/{deal.pk}/#activities"
    html = client.get(response["Location"]).content.decode()
    assert "已记录。" in section(html, "activities")
    assert "已记录。" not in top_messages(html)
    assert deal.activities.filter(location="企业会议室").exists()


def test_closing_as_other_without_words_marks_the_comment_and_keeps_the_choice(broker):
    deal = DealFactory(lead_broker=broker)
    client = signed_in(broker)
    response = client.post(
        f"/deals/{deal.pk}/request/",
        {"target": "lost", "lost_reason_code": "other", "comment": "   "},
    )
    assert response["Location"] == f"/deals/{deal.pk}/#request-form"
    html = client.get(response["Location"]).content.decode()
    errors = field_errors(html)
    assert errors == {"comment": ["终止原因为“其他”时，必须写明原因。"]}
    form = section(html, "request-form")
    assert 'value="lost" selected' in form and 'value="other" selected' in form
    assert "未保存：有 1 处需要修改" in section(html, "transitions")
    assert "comment" not in errors["comment"][0]
    assert not TransitionRequest.objects.exists()


def test_closing_without_a_reason_marks_the_reason_field(broker):
    deal = DealFactory(lead_broker=broker)
    client = signed_in(broker)
    response = client.post(
        f"/deals/{deal.pk}/request/", {"target": "lost", "comment": "企业暂停项目"}
    )
    html = client.get(response["Location"]).content.decode()
    errors = field_errors(html)
    assert errors == {"lost_reason_code": ["终止项目必须选择终止原因。"]}
    assert "企业暂停项目" in section(html, "request-form")


def test_going_back_without_a_reason_marks_the_comment(broker, supervisor):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.MATCHED, supervisor)
    client = signed_in(broker)
    response = client.post(f"/deals/{deal.pk}/request/", {"target": "intake", "comment": ""})
    html = client.get(response["Location"]).content.decode()
    assert field_errors(html) == {"comment": ["退回项目必须说明原因。"]}
    assert 'value="intake" selected' in section(html, "request-form")


def test_a_move_the_deal_is_not_ready_for_lists_what_is_missing_above_the_form(broker):
    deal = DealFactory(lead_broker=broker)
    client = signed_in(broker)
    response = client.post(
        f"/deals/{deal.pk}/request/", {"target": "matched", "comment": "已初步接触"}
    )
    assert response["Location"] == f"/deals/{deal.pk}/#request-form"
    html = client.get(response["Location"]).content.decode()
    form = section(html, "request-form")
    nonfield = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', form, re.S)
    assert nonfield is not None
    assert "还不能进入下一阶段" in nonfield.group(1)
    assert "至少关联一项候选成果" in nonfield.group(1)
    assert "已初步接触" in form
    assert "未保存" in section(html, "transitions") and "未保存" not in top_messages(html)


def test_a_request_sent_is_confirmed_in_the_transitions_panel(broker):
    deal = DealFactory(lead_broker=broker)
    client = signed_in(broker)
    response = client.post(
        f"/deals/{deal.pk}/request/",
        {"target": "lost", "lost_reason_code": "other", "comment": "企业已自行解决"},
    )
    assert response["Location"] == f"/deals/{deal.pk}/#transitions"
    html = client.get(response["Location"]).content.decode()
    assert "申请已提交，等待主管审批。" in section(html, "transitions")
    assert "申请已提交" not in top_messages(html)
    assert TransitionRequest.objects.get().status == RequestStatus.PENDING
