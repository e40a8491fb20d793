"""Working days: stage budgets and the 48-hour rule skip holidays and count adjusted weekends;
a paused stage's clock stands still."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from common import workdays
from common.workdays import TZ, WorkdaysOutOfRange
from deals import services
from deals.models import DealState, Escalation, EscalationKind, StagePause
from tests.factories import DealFactory
from tests.helpers import move, satisfy


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)  # type: ignore[misc]


# --- the calendar module ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 9, 30), True),  # Wednesday before National Day
        (dt.date(2026, 10, 1), False),  # National Day (a Thursday)
        (dt.date(2026, 10, 5), False),  # Monday inside the holiday
        (dt.date(2026, 10, 10), True),  # Saturday made a working day (调休)
        (dt.date(2026, 10, 11), False),  # an ordinary Sunday
        (dt.date(2026, 2, 17), False),  # Spring Festival 2026
        (dt.date(2026, 11, 4), True),  # an ordinary Wednesday
    ],
)
def test_holidays_and_adjusted_weekends(day: dt.date, working: bool) -> None:
    assert workdays.is_workday(day) is working


def test_working_time_across_national_day() -> None:
    start = at(2026, 9, 30, 15)
    # Sep 30 (9 h) + Oct 8 + Oct 9 (whole) + Oct 10, the adjusted Saturday (15 h) = 3 days.
    assert workdays.working_seconds(start, at(2026, 10, 10, 15)) == 3 * workdays.DAY
    assert workdays.add_workdays(start, 3) == at(2026, 10, 10, 15)
    assert workdays.add_workdays(start, 1) == at(2026, 10, 8, 15)
    # Starting inside the holiday: the clock starts at midnight of the first working day.
    assert workdays.add_workdays(at(2026, 10, 3, 11), 1) == at(2026, 10, 9)
    assert workdays.working_seconds(at(2026, 10, 2), at(2026, 10, 7, 23)) == 0
    assert workdays.working_seconds(at(2026, 10, 9), at(2026, 10, 8)) == 0


def test_dates_past_the_calendar_fail_loudly() -> None:
    last = workdays.covered_range()[1]
    with pytest.raises(WorkdaysOutOfRange, match="chinese-calendar"):
        workdays.is_workday(last + dt.timedelta(days=1))
    with pytest.raises(WorkdaysOutOfRange):
        workdays.add_workdays(dt.datetime.combine(last, dt.time(), TZ), 5)
    with pytest.raises(WorkdaysOutOfRange):
        workdays.working_seconds(at(2026, 12, 1), dt.datetime(last.year + 1, 1, 5, tzinfo=TZ))


# --- stage budgets ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stage_budget_counts_working_days_across_a_holiday(api, broker) -> None:
    from tests.factories import DemandFactory

    with time_machine.travel(at(2026, 9, 30, 10), tick=False):
        response = api(broker).post("/api/v1/deals/", {"demand": DemandFactory().pk}, format="json")
    assert response.status_code == 201, response.json()
    # 7 working days from Wed Sep 30 10:00: Sep 30 (14 h), Oct 8, 9, 10 (调休), 12, 13, 14,
    # and 10 h of Oct 15 — not Oct 7, as calendar days would say.
    assert dt.datetime.fromisoformat(response.json()["due_at"]) == at(2026, 10, 15, 10)


@pytest.mark.django_db
def test_the_48_hour_rule_counts_working_hours(deal, broker) -> None:
    satisfy(deal, DealState.MATCHED)
    with time_machine.travel(at(2026, 9, 30, 12), tick=False):
        services.deal_request_transition(deal=deal, actor=broker, target=DealState.MATCHED)
    unanswered = Escalation.objects.filter(kind=EscalationKind.REQUEST_UNANSWERED)
    # A week of calendar time, but only 12 working hours (Sep 30 afternoon) plus Oct 8.
    services.deals_sweep_stalled(now=at(2026, 10, 8, 23))
    assert not unanswered.exists()
    services.deals_sweep_stalled(now=at(2026, 10, 9, 11, 59))
    assert not unanswered.exists()
    services.deals_sweep_stalled(now=at(2026, 10, 9, 12, 1))
    assert unanswered.count() == 1


@pytest.mark.django_db
def test_an_overdue_stage_is_escalated_only_after_its_working_days(broker) -> None:
    with time_machine.travel(at(2026, 9, 30, 10), tick=False):
        deal = DealFactory(lead_broker=broker)
        deal.due_at = services.stage_due_at(deal.state, deal.state_entered_at)
        deal.save()
    overdue = Escalation.objects.filter(kind=EscalationKind.STAGE_OVERDUE)
    assert services.deals_sweep_stalled(now=at(2026, 10, 14, 12)) == 0
    assert services.deals_sweep_stalled(now=at(2026, 10, 15, 10, 1)) == 1
    assert overdue.get().deal_id == deal.pk


@pytest.mark.django_db
def test_the_sweep_fails_loudly_past_the_calendar(deal) -> None:
    last = workdays.covered_range()[1]
    with pytest.raises(WorkdaysOutOfRange):
        services.deals_sweep_stalled(now=dt.datetime(last.year + 1, 1, 4, 10, tzinfo=TZ))


@pytest.mark.django_db
def test_a_deadline_past_the_calendar_is_unknown_not_guessed(broker) -> None:
    last = workdays.covered_range()[1]
    late = dt.datetime.combine(last - dt.timedelta(days=3), dt.time(10), TZ)
    assert services.stage_due_at(DealState.AGREEMENT, late) is None
    assert services.stage_due_at(DealState.INTAKE, at(2026, 11, 2, 9)) == at(2026, 11, 11, 9)


# --- pause and resume ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_paused_time_does_not_count(api, broker, supervisor) -> None:
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):  # Monday
        deal = DealFactory(lead_broker=broker)
        deal.due_at = services.stage_due_at(deal.state, deal.state_entered_at)
        deal.save()
    assert deal.due_at == at(2026, 11, 11, 9)
    url = f"/api/v1/deals/{deal.pk}"
    with time_machine.travel(at(2026, 11, 4, 9), tick=False):
        paused = api(broker).post(f"{url}/pause/", {"reason": "等待企业法务审核"}, format="json")
        assert paused.status_code == 200, paused.json()
        assert paused.json()["paused_at"] is not None and paused.json()["due_at"] is None
        again = api(supervisor).post(f"{url}/pause/", {"reason": "再停"}, format="json")
        assert again.status_code == 409 and again.json()["code"] == "already_paused"
    # Past the original deadline while paused: nothing to escalate.
    assert services.deals_sweep_stalled(now=at(2026, 11, 12, 9)) == 0
    with time_machine.travel(at(2026, 11, 9, 9), tick=False):
        resumed = api(supervisor).post(f"{url}/resume/", {}, format="json")
    assert resumed.status_code == 200, resumed.json()
    # Paused Nov 4 09:00 → Nov 9 09:00 = 3 working days (the weekend never counted): the
    # deadline moves from Nov 11 to Nov 16 09:00.
    assert dt.datetime.fromisoformat(resumed.json()["due_at"]) == at(2026, 11, 16, 9)
    assert resumed.json()["paused_at"] is None
    pause = StagePause.objects.get(deal=deal)
    assert (pause.started_by, pause.ended_by, pause.reason) == (
        broker,
        supervisor,
        "等待企业法务审核",
    )
    events = [e["event"] for e in api(broker).get(f"{url}/history/").json()]
    assert "paused" in events and "resumed" in events
    assert services.deals_sweep_stalled(now=at(2026, 11, 13, 9)) == 0
    assert services.deals_sweep_stalled(now=at(2026, 11, 16, 9, 1)) == 1


@pytest.mark.django_db
def test_pause_bad_input_and_strangers(api, deal, broker, other_broker, other_supervisor) -> None:
    url = f"/api/v1/deals/{deal.pk}"
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}):
        response = api(broker).post(f"{url}/pause/", body, format="json")
        assert response.status_code == 400, body
    not_paused = api(broker).post(f"{url}/resume/", {}, format="json")
    assert not_paused.status_code == 409 and not_paused.json()["code"] == "not_paused"
    for stranger in (other_broker, other_supervisor):
        assert (
            api(stranger).post(f"{url}/pause/", {"reason": "x"}, format="json").status_code == 404
        )
    assert not StagePause.objects.exists()


@pytest.mark.django_db
def test_a_move_ends_the_pause_and_starts_the_new_stage_running(deal, broker, supervisor) -> None:
    satisfy(deal, DealState.MATCHED)
    services.deal_pause(deal=deal, actor=broker, reason="等待企业答复")
    deal = move(deal, DealState.MATCHED, supervisor)
    assert deal.paused_at is None
    assert StagePause.objects.get(deal=deal).ended_at is not None


@pytest.mark.django_db
def test_a_closed_deal_cannot_be_paused(deal, broker, supervisor) -> None:
    move(deal, DealState.LOST, supervisor, comment="需求取消")
    with pytest.raises(Exception) as info:
        services.deal_pause(deal=deal, actor=broker, reason="等待")
    assert getattr(info.value, "code", "") == "deal_closed"
