"""`manage.py load_demo` on a fresh SQLite file, as `make run` does it.

Prints the time of the first load (everything created through the services, PDFs rendered,
rewards computed) and of a second run (which finds everything and creates nothing).
Targets: first load ≤ 60 s, second run ≤ 5 s.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
import time
from pathlib import Path

TARGET_FIRST = 60.0
TARGET_SECOND = 5.0


def main() -> bool:
    from bench.support import setup_django, verdict

    # A file, not the in-memory test database: `make run` loads into db.sqlite3 and pays for
    # every commit's fsync, which is most of the difference.
    folder = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    setup_django(f"sqlite:///{folder / 'demo.sqlite3'}")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connections

    from deals.models import Achievement, Deal, Demand

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("load_demo", stdout=io.StringIO())
    first = time.perf_counter() - started
    sizes = (Achievement.objects.count(), Demand.objects.count(), Deal.objects.count())
    started = time.perf_counter()
    call_command("load_demo", stdout=io.StringIO())
    second = time.perf_counter() - started
    unchanged = sizes == (Achievement.objects.count(), Demand.objects.count(), Deal.objects.count())
    connections.close_all()
    shutil.rmtree(folder, ignore_errors=True)

    print(f"data set: {sizes[0]} achievements, {sizes[1]} needs, {sizes[2]} deals")
    print(
        f"first load:  {first:6.1f} s  (target ≤ {TARGET_FIRST:.0f} s)  {verdict(first, TARGET_FIRST)}"
    )
    print(
        f"second run:  {second:6.1f} s  (target ≤ {TARGET_SECOND:.0f} s)  "
        f"{verdict(second, TARGET_SECOND)}; counts unchanged: {unchanged}"
    )
    return first <= TARGET_FIRST and second <= TARGET_SECOND and unchanged
