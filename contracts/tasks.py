"""Celery tasks of the contracts app: thin, idempotent, ids in."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from common.tasks import enqueue
from contracts.models import ContractDocument, DocumentStatus

logger = logging.getLogger(__name__)

# A pending document older than this was most likely lost (broker down at commit, worker killed):
# the sweep enqueues it again; rendering is idempotent, so a late original does no harm.
STALE_PENDING = dt.timedelta(minutes=5)


@shared_task(
    autoretry_for=(OperationalError, InterfaceError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    acks_late=True,
)
def render_contract_document(document_id: int) -> str:
    from contracts.services import document_render

    return document_render(document_id=document_id).status


@shared_task
def sweep_pending_documents() -> int:
    cutoff = timezone.now() - STALE_PENDING
    ids = list(
        ContractDocument.objects.filter(
            status=DocumentStatus.PENDING, created_at__lt=cutoff
        ).values_list("id", flat=True)[:200]
    )
    for document_id in ids:
        enqueue(render_contract_document, document_id)
    return len(ids)


@worker_process_init.connect
def warm_up_pdf_renderer(**kwargs: object) -> None:
    """Render a sample contract when a worker process starts: the first render in a fresh process
    (fontconfig, the CJK face, template and CSS caches) costs about a second more, which would
    otherwise fall on a user's document."""
    from contracts.pdf import render_contract_pdf
    from contracts.samples import sample_contract

    try:
        render_contract_pdf(sample_contract(sentences_per_clause=1), final=True)
    except Exception:  # a warm-up must never keep the worker from starting
        logger.warning("contract PDF warm-up failed", exc_info=True)
