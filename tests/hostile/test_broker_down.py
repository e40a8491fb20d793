"""A down Redis never turns a committed write into an error, and the work it would have sent is
done later by a sweep — checked as a class.

- Every send of background work in the project goes through `common.tasks.enqueue` /
  `enqueue_on_commit` (which log a broker outage instead of raising): no `.delay(`,
  `.apply_async(` or `send_task(` anywhere else.
- Every task sent that way is named in `RECOVERED_BY` with the beat entry that finds its work again
  from the database, and that entry is scheduled: a new kind of work must say who recovers it.
- Writes whose work was recovered by nothing before (a cancelled registration's void/clawback)
  and public forms, with Redis at a closed port: a 2xx, the row committed, the sweep finishing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from config.celery import app
from rewards.models import Reward
from tests.rewards.test_broker_outage import redis_unreachable  # noqa: F401

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
SOURCES = [
    p
    for p in ROOT.rglob("*.py")
    if not {".venv", "tests", "bench", "node_modules", "migrations"} & set(p.parts)
]

# task → the beat entry whose sweep does its work when the send was lost (docs/architecture.md).
RECOVERED_BY = {
    "compute_reward": "rewards-sweep-registered",
    "recompute_pending_rewards": "rewards-sweep-registered",
    "compute_payment_reward": "rewards-sweep-unrewarded-payments",
    "registration_cancelled": "rewards-sweep-cancelled-registrations",
    "render_contract_document": "contracts-sweep-pending-documents",
    "update_match_index": "matching-sweep-missed-changes",
    "build_match_snapshot": "matching-sweep-missed-changes",
    "run_import": "matching-sweep-import-jobs",
    "send_receipt": "intake-sweep-mail",
    "send_decision": "intake-sweep-mail",
    "notify_proposers": "challenges-sweep-unnotified",
    "send_immediate_emails": "notifications-daily-digest",
}


def test_every_send_goes_through_the_robust_enqueue():
    direct = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in SOURCES
        if path != ROOT / "common" / "tasks.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.(delay|apply_async|send_task|delay_on_commit)\(", line)
    ]
    assert direct == []


def test_every_task_sent_names_the_sweep_that_recovers_it():
    sent = {
        match.split(".")[-1]
        for path in SOURCES
        if path != ROOT / "common" / "tasks.py"  # the helpers themselves
        for match in re.findall(r"\benqueue(?:_on_commit)?\(\s*([\w.]+)", path.read_text())
    }
    assert sent, "no enqueue found: the pattern no longer matches the code"
    assert sorted(sent - set(RECOVERED_BY)) == []
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert sorted(set(RECOVERED_BY.values()) - set(schedule)) == []


@pytest.fixture
def registered(zhenhai, register, broker):  # type: ignore[no-untyped-def]
    from rewards.services import reward_compute

    deal = register(broker, "1000000.00", registered_on=dt.date(2026, 2, 3))
    reward_compute(deal_id=deal.pk, actor=None)
    return deal


def test_a_registration_cancelled_while_redis_is_down_answers_200_and_the_sweep_voids_the_reward(
    api, supervisor, registered, django_capture_on_commit_callbacks, request
):
    from rewards.tasks import sweep_cancelled_registrations

    assert Reward.objects.filter(deal=registered, active=True).count() == 1
    contract = registered.contracts.get()
    request.getfixturevalue("redis_unreachable")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api(supervisor).post(
            f"/api/v1/contracts/{contract.pk}/registration/cancel/",
            {"reason": "登记机构撤销认定"},
            format="json",
        )
    assert response.status_code == 200, response.json()
    assert callbacks
    contract.registration.refresh_from_db()
    assert contract.registration.cancelled_at is not None
    assert Reward.objects.filter(deal=registered, active=True).count() == 1  # the send was lost

    app.conf.task_always_eager = True  # Redis is back; the beat runs the sweep
    assert sweep_cancelled_registrations.delay().get() == 1
    assert not Reward.objects.filter(deal=registered, active=True).exists()
    assert sweep_cancelled_registrations.delay().get() == 0  # nothing left, nothing done twice


def test_the_sweep_leaves_a_deal_registered_again_alone(registered):  # type: ignore[no-untyped-def]
    from rewards.selectors import deals_rewarded_after_deregistration

    assert not deals_rewarded_after_deregistration().exists()


def test_a_payment_recorded_while_redis_is_down_answers_201_and_is_kept(
    api, broker, registered, django_capture_on_commit_callbacks, request
):
    from payments.models import Payment

    contract = registered.contracts.get()
    request.getfixturevalue("redis_unreachable")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(broker).post(
            f"/api/v1/contracts/{contract.pk}/payments/",
            {
                "received_on": "2026-03-01",
                "amount": "1000.00",
                "payer": "宁波某汽车零部件有限公司",
                "reference": "BANK-OUTAGE-1",
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    payment = Payment.objects.get(pk=response.json()["id"])
    assert payment.amount == Decimal("1000.00")


def test_a_public_submission_while_redis_is_down_is_kept_and_its_receipt_swept(
    django_capture_on_commit_callbacks, request, mailoutbox
):
    from intake.models import Submission
    from intake.tasks import sweep_submission_mail

    request.getfixturevalue("redis_unreachable")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/needs/submit/",
            {
                "title": "注塑件表面缩痕",
                "party": "宁波某汽车零部件有限公司",
                "region": "330211",
                "description": "良品率只有 82%，寻求工艺优化。",
                "contact": "王经理",
                "email": "wang@example.com",
                "consent": "on",
                "industry": "2",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Submission.objects.filter(title="注塑件表面缩痕").exists()
    assert mailoutbox == []
    # Redis is back; the sweep leaves the last five minutes to the original send.
    Submission.objects.update(received_at=timezone.now() - dt.timedelta(minutes=10))
    app.conf.task_always_eager = True
    assert sweep_submission_mail.delay().get() >= 1
    assert len(mailoutbox) == 1


def test_a_file_the_disk_will_not_delete_does_not_fail_a_committed_removal(
    broker, deal, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files.storage import FileSystemStorage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from contracts.models import ContractAttachment
    from contracts.services import attachment_add
    from tests.factories_contracts import ContractFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    attachment = attachment_add(
        contract=ContractFactory(deal=deal),
        actor=broker,
        kind="other",
        file=SimpleUploadedFile("草稿.pdf", b"%PDF-1.4\n%%EOF\n"),
    )

    def refuse(self, name):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(FileSystemStorage, "delete", refuse)
    client = Client()
    client.force_login(broker)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            f"/contracts/attachments/{attachment.pk}/remove/",
            {"attachment": attachment.pk, "reason": "传错了文件"},
        )
    assert response.status_code == 302, response.status_code
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]
    assert callbacks
    assert not ContractAttachment.objects.filter(pk=attachment.pk).exists()
