"""Writes of public submissions: receiving one (a reference number, a receipt by e-mail, the
region's supervisors told), and the triage decisions — accept into the library (optionally
opening a deal), merge into a record already there, decline with a reason. Each decision is
taken once, under the row's lock, with who and why on the submission's history; e-mails and
notifications go out after commit, and a sweep resends what a mail outage lost."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_fsm import ConcurrentTransition

from brokers.models import Role, User
from brokers.regions import region_name
from common.exceptions import ConcurrentUpdate, ValidationFailed
from common.history import stamp
from common.language import in_chinese, written_in_chinese
from common.tasks import enqueue_on_commit
from deals import services as deal_services
from deals.models import Achievement, Demand
from intake import permissions, selectors
from intake.exceptions import DuplicateRecord, SubmissionDecided
from intake.forms import PRIVACY_NOTICE_VERSION
from intake.models import (
    REFERENCE_PREFIX,
    ReferenceCounter,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from notifications import kinds
from notifications.services import notifications_resolve, notify, supervisors_of
from records.services import enterprise_find_or_create, institution_find_or_create

logger = logging.getLogger(__name__)

REASON_MAX = 2000


# --- receiving ------------------------------------------------------------------------------------


def reference_next(*, kind: str, now: dt.datetime | None = None) -> str:
    """The next reference of this kind this year (Beijing time): XQ-2026-000123. The counter row
    is incremented by one UPDATE, which holds its lock until the caller's transaction ends, so
    parallel submissions each get their own number; the first of a year creates the row."""
    prefix = REFERENCE_PREFIX[SubmissionKind(kind)]
    year = timezone.localtime(now or timezone.now()).year
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
        except IntegrityError:  # created by a parallel submission a moment ago
            pass
        ReferenceCounter.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
        last = ReferenceCounter.objects.get(prefix=prefix, year=year).last
    return f"{prefix}-{year}-{last:06d}"


def _admins() -> Any:
    return User.objects.filter(role=Role.ADMIN, is_active=True).only("id")


def _triage_url(submission: Submission) -> str:
    return reverse("triage-detail", args=[submission.pk])


@transaction.atomic
def submission_receive(
    *,
    kind: str,
    title: str,
    party: str,
    description: str,
    region: str,
    contact: str,
    email: str,
    consent: bool,
    phone: str = "",
    credit_code: str = "",
    industry: str = "",
    budget: Any = None,
    deadline: dt.date | None = None,
    achievement_kind: str = "",
    patent_number: str = "",
    maturity: int | None = None,
    asking_price: Any = None,
    now: dt.datetime | None = None,
) -> Submission:
    """A submission from the public forms (already checked by `intake.forms`). Stored as typed;
    routed to the organisation whose region covers `region`; nothing enters the library."""
    if not consent:
        raise ValidationFailed(
            _("请阅读个人信息处理说明并勾选同意，才能提交。"), code="consent_required"
        )
    now = now or timezone.now()
    organisation = selectors.organisation_for_region(region)
    submission = Submission(
        reference=reference_next(kind=kind, now=now),
        kind=kind,
        organisation=organisation,
        title=title,
        party=party,
        description=description,
        credit_code=credit_code,
        industry=industry,
        region=region,
        budget=budget,
        deadline=deadline,
        achievement_kind=achievement_kind,
        patent_number=patent_number,
        maturity=maturity,
        asking_price=asking_price,
        contact=contact,
        phone=phone,
        email=email,
        consented_at=now,
        privacy_notice=PRIVACY_NOTICE_VERSION,
    )
    try:
        submission.full_clean(exclude=["status"])
    except DjangoValidationError as exc:  # the forms check all of it first; a direct caller may not
        raise ValidationFailed(_("；").join(exc.messages)) from exc
    stamp(submission, None, gettext_noop("公开征集提交"))
    submission.save()
    from intake import tasks

    enqueue_on_commit(tasks.send_receipt, submission.pk)
    organisation_id = organisation.pk if organisation else None
    with in_chinese():  # read later by the supervisors, whatever the submitter reads
        text = _("公开征集待分拣：%(kind)s“%(title)s”（%(ref)s，%(region)s）") % {
            "kind": SubmissionKind(kind).label,
            "title": title[:80],
            "ref": submission.reference,
            "region": region_name(region),
        }
    notify(
        recipients=lambda: supervisors_of(organisation_id) if organisation_id else _admins(),
        kind=kinds.SUBMISSION_WAITING,
        text=text,
        key=f"submission-waiting:{submission.pk}",
        url=_triage_url(submission),
    )
    return submission


# --- triage ---------------------------------------------------------------------------------------


def _lock_pending(submission: Submission, actor: User) -> Submission:
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    permissions.may_triage.require(actor, locked)
    if locked.status != SubmissionStatus.PENDING:
        raise SubmissionDecided(
            _("这条提交已于 %(at)s 由 %(who)s 处理（%(status)s），不能再次处理。")
            % {
                "at": timezone.localtime(locked.decided_at).strftime("%Y-%m-%d %H:%M")
                if locked.decided_at
                else "",
                "who": locked.decided_by or _("系统"),
                "status": SubmissionStatus(locked.status).label,
            }
        )
    return locked


def _decided(submission: Submission, actor: User, reason: str) -> Submission:
    submission.decided_by = actor
    submission.decided_at = timezone.now()
    stamp(submission, actor, reason)
    try:
        submission.save()
    except ConcurrentTransition as exc:  # pragma: no cover - the row lock serialises deciders
        raise ConcurrentUpdate(_("这条提交刚被别人处理，请刷新后查看。")) from exc
    from intake import tasks

    enqueue_on_commit(tasks.send_decision, submission.pk)
    key = f"submission-waiting:{submission.pk}"
    transaction.on_commit(lambda: notifications_resolve(keys=[key]), robust=True)
    return submission


def _contact_line(submission: Submission) -> str:
    parts = [submission.contact, submission.phone, submission.email]
    return " ".join(p for p in parts if p)[:200]


def _lead_broker(actor: User, submission: Submission, lead_broker_id: int | None) -> User:
    if lead_broker_id is None:
        raise ValidationFailed(
            _("开立项目须指定主办经纪人（lead_broker）。"), code="lead_broker_required"
        )
    lead = User.objects.filter(pk=lead_broker_id, role=Role.BROKER, is_active=True).first()
    home = submission.organisation_id if not actor.is_admin else None
    if (
        lead is None
        or (home is not None and lead.organisation_id != home)
        or (home is None and lead.organisation_id is None)
    ):
        raise ValidationFailed(
            _("主办经纪人应是受理机构的在职经纪人（编号 %(id)s 不是）。") % {"id": lead_broker_id},
            code="bad_lead_broker",
        )
    return lead


@transaction.atomic
def submission_accept(
    *,
    actor: User,
    submission: Submission,
    open_deal: bool = False,
    lead_broker_id: int | None = None,
) -> Submission:
    """Into the library: the need or achievement is created (its enterprise or owner found by
    credit code or name, created the first time); for a need, `open_deal` opens a deal in the lead
    broker's caseload at once."""
    submission = _lock_pending(submission, actor)
    if open_deal and submission.kind != SubmissionKind.NEED:
        raise ValidationFailed(_("只有技术需求可以开立项目。"), code="open_deal_need_only")
    lead = _lead_broker(actor, submission, lead_broker_id) if open_deal else None
    reason = _("公开征集受理：%(ref)s") % {"ref": submission.reference}
    submission.accept()
    if submission.kind == SubmissionKind.NEED:
        enterprise = enterprise_find_or_create(
            actor=actor,
            name=submission.party,
            credit_code=submission.credit_code,
            region=submission.region,
            contact=submission.contact,
            phone=submission.phone,
            email=submission.email,
            reason=reason,
        )
        submission.demand = deal_services.demand_create(
            actor=actor,
            reason=reason,
            title=submission.title,
            description=submission.description,
            enterprise=submission.party,
            enterprise_record=enterprise,
            industry=submission.industry,
            region=submission.region,
            budget=submission.budget,
            deadline=submission.deadline,
            contact=_contact_line(submission),
            submitted_publicly=True,
        )
        if lead is not None:
            submission.deal = deal_services.deal_create(
                actor=actor, demand=submission.demand, lead_broker=lead
            )
    else:
        if submission.patent_number:
            same = Achievement.objects.filter(patent_number=submission.patent_number).first()
            if same is not None:
                raise DuplicateRecord(
                    _("专利号 %(number)s 已在成果库中（“%(title)s”，编号 %(id)s）：请改用合并。")
                    % {"number": submission.patent_number, "title": same.title, "id": same.pk}
                )
        owner = institution_find_or_create(
            actor=actor,
            name=submission.party,
            credit_code=submission.credit_code,
            region=submission.region,
            contact=submission.contact,
            phone=submission.phone,
            email=submission.email,
            reason=reason,
        )
        submission.achievement = deal_services.achievement_create(
            actor=actor,
            reason=reason,
            title=submission.title,
            description=submission.description,
            owner=submission.party,
            owner_record=owner,
            kind=submission.achievement_kind or "other",
            patent_number=submission.patent_number or None,
            industry=submission.industry,
            maturity=submission.maturity,
            asking_price=submission.asking_price,
            region=submission.region,
            contact=_contact_line(submission),
            submitted_publicly=True,
        )
    return _decided(submission, actor, str(reason))


@transaction.atomic
def submission_merge(*, actor: User, submission: Submission, into: Any) -> Submission:
    """The library holds it already: the submission joins that need or achievement (which stays
    as it is); the submitter is told it was accepted."""
    submission = _lock_pending(submission, actor)
    try:
        pk = int(into)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            _("请填写要并入的记录编号（into）。"), code="bad_merge_target"
        ) from exc
    record: Demand | Achievement | None
    if submission.kind == SubmissionKind.NEED:
        record = selectors.demand_in_library(pk)
        submission.demand = record  # type: ignore[assignment]
    else:
        record = selectors.achievement_in_library(pk)
        submission.achievement = record  # type: ignore[assignment]
    if record is None:
        raise ValidationFailed(
            _("%(kind)s库中没有编号 %(id)s 的记录。")
            % {"kind": SubmissionKind(submission.kind).label, "id": pk},
            code="bad_merge_target",
        )
    submission.merge()
    reason = _("并入已有%(kind)s #%(id)s“%(title)s”") % {
        "kind": SubmissionKind(submission.kind).label,
        "id": record.pk,
        "title": record.title[:40],
    }
    return _decided(submission, actor, str(reason))


@transaction.atomic
def submission_decline(*, actor: User, submission: Submission, reason: Any) -> Submission:
    """Not taken into the library; the reason is mailed to the submitter and shown on the status
    page, so write it for them."""
    text = str(reason or "").strip()
    if not text:
        raise ValidationFailed(
            _("请填写不予受理的原因，它将发送给提交人。"), code="reason_required"
        )
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            _("原因过长（%(n)d 字），不超过 %(max)d 字。") % {"n": len(text), "max": REASON_MAX},
            code="reason_too_long",
        )
    submission = _lock_pending(submission, actor)
    submission.decline()
    submission.decline_reason = text
    return _decided(submission, actor, _("不予受理：%(reason)s") % {"reason": text})


# --- mail to the submitter ------------------------------------------------------------------------


def _status_link(submission: Submission) -> str:
    from urllib.parse import urlencode

    base = getattr(settings, "SITE_URL", "").rstrip("/")
    query = urlencode({"ref": submission.reference, "email": submission.email})
    return f"{base}{reverse('submission-status')}?{query}"


def _mail(submission: Submission, subject: str, body: str) -> bool:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [submission.email])
    except OSError:
        logger.exception("mail to submission %s failed; the sweep retries", submission.pk)
        return False
    return True


@written_in_chinese
def submission_send_receipt(*, submission_id: int) -> bool:
    """The receipt with the reference number, once (idempotent: the sweep may race the task)."""
    submission = Submission.objects.filter(pk=submission_id, receipt_sent_at__isnull=True).first()
    if submission is None:
        return False
    body = _(
        "您好，%(contact)s：\n\n"
        "我们已收到您提交的%(kind)s“%(title)s”，受理编号 %(ref)s。\n"
        "受理地区的技术转移机构将尽快审核，结果会发送到本邮箱。\n"
        "您也可以凭受理编号和本邮箱随时查询处理进度：\n%(link)s\n\n"
        "此邮件由系统发送，请勿直接回复。"
    ) % {
        "contact": submission.contact,
        "kind": SubmissionKind(submission.kind).label,
        "title": submission.title,
        "ref": submission.reference,
        "link": _status_link(submission),
    }
    subject = _("已收到您的提交（受理编号 %(ref)s）") % {"ref": submission.reference}
    if not _mail(submission, subject, body):
        return False
    return bool(
        Submission.objects.filter(pk=submission.pk, receipt_sent_at__isnull=True).update(
            receipt_sent_at=timezone.now()
        )
    )


@written_in_chinese
def submission_send_decision(*, submission_id: int) -> bool:
    """The triage result, once."""
    submission = (
        Submission.objects.filter(pk=submission_id, decision_sent_at__isnull=True)
        .exclude(status=SubmissionStatus.PENDING)
        .first()
    )
    if submission is None:
        return False
    facts = {
        "contact": submission.contact,
        "kind": SubmissionKind(submission.kind).label,
        "title": submission.title,
        "ref": submission.reference,
        "reason": submission.decline_reason,
        "link": _status_link(submission),
    }
    if submission.status == SubmissionStatus.DECLINED:
        body = _(
            "您好，%(contact)s：\n\n您提交的%(kind)s“%(title)s”（%(ref)s）未予受理。\n"
            "原因：%(reason)s\n\n如有疑问或补充材料，欢迎重新提交。\n%(link)s"
        )
    else:
        body = _(
            "您好，%(contact)s：\n\n您提交的%(kind)s“%(title)s”（%(ref)s）已受理，"
            "技术经纪人将与您联系。\n处理进度可随时查询：\n%(link)s"
        )
    subject = _("您的提交 %(ref)s 有了处理结果") % {"ref": submission.reference}
    if not _mail(submission, subject, body % facts):
        return False
    return bool(
        Submission.objects.filter(pk=submission.pk, decision_sent_at__isnull=True).update(
            decision_sent_at=timezone.now()
        )
    )


def submissions_sweep_mail(*, older_than: dt.timedelta = dt.timedelta(minutes=5)) -> int:
    """Periodic: receipts and decisions whose mail was lost (broker or mail server down)."""
    cutoff = timezone.now() - older_than
    sent = 0
    for pk in Submission.objects.filter(
        receipt_sent_at__isnull=True, received_at__lt=cutoff
    ).values_list("pk", flat=True)[:500]:
        sent += submission_send_receipt(submission_id=pk)
    for pk in (
        Submission.objects.exclude(status=SubmissionStatus.PENDING)
        .filter(decision_sent_at__isnull=True, decided_at__lt=cutoff)
        .values_list("pk", flat=True)[:500]
    ):
        sent += submission_send_decision(submission_id=pk)
    return sent
