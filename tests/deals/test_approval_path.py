"""One approval, followed hop by hop: each condition evaluated once, side effects scheduled once."""

from __future__ import annotations

from collections import Counter

import pytest

from common.exceptions import ConditionsUnmet
from deals import conditions
from deals.models import DealState
from deals.services import deal_request_transition, request_approve
from tests.helpers import satisfy, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def count_evaluations(monkeypatch):
    """Counts how often each condition of the pipeline is evaluated (its `blockers` run)."""
    calls: Counter[str] = Counter()
    original = conditions.Condition.blockers

    def counting(self, deal):
        calls[self.name] += 1
        return original(self, deal)

    monkeypatch.setattr(conditions.Condition, "blockers", counting)
    return calls


@pytest.mark.parametrize(
    ("start", "target", "condition"),
    [
        (DealState.INTAKE, DealState.MATCHED, "has_candidate_achievement"),
        (DealState.ONLINE_TALKS, DealState.OFFLINE_MEETING, "has_online_talk"),
        (DealState.OFFLINE_MEETING, DealState.AGREEMENT, "has_offline_meeting"),
    ],
)
def test_an_approval_evaluates_each_condition_of_the_move_once(
    deal, supervisor, count_evaluations, start, target, condition
):
    deal = walk_to(deal, start, supervisor)
    satisfy(deal, target)
    request = deal_request_transition(deal=deal, actor=deal.lead_broker, target=target, comment="")
    count_evaluations.clear()

    request_approve(request_id=request.pk, actor=supervisor)

    deal.refresh_from_db()
    assert deal.state == target
    assert count_evaluations == Counter({condition: 1})


def test_an_approval_with_an_unmet_condition_is_refused_after_one_evaluation(
    deal, supervisor, count_evaluations
):
    satisfy(deal, DealState.MATCHED)
    request = deal_request_transition(
        deal=deal, actor=deal.lead_broker, target=DealState.MATCHED, comment=""
    )
    deal.achievement_links.all().delete()  # the candidate went away after the request
    count_evaluations.clear()

    with pytest.raises(ConditionsUnmet):
        request_approve(request_id=request.pk, actor=supervisor)

    assert count_evaluations == Counter({"has_candidate_achievement": 1})
    deal.refresh_from_db()
    assert deal.state == DealState.INTAKE


def test_an_approval_schedules_its_announcement_once_and_only_at_commit(
    deal, supervisor, django_capture_on_commit_callbacks
):
    from deals.signals import deal_state_changed

    heard: list[str] = []

    def listener(sender, *, to_state, **kwargs):
        heard.append(to_state)

    deal_state_changed.connect(listener, dispatch_uid="test-once")
    try:
        satisfy(deal, DealState.MATCHED)
        request = deal_request_transition(
            deal=deal, actor=deal.lead_broker, target=DealState.MATCHED, comment=""
        )
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            request_approve(request_id=request.pk, actor=supervisor)
        assert heard == []  # nothing announced inside the transaction
        # One announcement (the decision's notification is another after-commit callback).
        announcements = [c for c in callbacks if getattr(c, "__name__", "") == "announce"]
        assert len(announcements) == 1
        announcements[0]()
        assert heard == [DealState.MATCHED]
    finally:
        deal_state_changed.disconnect(dispatch_uid="test-once")
