"""Writes of notifications. `notify` is the one call other apps make.

A notification is created after the writer's transaction commits (nothing is announced for work
that rolled back) and once only: (user, key) is unique, so a re-run sweep or a repeated event adds
nothing and sends no second e-mail. E-mail goes out per each person's choice: immediately (a task
scheduled after the rows are written), in the daily digest, or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.constants import OnConflict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from brokers.models import Role, User
from common.exceptions import NotAllowed, ValidationFailed
from common.tasks import enqueue
from notifications import kinds
from notifications.models import EmailMode, Notification, NotificationSettings

logger = logging.getLogger(__name__)

Recipients = Iterable[Any] | Callable[[], Iterable[Any]]


@dataclass(frozen=True)
class Note:
    """One event to announce: the same text to each recipient, once per (recipient, key)."""

    kind: str
    text: str
    key: str
    deal_id: int | None = None
    url: str = ""


def _user_ids(recipients: Recipients) -> set[int]:
    people = recipients() if callable(recipients) else recipients
    return {p if isinstance(p, int) else p.pk for p in people if p is not None}


def notify(
    *,
    recipients: Recipients,
    kind: str,
    text: str,
    key: str,
    deal_id: int | None = None,
    url: str = "",
) -> None:
    """Tell these people (users or ids, or a callable returning them, evaluated after commit)."""
    notify_many([(recipients, Note(kind=kind, text=text, key=key, deal_id=deal_id, url=url))])


def notify_many(items: list[tuple[Recipients, Note]]) -> None:
    for _recipients, note in items:
        if not kinds.is_known(note.kind):
            raise ValueError(f"unknown notification kind {note.kind!r}: register_kind() it first")
    if items:
        # robust: the writer's work is committed; a failure to announce it is logged, never
        # turned into an error answer for a write that happened.
        transaction.on_commit(lambda: _deliver(items), robust=True)


def _deliver(items: list[tuple[Recipients, Note]]) -> None:
    # Plain tuples in the order of _INSERTED, not model instances: a reward batch announces
    # 10^5 rewards, and building a Notification per row cost a quarter of its time.
    rows = [
        (user_id, note.kind, note.text[:500], note.key[:200], note.deal_id, note.url[:300])
        for recipients, note in items
        for user_id in sorted(_user_ids(recipients))
    ]
    if not rows:
        return
    _insert_ignoring_duplicates(rows)
    if not _wants_mail_now({row[0] for row in rows}):
        return  # nobody to write to now: no task (the daily run stamps rows of people without mail)
    from notifications.tasks import send_immediate_emails

    # A broker outage is logged and left to the daily run (which also sends what is left).
    enqueue(send_immediate_emails)


_INSERTED = ("user_id", "kind", "text", "key", "deal_id", "url", "created_at")


def _insert_ignoring_duplicates(rows: list[tuple[Any, ...]]) -> None:
    """One multi-row INSERT that skips (user, key) pairs already there: what
    `bulk_create(ignore_conflicts=True)` does, without building and preparing a model instance
    per row (a sweep writes 10^4 rows, a reward batch 10^5; that alone took seconds). Each row
    holds the values of `_INSERTED` but the last, the time of the insert. The SQL is built from
    Django's own per-database conflict clauses and the model's column names; every value is a
    bound parameter."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _INSERTED)
    fields = [Notification._meta.get_field("user"), Notification._meta.get_field("key")]
    suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    head = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    per_row = "(" + ", ".join(["%s"] * len(_INSERTED)) + ")"
    batch = 500  # 7 parameters a row: well under SQLite's and PostgreSQL's limits
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            sql = f"{head} {table} ({columns}) VALUES {', '.join([per_row] * len(chunk))} {suffix}"
            params: list[Any] = []
            for row in chunk:
                params.extend(row)
                params.append(now)
            cursor.execute(sql, params)


def _wants_mail_now(user_ids: set[int]) -> bool:
    """Whether one of these people has an address to write to. (Who chose a digest or no mail is
    the task's to sort out; the question here is only whether a task could have work.)"""
    return User.objects.filter(pk__in=user_ids).exclude(email="").exists()


# --- recipients -----------------------------------------------------------------------------------


def supervisors_of(organisation_id: int | None) -> QuerySet[User]:
    if organisation_id is None:
        return User.objects.none()
    return User.objects.filter(
        organisation_id=organisation_id, role=Role.SUPERVISOR, is_active=True
    ).only("id")


def finance_of(organisation_id: int | None) -> QuerySet[User]:
    if organisation_id is None:
        return User.objects.none()
    return User.objects.filter(
        organisation_id=organisation_id, role=Role.FINANCE, is_active=True
    ).only("id")


def existing_keys(keys: Iterable[str]) -> set[str]:
    """Which of these keys have been announced to anyone already (a sweep skips them)."""
    keys = list(keys)
    found: set[str] = set()
    for i in range(0, len(keys), 900):
        found.update(
            Notification.objects.filter(key__in=keys[i : i + 900]).values_list("key", flat=True)
        )
    return found


# --- reading and resolving ------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    if notification.user_id != user.pk:
        raise NotAllowed(_("只能标记自己的通知。"))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def unread_for_deals(*, user: User, kind: str, deal_ids: Iterable[int]) -> list[Notification]:
    """This person's unread notifications of one kind about these deals, newest first."""
    return list(
        Notification.objects.filter(
            user=user, kind=kind, deal_id__in=list(deal_ids), read_at__isnull=True
        ).order_by("-created_at", "-id")
    )


def notifications_mark_read(*, user: User, ids: Iterable[int]) -> int:
    """Mark these of the person's notifications read (seen where they were shown)."""
    return Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_resolve(*, keys: Iterable[str]) -> int:
    """What these notifications announced no longer waits (the deal moved, the request decided)."""
    return Notification.objects.filter(key__in=list(keys), resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


def notification_settings_for(user: User) -> NotificationSettings:
    found, _created = NotificationSettings.objects.get_or_create(user=user)
    return found


def notification_settings_update(*, user: User, email_mode: str) -> NotificationSettings:
    if email_mode not in EmailMode.values:
        raise ValidationFailed(
            _("邮件提醒应为 immediate（立即）、digest（每日汇总）或 off（不发）。"),
            code="invalid_email_mode",
        )
    found = notification_settings_for(user)
    if found.email_mode != email_mode:
        found.email_mode = email_mode
        found.save(update_fields=["email_mode"])
    return found


# --- e-mail ---------------------------------------------------------------------------------------


def _mode_q(mode: str) -> Q:
    q = Q(user__notification_settings__email_mode=mode)
    if mode == EmailMode.IMMEDIATE:  # the default for people who never chose
        q |= Q(user__notification_settings__isnull=True)
    return q


def _send(user: User, rows: list[Notification], digest: bool) -> None:
    if not user.email:
        return
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "rows": rows, "base": base, "digest": digest}
        subject = (
            _("DealDesk 每日提醒：%(n)s 条新通知") % {"n": len(rows)}
            if digest
            else f"DealDesk · {rows[0].text}"[:150]
        )
        body = render_to_string("notifications/email.txt", context)
    send_mail(subject, body, None, [user.email])


def emails_send_immediate() -> int:
    """Send each not-yet-sent notification of the people who chose immediate e-mail. Rows are
    locked and stamped in the same transaction as the send: run it twice, nothing goes twice."""
    return _send_batch(EmailMode.IMMEDIATE, digest=False)


def emails_send_digests() -> int:
    """The daily digest: one e-mail per person with everything not sent yet; plus whatever
    immediate e-mail could not be scheduled. People who chose no e-mail are marked done."""
    sent = _send_batch(EmailMode.DIGEST, digest=True) + emails_send_immediate()
    Notification.objects.filter(_mode_q(EmailMode.OFF), emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    return sent


def _send_batch(mode: str, *, digest: bool) -> int:
    sent = 0
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_mode_q(mode), emailed_at__isnull=True)
            .select_related("user")
            .order_by("user_id", "id")[:5000]
        )
        by_user: dict[int, list[Notification]] = {}
        for row in pending:
            by_user.setdefault(row.user_id, []).append(row)
        for rows in by_user.values():
            if digest:
                _send(rows[0].user, rows, digest=True)
                sent += 1
            else:
                for row in rows:
                    _send(row.user, [row], digest=False)
                    sent += 1
        Notification.objects.filter(pk__in=[r.pk for r in pending]).update(
            emailed_at=timezone.now()
        )
    return sent
