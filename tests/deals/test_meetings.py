"""Meetings ahead (issue 11): a talk or meeting planned on a deal, held in one click or
cancelled, listed for the week per broker, announced the day before; a planned one never counts
for the stage conditions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from deals import services
from deals.models import Activity, ActivityStatus, DealState
from deals.selectors import meetings_ahead
from deals.tasks import sweep_meetings_tomorrow
from notifications import kinds
from notifications.models import Notification
from tests.factories import ActivityFactory, DealFactory
from tests.helpers import satisfy

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def plan(api, user, deal, **body):  # type: ignore[no-untyped-def]
    data = {
        "kind": "offline_meeting",
        "status": "planned",
        "occurred_at": (timezone.now() + dt.timedelta(days=2)).isoformat(),
        "location": "宁波市镇海区骆驼街道企业会议室",
        "participants": "企业总工、课题组负责人",
        **body,
    }
    return api(user).post(f"/api/v1/deals/{deal.pk}/activities/", data, format="json")


def planned(deal, when, **fields):  # type: ignore[no-untyped-def]
    return ActivityFactory(
        deal=deal,
        status=ActivityStatus.PLANNED,
        occurred_at=when,
        planned_at=when,
        minutes="",
        created_by=deal.lead_broker,
        **fields,
    )


# --- planning through the API -------------------------------------------------------------------


def test_a_broker_plans_a_meeting_with_a_future_time_and_place(api, deal, broker):
    response = plan(api, broker, deal)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "planned" and body["minutes"] == ""
    assert body["planned_at"] == body["occurred_at"]
    activity = Activity.objects.get(pk=body["id"])
    assert activity.history.get().history_user == broker  # type: ignore[attr-defined]


def test_a_plan_in_the_past_is_refused_with_what_to_do(api, deal, broker):
    response = plan(
        api, broker, deal, occurred_at=(timezone.now() - dt.timedelta(hours=1)).isoformat()
    )
    assert response.status_code == 400
    assert response.json()["code"] == "planned_in_past"
    assert "已过" in response.json()["detail"] and "直接记录" in response.json()["detail"]
    assert not Activity.objects.exists()


def test_a_plan_needs_a_place(api, deal, broker):
    response = plan(api, broker, deal, location=" ")
    assert response.status_code == 400 and response.json()["code"] == "location_required"


def test_the_existing_contract_still_logs_a_held_activity(api, deal, broker):
    """No `status`, a past time: as before, a held activity (api.md's contract, unchanged)."""
    response = api(broker).post(
        f"/api/v1/deals/{deal.pk}/activities/",
        {
            "kind": "online_talk",
            "occurred_at": (timezone.now() - dt.timedelta(days=1)).isoformat(),
            "location": "腾讯会议",
            "participants": "双方技术负责人",
            "minutes": "确认了样品测试方案。",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "held"
    # ...and without minutes it is refused, as the required field used to be.
    response = api(broker).post(
        f"/api/v1/deals/{deal.pk}/activities/",
        {"kind": "online_talk", "occurred_at": timezone.now().isoformat(), "participants": "甲"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "minutes_required"
    listed = api(broker).get(f"/api/v1/deals/{deal.pk}/activities/").json()
    assert [a["status"] for a in listed] == ["held"]


# --- held, minutes, cancel ------------------------------------------------------------------------


def test_held_in_one_click_takes_the_planned_time_when_it_has_passed(api, deal, broker):
    when = timezone.now() + dt.timedelta(hours=2)
    activity = planned(deal, when)
    with time_machine.travel(when + dt.timedelta(hours=1)):
        response = api(broker).post(f"/api/v1/activities/{activity.pk}/held/", {}, format="json")
    assert response.status_code == 200, response.content
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.HELD and activity.occurred_at == when
    assert activity.planned_at == when
    # Marking it again is a conflict, not a second "held".
    again = api(broker).post(f"/api/v1/activities/{activity.pk}/held/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_planned"


def test_held_before_the_planned_time_is_held_now(api, deal, broker):
    activity = planned(deal, timezone.now() + dt.timedelta(days=1))
    with time_machine.travel(timezone.now(), tick=False):
        response = api(broker).post(
            f"/api/v1/activities/{activity.pk}/held/", {"minutes": " 谈妥了报价。 "}, format="json"
        )
        assert response.status_code == 200
        activity.refresh_from_db()
        assert activity.occurred_at == timezone.now()
    assert activity.minutes == "谈妥了报价。" and activity.counts


def test_a_held_time_in_the_future_is_refused(api, deal, broker):
    activity = planned(deal, timezone.now() + dt.timedelta(days=1))
    later = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    response = api(broker).post(
        f"/api/v1/activities/{activity.pk}/held/", {"held_at": later}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "held_in_future"


def test_minutes_are_added_after_the_one_click(api, deal, broker):
    activity = planned(deal, timezone.now() + dt.timedelta(hours=1), participants="")
    api(broker).post(f"/api/v1/activities/{activity.pk}/held/", {}, format="json")
    url = f"/api/v1/activities/{activity.pk}/minutes/"
    assert api(broker).post(url, {"minutes": " "}, format="json").json()["code"] == (
        "minutes_required"
    )
    no_people = api(broker).post(url, {"minutes": "确认合作意向。"}, format="json")
    assert no_people.json()["code"] == "participants_required"
    done = api(broker).post(
        url, {"minutes": "确认合作意向。", "participants": "双方"}, format="json"
    )
    assert done.status_code == 200 and done.json()["minutes"] == "确认合作意向。"


def test_cancelling_keeps_the_row_with_who_and_why(api, deal, broker):
    activity = planned(deal, timezone.now() + dt.timedelta(days=1))
    url = f"/api/v1/activities/{activity.pk}/cancel/"
    assert api(broker).post(url, {"reason": ""}, format="json").json()["code"] == (
        "reason_required"
    )
    response = api(broker).post(url, {"reason": "企业负责人出差，改期另约"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED
    last = activity.history.order_by("-history_date").first()  # type: ignore[attr-defined]
    assert last.history_user == broker and "企业负责人出差" in last.history_change_reason
    assert api(broker).post(f"/api/v1/activities/{activity.pk}/held/", {}).status_code == 409
    events = api(broker).get(f"/api/v1/deals/{deal.pk}/history/").json()
    assert any(e["event"] == "activity_cancelled" and "出差" in e["comment"] for e in events)


def test_a_supervisor_sees_but_only_the_deal_brokers_mark(api, deal, supervisor):
    activity = planned(deal, timezone.now() + dt.timedelta(days=1))
    assert api(supervisor).get(f"/api/v1/activities/{activity.pk}/").status_code == 200
    response = api(supervisor).post(f"/api/v1/activities/{activity.pk}/held/", {})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "how",
    [
        "detail",
        "held",
        "minutes",
        "cancel",
        "plan",
        "page-held",
        "page-cancel",
        "page-minutes",
        "page-plan",
    ],
)
def test_another_organisation_gets_404_for_every_new_door(
    how, api, client, deal, broker, co_broker, other_broker, other_supervisor
):
    activity = planned(deal, timezone.now() + dt.timedelta(days=1))
    for stranger in (other_broker, other_supervisor, co_broker):  # co_broker: same org, not on it
        if how == "detail":
            code = api(stranger).get(f"/api/v1/activities/{activity.pk}/").status_code
        elif how == "plan":
            code = plan(api, stranger, deal).status_code
        elif how.startswith("page-"):
            client.force_login(stranger)
            name = {"page-plan": "deal-activity-plan"}.get(how, "activity-" + how[5:])
            arg = deal.pk if how == "page-plan" else activity.pk
            code = client.post(
                reverse(name, args=[arg]), {"reason": "x", "minutes": "x"}
            ).status_code
        else:
            code = (
                api(stranger)
                .post(f"/api/v1/activities/{activity.pk}/{how}/", {"reason": "x", "minutes": "x"})
                .status_code
            )
        assert code == 404, (stranger, how)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED
    assert Activity.objects.count() == 1
    assert api(other_supervisor).get("/api/v1/activities/").json()["count"] == 0


# --- the stage conditions -----------------------------------------------------------------------


def _blockers(api, user, deal, target):  # type: ignore[no-untyped-def]
    options = api(user).get(f"/api/v1/deals/{deal.pk}/transitions/").json()
    return next(o for o in options if o["target"] == target)


def test_a_planned_talk_does_not_satisfy_the_talk_condition_until_held_with_minutes(
    api, broker, supervisor
):
    deal = DealFactory(lead_broker=broker, state=DealState.ONLINE_TALKS)
    activity = planned(deal, timezone.now() + dt.timedelta(hours=1), kind="online_talk")
    option = _blockers(api, broker, deal, DealState.OFFLINE_MEETING)
    assert not option["allowed"]
    assert any("举行后" in b for b in option["blockers"])
    request = api(broker).post(
        f"/api/v1/deals/{deal.pk}/transition-requests/", {"target": "offline_meeting"}
    )
    assert request.status_code == 409 and request.json()["code"] == "conditions_unmet"

    api(broker).post(f"/api/v1/activities/{activity.pk}/held/", {}, format="json")
    option = _blockers(api, broker, deal, DealState.OFFLINE_MEETING)
    assert not option["allowed"] and any("还没有纪要" in b for b in option["blockers"])

    api(broker).post(
        f"/api/v1/activities/{activity.pk}/minutes/", {"minutes": "确认技术指标。"}, format="json"
    )
    assert _blockers(api, broker, deal, DealState.OFFLINE_MEETING)["allowed"]


def test_a_cancelled_or_planned_meeting_does_not_open_the_agreement_stage(api, broker):
    deal = DealFactory(lead_broker=broker, state=DealState.OFFLINE_MEETING)
    planned(deal, timezone.now() + dt.timedelta(days=1))
    cancelled = planned(deal, timezone.now() + dt.timedelta(days=2))
    services.activity_cancel(activity=cancelled, actor=broker, reason="改期")
    assert not _blockers(api, broker, deal, DealState.AGREEMENT)["allowed"]
    satisfy(deal, DealState.AGREEMENT)  # a held meeting with minutes
    assert _blockers(api, broker, deal, DealState.AGREEMENT)["allowed"]


# --- this week -----------------------------------------------------------------------------------


def test_the_week_runs_from_today_to_the_seventh_day_after_in_shanghai(broker, co_broker, org):
    deal = DealFactory(lead_broker=broker)
    other = DealFactory(lead_broker=co_broker)
    now = at(2026, 12, 2, 23, 30)  # a Wednesday night in Shanghai (15:30 UTC)
    with time_machine.travel(now - dt.timedelta(days=3), tick=False):
        missed = planned(deal, at(2026, 12, 1, 15, 0))  # passed, never marked
        first = planned(deal, at(2026, 12, 2, 23, 45))
        last = planned(deal, at(2026, 12, 9, 23, 59))
        planned(deal, at(2026, 12, 10, 0, 0))  # the eighth day: next week's
        planned(other, at(2026, 12, 3, 9, 0))  # another broker's
        held = planned(deal, at(2026, 12, 3, 10, 0))
    Activity.objects.filter(pk=held.pk).update(status=ActivityStatus.HELD)
    ids = [a.pk for a in meetings_ahead(broker, now=now)]
    assert ids == [missed.pk, first.pk, last.pk]
    # A few minutes later it is Thursday in Shanghai (still Wednesday in UTC): the window moves.
    thursday = [a.pk for a in meetings_ahead(broker, now=at(2026, 12, 3, 0, 5))]
    assert thursday[-1] != last.pk and len(thursday) == 4


def test_the_week_page_lists_a_broker_own_and_a_supervisor_filters_by_broker(
    client, broker, co_broker, supervisor, other_supervisor
):
    mine = DealFactory(lead_broker=broker, title="随形冷却模具专利许可")
    theirs = DealFactory(lead_broker=co_broker, title="锂电池隔膜涂覆工艺")
    planned(mine, timezone.now() + dt.timedelta(days=1))
    planned(theirs, timezone.now() + dt.timedelta(days=2))
    client.force_login(broker)
    page = client.get(reverse("meetings")).content.decode()
    assert "随形冷却模具专利许可" in page and "锂电池隔膜涂覆工艺" not in page
    assert "已举行" in page
    client.force_login(supervisor)
    page = client.get(reverse("meetings")).content.decode()
    assert "随形冷却模具专利许可" in page and "锂电池隔膜涂覆工艺" in page
    page = client.get(reverse("meetings") + f"?broker={co_broker.pk}").content.decode()
    assert "随形冷却模具专利许可" not in page and "锂电池隔膜涂覆工艺" in page
    client.force_login(other_supervisor)
    page = client.get(reverse("meetings")).content.decode()
    assert "随形冷却模具专利许可" not in page and "锂电池隔膜涂覆工艺" not in page


def test_held_from_the_week_page_is_one_post_and_says_so_there(client, deal, broker):
    activity = planned(deal, timezone.now() + dt.timedelta(hours=1))
    client.force_login(broker)
    back = reverse("meetings")
    response = client.post(reverse("activity-held", args=[activity.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.HELD
    page = client.get(back).content.decode()
    assert "为已举行" in page and "补充纪要" in page


def test_a_plan_refused_on_the_deal_page_shows_every_error_at_its_field(client, deal, broker):
    client.force_login(broker)
    past = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("deal-activity-plan", args=[deal.pk]),
        {
            "plan-kind": "offline_meeting",
            "plan-occurred_at": past,
            "plan-location": "",
            "plan-participants": "企业总工",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("deal-detail", args=[deal.pk])).content.decode()
    assert "未保存：有 2 处需要修改" in page
    assert page.count('class="field has-error"') == 2
    assert "已过" in page and "请填写地点" in page
    assert "企业总工</textarea>" in page  # what was typed is kept
    assert not Activity.objects.exists()
    # Right the second time: planned, said at the activities.
    future = timezone.localtime(timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("deal-activity-plan", args=[deal.pk]),
        {"plan-kind": "offline_meeting", "plan-occurred_at": future, "plan-location": "企业会议室"},
    )
    page = client.get(reverse("deal-detail", args=[deal.pk])).content.decode()
    assert "已安排" in page and Activity.objects.get().status == ActivityStatus.PLANNED


# --- the day before -----------------------------------------------------------------------------


def test_the_day_before_notification_goes_once_from_midnight_in_shanghai(
    broker, co_broker, supervisor, django_capture_on_commit_callbacks
):
    deal = DealFactory(lead_broker=broker, title="注塑件表面缩痕问题攻关")
    services.deal_set_brokers(
        deal=deal, actor=broker, shares=[(broker, "60"), (co_broker, "40")], reason="合作"
    )
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False):
        meeting = planned(deal, at(2026, 12, 3, 9, 30), location="企业会议室")
        cancelled = planned(deal, at(2026, 12, 3, 14, 0))
        services.activity_cancel(activity=cancelled, actor=broker, reason="改期")

    # 23:50 on 1 December: the meeting is on the 3rd, not tomorrow yet.
    with (
        time_machine.travel(at(2026, 12, 1, 23, 50), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sweep_meetings_tomorrow.delay().get() == 0
    # 00:10 on 2 December (still the 1st in UTC): the day before has begun.
    with time_machine.travel(at(2026, 12, 2, 0, 10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_meetings_tomorrow.delay().get() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_meetings_tomorrow.delay().get() == 0  # re-run: nothing
    with (
        time_machine.travel(at(2026, 12, 3, 8, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.activities_sweep_tomorrow() == 0  # the day itself: not again
    notes = Notification.objects.filter(kind=kinds.MEETING_TOMORROW)
    assert sorted(n.user_id for n in notes) == sorted([broker.pk, co_broker.pk])
    note = notes.first()
    assert note is not None and note.deal_id == deal.pk
    assert "明天 09:30" in note.text and "注塑件表面缩痕问题攻关" in note.text
    assert "企业会议室" in note.text
    assert not Notification.objects.filter(user=supervisor, kind=kinds.MEETING_TOMORROW).exists()
    assert meeting.pk  # announced by key, once per activity


def test_a_meeting_planned_for_later_today_is_announced_at_the_next_run(
    broker, django_capture_on_commit_callbacks
):
    deal = DealFactory(lead_broker=broker)
    with time_machine.travel(at(2026, 12, 2, 9, 0), tick=False):
        planned(deal, at(2026, 12, 2, 16, 0))
        planned(deal, at(2026, 12, 2, 8, 0))  # already begun: too late to remind
        with django_capture_on_commit_callbacks(execute=True):
            assert services.activities_sweep_tomorrow() == 1
    assert "今天 16:00" in Notification.objects.get().text


def test_the_sweep_is_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "deals.tasks.sweep_meetings_tomorrow" in tasks


def test_the_api_lists_the_week_per_broker(api, broker, co_broker, supervisor, other_supervisor):
    mine = DealFactory(lead_broker=broker)
    theirs = DealFactory(lead_broker=co_broker)
    soon = planned(mine, timezone.now() + dt.timedelta(days=1))
    planned(mine, timezone.now() + dt.timedelta(days=12))  # after this week
    other = planned(theirs, timezone.now() + dt.timedelta(days=2))
    week = api(supervisor).get("/api/v1/activities/?week=true").json()["results"]
    assert [a["id"] for a in week] == [soon.pk, other.pk]
    only = api(supervisor).get(f"/api/v1/activities/?week=true&broker={co_broker.pk}").json()
    assert [a["id"] for a in only["results"]] == [other.pk]
    assert [
        a["id"] for a in api(broker).get("/api/v1/activities/?week=true").json()["results"]
    ] == [soon.pk]
    assert api(other_supervisor).get("/api/v1/activities/?week=true").json()["count"] == 0
    assert api(supervisor).get("/api/v1/activities/?broker=abc").status_code == 400


def test_the_week_page_queries_do_not_grow_with_its_rows(client, broker, co_broker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        client.force_login(broker)
        client.get(reverse("meetings"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("meetings")).status_code == 200
        return len(ctx.captured_queries)

    planned(DealFactory(lead_broker=broker), timezone.now() + dt.timedelta(days=1))
    few = count()
    for i in range(5):
        deal = DealFactory(lead_broker=broker)
        services.deal_set_brokers(
            deal=deal, actor=broker, shares=[(broker, "50"), (co_broker, "50")], reason="合作"
        )
        planned(deal, timezone.now() + dt.timedelta(days=2, hours=i))
    assert count() == few
