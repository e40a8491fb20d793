"""The deal page's history reads as people expect: newest first, one row per event, in Chinese,
edits with their old and new values."""

import pytest
import time_machine
from django.test import Client

from deals.models import DealState
from deals.services import deal_rename, deal_request_transition, request_approve, request_reject
from tests.factories import DealFactory
from tests.helpers import satisfy

pytestmark = pytest.mark.django_db


def _page_history(user, deal):
    client = Client()
    client.force_login(user)
    response = client.get(f"/deals/{deal.pk}/")
    assert response.status_code == 200
    return response.context["history"], response.content.decode()


def test_the_history_is_newest_first_with_one_row_per_approval_and_edits_old_to_new(
    broker, supervisor
):
    with time_machine.travel("2026-11-02 09:00 +08:00", tick=True):
        deal = DealFactory(lead_broker=broker, title="旧的项目名称")
    with time_machine.travel("2026-11-03 09:00 +08:00", tick=True):
        satisfy(deal, DealState.MATCHED)
    with time_machine.travel("2026-11-04 09:00 +08:00", tick=True):
        asked = deal_request_transition(deal=deal, actor=broker, target=DealState.MATCHED)
        request_approve(request_id=asked.pk, actor=supervisor, comment="候选成果合适")
    with time_machine.travel("2026-11-05 09:00 +08:00", tick=True):
        deal_rename(deal=deal, actor=broker, title="新的项目名称")
    with time_machine.travel("2026-11-06 09:00 +08:00", tick=True):
        back = deal_request_transition(
            deal=deal,
            actor=broker,
            target=DealState.LOST,
            comment="企业预算取消",
            lost_reason_code="no_budget",
        )
        request_reject(request_id=back.pk, actor=supervisor, reason="请先与企业再沟通一次")

    rows, html = _page_history(broker, deal)

    times = [row["at"] for row in rows]
    assert times == sorted(times, reverse=True)
    assert rows[0]["code"] == "rejected" and rows[0]["comment"] == "请先与企业再沟通一次"
    assert rows[-1]["code"] == "created"
    # the approval and the move it made: one row, naming both stages
    approvals = [row for row in rows if row["code"] in ("approved", "moved")]
    assert [(row["code"], row["move"]) for row in approvals] == [
        ("approved", "需求受理 → 成果匹配")
    ]
    assert approvals[0]["label"] == "批准并变更阶段"
    # the rename: the field's name and its old and new values, on the page too
    (edit,) = [row for row in rows if row["code"] == "edited"]
    assert edit["changes"] == [
        {"field": "title", "label": "项目名称", "old": "旧的项目名称", "new": "新的项目名称"}
    ]
    assert "<del>旧的项目名称</del> → <ins>新的项目名称</ins>" in html
    # no code shown raw: every row has a Chinese label
    assert all(row["label"] != row["code"] for row in rows)


def test_a_move_without_an_approval_before_it_keeps_its_own_row(broker, monkeypatch):
    """A system move (a registration cancelled moves the deal back) was approved by nobody."""
    import deals.views as views

    deal = DealFactory(lead_broker=broker)
    events = [
        {"at": deal.created_at, "event": "created", "to_state": "intake"},
        {
            "at": deal.created_at,
            "event": "moved",
            "from_state": "registered",
            "to_state": "agreement",
        },
    ]
    monkeypatch.setattr(views, "deal_history", lambda deal: events)
    rows = views.history_rows(deal)
    assert [(row["code"], row["move"]) for row in rows] == [
        ("moved", "登记/交易完成 → 签约"),
        ("created", "需求受理"),
    ]
