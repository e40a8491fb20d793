"""The registration deadline: N working days after signing (holidays and adjusted working
weekends from chinese-calendar), flagged on the deal page, the board and the list, announced once
per contract to the lead broker and the supervisors; unknown past the calendar's data."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from common.workdays import TZ
from followup.registration import DeadlineStatus, registration_due_on
from followup.services import registrations_sweep_overdue
from notifications.models import Notification
from tests.factories import DealFactory
from tests.followup.support import register, signed_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run the sweep as the beat does: its notifications are written after commit."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return registrations_sweep_overdue()

    return run


def at(day: dt.date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), TZ), tick=False)


def test_thirty_working_days_skip_mid_autumn_and_national_day_and_count_both_adjusted_weekends():
    # Signed Fri 18 Sep 2026. Working: Sun 20 Sep (调休), 21–24 Sep; Mid-autumn 25–27 Sep off;
    # 28–30 Sep; National Day 1–7 Oct off; 8, 9 Oct, Sat 10 Oct (调休); then Mon–Fri.
    # Day 30 is Thu 5 Nov (Mon–Fri counting without holidays would say Fri 30 Oct).
    assert registration_due_on(dt.date(2026, 9, 18)) == dt.date(2026, 11, 5)


def test_the_deadline_can_fall_on_an_adjusted_working_saturday(settings):
    settings.REGISTRATION_DEADLINE_WORKDAYS = 1
    assert registration_due_on(dt.date(2026, 10, 9)) == dt.date(2026, 10, 10)  # Sat, 调休


def test_spring_festival_is_skipped_and_its_working_saturday_counts(settings):
    settings.REGISTRATION_DEADLINE_WORKDAYS = 2
    # Fri 13 Feb → Sat 14 Feb (调休, day 1) → 15–23 Feb holiday → Tue 24 Feb (day 2).
    assert registration_due_on(dt.date(2026, 2, 13)) == dt.date(2026, 2, 24)


def test_a_deadline_past_the_calendar_data_is_unknown_not_guessed():
    assert registration_due_on(dt.date(2026, 12, 1)) is None  # day 30 would be in 2027
    assert registration_due_on(dt.date(2026, 11, 10)) == dt.date(2026, 12, 22)


def test_the_deal_is_overdue_the_day_after_its_deadline_not_on_it(sweep, api, broker, supervisor):
    deal, _contract = signed_deal(broker, dt.date(2026, 9, 18))
    with at(dt.date(2026, 11, 5), hour=23):
        body = api(broker).get(reverse("api:deal-follow-up", args=[deal.pk])).json()
        assert body["registration_deadline"]["due_on"] == "2026-11-05"
        assert body["registration_deadline"]["status"] == "running"
        assert sweep() == 0
    with at(dt.date(2026, 11, 6), hour=0):
        body = api(broker).get(reverse("api:deal-follow-up", args=[deal.pk])).json()
        assert body["registration_deadline"]["status"] == "overdue"
        assert body["registration_deadline"]["overdue"] is True
        # The deal API carries it too (one query per page of deals).
        listed = api(supervisor).get(reverse("api:deal-detail", args=[deal.pk])).json()
        assert listed["registration_deadline"]["overdue"] is True


def test_the_overdue_flag_shows_on_the_deal_page_the_board_and_the_list(client, broker):
    deal, _contract = signed_deal(broker, dt.date(2026, 9, 18))
    client.force_login(broker)
    with at(dt.date(2026, 11, 6)):
        page = client.get(reverse("deal-detail", args=[deal.pk])).content.decode()
        assert "合同登记超期（2026-11-05 到期）" in page
        board = client.get(reverse("board")).content.decode()
        assert 'data-flag="registration_overdue"' in board
        table = client.get(reverse("board") + "?view=table").content.decode()
        assert 'data-flag="registration_overdue"' in table
    with at(dt.date(2026, 11, 5)):
        page = client.get(reverse("deal-detail", args=[deal.pk])).content.decode()
        assert "合同应于 2026-11-05 前登记" in page
        assert (
            'data-flag="registration_overdue"' not in client.get(reverse("board")).content.decode()
        )


def test_the_sweep_tells_the_lead_broker_and_the_supervisors_once_per_contract(
    sweep, broker, co_broker, supervisor, second_supervisor, other_supervisor, finance
):
    deal, contract = signed_deal(broker, dt.date(2026, 9, 18))
    with at(dt.date(2026, 11, 9)):
        assert sweep() == 1
        assert sweep() == 0  # idempotent: run it any time
    rows = Notification.objects.filter(key=f"registration_overdue:{contract.pk}")
    assert sorted(rows.values_list("user__username", flat=True)) == sorted(
        [broker.username, supervisor.username, second_supervisor.username]
    )
    assert {r.kind for r in rows} == {"registration_overdue"}
    assert all(r.deal_id == deal.pk and "2026-11-05" in r.text for r in rows)
    # A supervisor who joins later is not told about it again (once per contract).
    from tests.factories import SupervisorFactory

    SupervisorFactory(organisation=broker.organisation)
    with at(dt.date(2026, 11, 10)):
        assert sweep() == 0
    assert rows.count() == 3


def test_registering_resolves_the_announcement_and_clears_the_flag(
    sweep, client, broker, supervisor
):
    deal, contract = signed_deal(broker, dt.date(2026, 9, 18))
    with at(dt.date(2026, 11, 9)):
        sweep()
        register(contract, dt.date(2026, 11, 9))
        sweep()
        client.force_login(broker)
        page = client.get(reverse("deal-detail", args=[deal.pk])).content.decode()
    assert "合同登记超期" not in page
    assert not Notification.objects.filter(
        key=f"registration_overdue:{contract.pk}", resolved_at__isnull=True
    ).exists()


def test_a_late_registration_is_recorded_as_late(api, broker):
    deal, contract = signed_deal(broker, dt.date(2026, 9, 18))
    register(contract, dt.date(2026, 11, 9))
    with at(dt.date(2026, 11, 20)):
        body = api(broker).get(reverse("api:deal-follow-up", args=[deal.pk])).json()
    assert body["registration_deadline"]["status"] == DeadlineStatus.LATE
    assert body["registration_deadline"]["registered_on"] == "2026-11-09"


def test_a_deadline_past_the_calendar_is_shown_unknown_and_neither_flagged_nor_announced(
    sweep, client, broker
):
    deal, _contract = signed_deal(broker, dt.date(2026, 12, 1))
    # Even long after any plausible deadline: without the data, no guess and no alarm.
    with at(dt.date(2027, 3, 1)):
        client.force_login(broker)
        assert sweep() == 0
        page = client.get(reverse("deal-detail", args=[deal.pk])).content.decode()
        board = client.get(reverse("board")).content.decode()
    assert "登记期限未知" in page and "2026-12-31" in page
    assert 'data-flag="registration_unknown"' in board
    assert 'data-flag="registration_overdue"' not in board
    assert not Notification.objects.filter(key__startswith="registration_overdue").exists()


def test_a_lost_deal_or_a_draft_contract_has_no_running_deadline(sweep, broker):
    deal, _contract = signed_deal(broker, dt.date(2026, 9, 18))
    from deals.models import Deal

    Deal.objects.filter(pk=deal.pk).update(state="lost")
    DealFactory(lead_broker=broker)  # no contract at all
    with at(dt.date(2026, 11, 20)):
        assert sweep() == 0


def test_the_deadline_is_a_setting(settings, api, broker):
    settings.REGISTRATION_DEADLINE_WORKDAYS = 10
    deal, _contract = signed_deal(broker, dt.date(2026, 9, 18))
    with at(dt.date(2026, 10, 1)):
        body = api(broker).get(reverse("api:deal-follow-up", args=[deal.pk])).json()
    assert body["registration_deadline"]["due_on"] == "2026-10-09"


def test_the_sweep_is_on_the_beat_schedule_under_its_registered_name(settings):
    from config.celery import app

    name = "followup.tasks.sweep_registration_deadlines"
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == name]
    assert len(entries) == 1
    assert entries[0]["schedule"] <= 60 * 60
    assert "followup.tasks.sweep_registration_deadlines" in app.tasks
