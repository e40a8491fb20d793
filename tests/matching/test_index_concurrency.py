"""On PostgreSQL: change-log versions become visible in order, so a worker never skips one."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from deals.matching.index import _state, record_changes
from deals.matching.models import MatchChange, MatchKind

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_second_writer_waits_for_the_first_to_commit(postgres):
    record_changes(MatchKind.ACHIEVEMENT, [1])  # the counter row exists
    events: list[tuple[str, int]] = []
    first_holds_lock = threading.Event()

    def slow_writer() -> None:
        with transaction.atomic():
            version = record_changes(MatchKind.ACHIEVEMENT, [2])
            first_holds_lock.set()
            time.sleep(0.5)
            # a reader outside this transaction still sees the old version
            events.append(("first commits", version))
        connection.close()

    def fast_writer() -> None:
        first_holds_lock.wait(5)
        version = record_changes(MatchKind.ACHIEVEMENT, [3])
        events.append(("second commits", version))
        connection.close()

    threads = [threading.Thread(target=slow_writer), threading.Thread(target=fast_writer)]
    for t in threads:
        t.start()
    first_holds_lock.wait(5)
    assert _state(MatchKind.ACHIEVEMENT)[1] == 1  # uncommitted change not visible yet
    for t in threads:
        t.join(10)
    assert events == [("first commits", 2), ("second commits", 3)]
    assert list(MatchChange.objects.order_by("version").values_list("version", "obj_id")) == [
        (1, 1),
        (2, 2),
        (3, 3),
    ]
