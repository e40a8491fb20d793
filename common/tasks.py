"""Sending background work without letting a broker outage undo a committed write.

Every write that has work to do afterwards (render a PDF, compute a reward, update the index, run
an import) schedules it with `enqueue_on_commit`. If Redis is unreachable when the transaction
commits, the send is logged and dropped: the write stays committed and the user gets their 2xx.
Nothing is lost, because each kind of work has a periodic sweep that finds it from the database
(a pending document, a registered deal without a reward, an index change not yet applied, a job
still queued) and sends it again. Tasks are idempotent, so a sweep that races a late original
does no harm.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerOperationalError

logger = logging.getLogger(__name__)

# What a publish raises when the broker cannot be reached: kombu wraps the transport's errors in
# its OperationalError; a refused or reset socket can surface as the builtin ConnectionError or
# another OSError. Errors of the task itself (eager mode runs it here) are not among them and
# propagate, so tests still see a task's bugs.
BROKER_DOWN = (BrokerOperationalError, ConnectionError, TimeoutError, OSError)

# Fail fast when the broker is down: the default retry policy would hold the user's request for
# seconds per task before giving up, and the sweeps resend anyway.
PUBLISH_OPTIONS: dict[str, Any] = {"retry": True, "retry_policy": {"max_retries": 1}}


def enqueue(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Send `task(*args, **kwargs)` now. Returns False, after logging, if the broker is down."""
    if task.app.conf.task_always_eager:  # in-process: no broker to miss, the task's errors are ours
        task.apply_async(args=args, kwargs=kwargs)
        return True
    try:
        task.apply_async(args=args, kwargs=kwargs, **PUBLISH_OPTIONS)
    except BROKER_DOWN:
        logger.warning(
            "broker unreachable: %s%r not sent; its periodic sweep will send it again",
            getattr(task, "name", task),
            args,
            exc_info=True,
        )
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send the task once the current transaction commits (at once when there is none)."""
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))
