"""Shared set-up for benchmarks: a throw-away database (Django's test-database machinery)."""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager


def setup_django(database_url: str | None = None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # as in production: no per-query bookkeeping


@contextmanager
def scratch_database() -> Iterator[str]:
    """Create the test database (migrated), yield its vendor, destroy it afterwards."""
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield connection.vendor
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def verdict(value: float, target: float, *, lower_is_better: bool = True) -> str:
    ok = value <= target if lower_is_better else value >= target
    return "OK" if ok else "MISSED"


def load_note() -> str:
    """The machine's 1-minute load average next to a figure (a shared machine slows everything)."""
    try:
        one, _five, _fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} on {os.cpu_count()} cores"
