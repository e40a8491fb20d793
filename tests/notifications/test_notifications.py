"""Notifications: who gets each, once only, only after commit, e-mailed or digested as chosen;
escalations become notifications and get resolved_at."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from common.exceptions import ConditionsUnmet
from common.workdays import TZ
from deals import services
from deals.models import DealState, Escalation, EscalationKind
from notifications import kinds
from notifications.models import EmailMode, Notification, NotificationSettings
from notifications.services import emails_send_digests, emails_send_immediate, notify
from notifications.tasks import send_daily_digests
from tests.factories import DealFactory
from tests.helpers import satisfy

pytestmark = pytest.mark.django_db


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def of(kind: str) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user_id", "key"))


def test_a_request_waits_for_the_organisations_supervisors_only_after_commit(
    deal,
    broker,
    supervisor,
    second_supervisor,
    other_supervisor,
    django_capture_on_commit_callbacks,
):
    satisfy(deal, DealState.MATCHED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request = services.deal_request_transition(deal=deal, actor=broker, target="matched")
    assert not Notification.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    key = f"request-{request.pk}-waiting"
    assert of(kinds.REQUEST_WAITING) == sorted([(supervisor.pk, key), (second_supervisor.pk, key)])
    for callback in callbacks:  # the same event again: nothing new
        callback()
    assert Notification.objects.count() == 2


def test_a_rolled_back_request_announces_nothing(deal, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ConditionsUnmet):
        services.deal_request_transition(deal=deal, actor=broker, target="matched")  # unmet
    assert not Notification.objects.exists()


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_the_broker_hears_the_decision(
    decision, deal, broker, co_broker, supervisor, django_capture_on_commit_callbacks
):
    satisfy(deal, DealState.MATCHED)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.deal_request_transition(deal=deal, actor=broker, target="matched")
    with django_capture_on_commit_callbacks(execute=True):
        if decision == "approve":
            services.request_approve(request_id=request.pk, actor=supervisor, comment="同意")
        else:
            services.request_reject(request_id=request.pk, actor=supervisor, reason="材料不全")
    decided = Notification.objects.get(kind=kinds.REQUEST_DECIDED)
    assert decided.user == broker and decided.deal_id == deal.pk
    assert ("已批准" if decision == "approve" else "材料不全") in decided.text
    # The waiting notification is resolved: it no longer waits.
    waiting = Notification.objects.get(kind=kinds.REQUEST_WAITING, user=supervisor)
    assert waiting.resolved_at is not None


def test_escalations_become_notifications_once_and_are_resolved(
    broker, supervisor, other_supervisor, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        deal = DealFactory(lead_broker=broker)
        deal.due_at = services.stage_due_at(deal.state, deal.state_entered_at)
        deal.save()
        satisfy(deal, DealState.MATCHED)
        with django_capture_on_commit_callbacks(execute=True):
            request = services.deal_request_transition(deal=deal, actor=broker, target="matched")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deals_sweep_stalled(now=at(2026, 11, 12, 9)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deals_sweep_stalled(now=at(2026, 11, 12, 10)) == 0  # re-run: nothing
    overdue = Notification.objects.get(kind=kinds.DEAL_OVERDUE)
    unanswered = Notification.objects.get(kind=kinds.REQUEST_UNANSWERED)
    assert overdue.user == supervisor and unanswered.user == supervisor
    assert not Notification.objects.filter(user=other_supervisor).exists()
    # Deciding the request resolves its escalation; the move resolves the overdue one.
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(request_id=request.pk, actor=supervisor)
    assert not Escalation.objects.filter(resolved_at__isnull=True).exists()
    assert set(Escalation.objects.values_list("kind", flat=True)) == {
        EscalationKind.STAGE_OVERDUE,
        EscalationKind.REQUEST_UNANSWERED,
    }
    overdue.refresh_from_db()
    unanswered.refresh_from_db()
    assert overdue.resolved_at is not None and unanswered.resolved_at is not None


def test_eighty_percent_of_the_budget_tells_the_deals_brokers_once(
    broker, co_broker, supervisor, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):  # intake: 7 working days
        deal = DealFactory(lead_broker=broker)
        services.deal_set_brokers(
            deal=deal, actor=broker, shares=[(broker, "60"), (co_broker, "40")]
        )
        deal.due_at = services.stage_due_at(deal.state, deal.state_entered_at)
        deal.save()
    assert deal.due_at == at(2026, 11, 11, 9)
    with django_capture_on_commit_callbacks(execute=True):
        services.deals_sweep_stalled(now=at(2026, 11, 9, 20))  # 5.5 of 7 days: 79%
    assert not Notification.objects.filter(kind=kinds.BUDGET_80).exists()
    for now in (at(2026, 11, 10, 0), at(2026, 11, 10, 12)):  # 5.6 days = 80%, then later
        with django_capture_on_commit_callbacks(execute=True):
            services.deals_sweep_stalled(now=now)
    assert {n.user_id for n in Notification.objects.filter(kind=kinds.BUDGET_80)} == {
        broker.pk,
        co_broker.pk,
    }
    assert Notification.objects.filter(kind=kinds.BUDGET_80).count() == 2
    assert not Notification.objects.filter(user=supervisor, kind=kinds.BUDGET_80).exists()


def test_rewards_tell_their_brokers_and_finance(
    register, zhenhai, broker, finance, org, django_capture_on_commit_callbacks
):
    from tests.factories import FinanceFactory

    finance2 = FinanceFactory(username="qianduo", organisation=org)  # four eyes for paying
    from rewards.models import Reward
    from rewards.services import reward_approve, reward_pay

    with django_capture_on_commit_callbacks(execute=True):
        deal = register(broker, "1000000.00")
    reward = Reward.objects.get(deal=deal)
    assert of(kinds.REWARD_COMPUTED) == [(broker.pk, f"reward-{reward.pk}-calculated")]
    assert of(kinds.REWARD_WAITING) == sorted(
        [(finance.pk, f"reward-{reward.pk}-waiting"), (finance2.pk, f"reward-{reward.pk}-waiting")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        reward_approve(reward_id=reward.pk, actor=finance)
    with django_capture_on_commit_callbacks(execute=True):
        reward_pay(
            reward_id=reward.pk, actor=finance2, paid_on=timezone.localdate(), reference="FK-1"
        )
    assert [u for u, _k in of(kinds.REWARD_APPROVED)] == [broker.pk]
    assert [u for u, _k in of(kinds.REWARD_PAID)] == [broker.pk]
    assert "15,000.00" in Notification.objects.get(kind=kinds.REWARD_PAID).text


# --- e-mail ----------------------------------------------------------------------------------------


def _note(users, key: str) -> None:
    notify(recipients=users, kind=kinds.MEETING_TOMORROW, text=f"明天 {key}", key=key)


def test_email_immediate_digest_or_none_as_each_person_chose(
    broker, co_broker, supervisor, django_capture_on_commit_callbacks
):
    broker.email, co_broker.email, supervisor.email = "a@example.org", "b@example.org", "c@x.org"
    for user in (broker, co_broker, supervisor):
        user.save()
    NotificationSettings.objects.create(user=co_broker, email_mode=EmailMode.DIGEST)
    NotificationSettings.objects.create(user=supervisor, email_mode=EmailMode.OFF)
    with django_capture_on_commit_callbacks(execute=True):
        _note([broker, co_broker, supervisor], "k1")
    with django_capture_on_commit_callbacks(execute=True):
        _note([broker, co_broker, supervisor], "k2")
    # Immediate: one mail per notification, sent as they were created.
    assert [m.to for m in mail.outbox] == [["a@example.org"], ["a@example.org"]]
    assert emails_send_immediate() == 0  # run again: nothing goes twice
    # The digest: one mail with both; nothing for the person who chose none.
    assert send_daily_digests.delay().get() == 1
    assert [m.to for m in mail.outbox[2:]] == [["b@example.org"]]
    assert "明天 k1" in mail.outbox[2].body and "明天 k2" in mail.outbox[2].body
    assert emails_send_digests() == 0
    assert len(mail.outbox) == 3
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


# --- API and pages -----------------------------------------------------------------------------


def test_the_api_lists_reads_and_reads_all(
    api, broker, co_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for key in ("a", "b", "c"):
            _note([broker], key)
        _note([co_broker], "theirs")
    client = api(broker)
    rows = client.get("/api/v1/notifications/?unread=true").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert len(rows) == 3 and {"id", "kind", "text", "deal", "created_at", "read_at"} <= set(
        rows[0]
    )
    first = rows[0]["id"]
    read = client.post(f"/api/v1/notifications/{first}/read/")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    unread = client.get("/api/v1/notifications/?unread=true").json()
    assert (unread["count"] if isinstance(unread, dict) else len(unread)) == 2
    theirs = Notification.objects.get(user=co_broker)
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post("/api/v1/notifications/99999999999999999999/read/").status_code == 404
    assert client.get("/api/v1/notifications/?unread=maybe").status_code == 400
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    bad = client.put("/api/v1/notifications/settings/", {"email_mode": "fax"}, format="json")
    assert bad.status_code == 400
    ok = client.put("/api/v1/notifications/settings/", {"email_mode": "digest"}, format="json")
    assert ok.json() == {"email_mode": "digest"}


def test_the_bell_and_the_page(client, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _note([broker], "x")
    client.force_login(broker)
    board = client.get("/board/").content.decode()
    assert 'data-testid="bell-count">1<' in board
    page = client.get("/notifications/").content.decode()
    assert "明天 x" in page
    client.post("/notifications/read-all/")
    assert 'data-testid="bell-count">0<' in client.get("/board/").content.decode()


def test_the_email_choice_on_the_page_answers_at_its_field(client, broker):
    client.force_login(broker)
    refused = client.post(reverse("notifications-email"), {"email_mode": "fax"})
    assert refused.status_code == 400
    html = refused.content.decode()
    field = html[html.index('id="email-mode"') :]
    assert 'class="field has-error"' in field
    assert "fax" in field  # Django's word for a choice it does not know names what was sent
    assert NotificationSettings.objects.filter(user=broker).first() is None or (
        NotificationSettings.objects.get(user=broker).email_mode != "fax"
    )
    saved = client.post(reverse("notifications-email"), {"email_mode": "digest"}, follow=True)
    assert saved.redirect_chain[-1][0].endswith("#email-mode")
    html = saved.content.decode()
    panel = html[html.index('id="email-mode"') :]
    assert 'role="status"' in panel
    assert NotificationSettings.objects.get(user=broker).email_mode == EmailMode.DIGEST


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="register_kind"):
        notify(recipients=[], kind="nonsense", text="x", key="x")


def test_a_notification_sweep_never_resends(
    deal, broker, supervisor, django_capture_on_commit_callbacks
):
    """Re-running the whole sweep a day later adds nothing (keys)."""
    with time_machine.travel(timezone.now()):
        with django_capture_on_commit_callbacks(execute=True):
            services.deals_sweep_stalled()
        count = Notification.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            services.deals_sweep_stalled()
        assert Notification.objects.count() == count


def test_a_failed_delivery_never_fails_the_committed_write(
    broker, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    """The writer's work is committed before its notifications are written: a failure then is
    logged, not raised into the request that already succeeded."""
    from django.db import DatabaseError

    from notifications import services as notification_services

    def refuse(rows):  # type: ignore[no-untyped-def]
        raise DatabaseError("disk full")

    monkeypatch.setattr(notification_services, "_insert_ignoring_duplicates", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        _note([broker], "lost")
    assert not Notification.objects.filter(key="lost").exists()
    assert "disk full" in caplog.text
