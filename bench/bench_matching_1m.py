"""Matching at a provincial scale: 10^6 achievements, one index shared by the host's processes.

    .venv/bin/python -m bench matching_1m      (BENCH_MATCHING_1M_N sets the size, default 10^6)

1. 10^6 generated achievements (bench_matching's generator: objects, methods and effects of each
   industry, plus clauses of the evaluation set's real wording) copied into a throw-away
   PostgreSQL database (MATCHING_1M_URL, default the machine's PostgreSQL);
2. the snapshot build as the worker runs it: read the rows, tokenize, the matrices, write the
   files (target ≤ 10 min);
3. one, then four fresh processes set up as web workers are (Django, the API's selector): the
   first query of each, answered from the memory-mapped snapshot without a build (≤ 2 s); 300
   top-10 queries each (median ≤ 30 ms, p95 ≤ 100 ms); the memory each added, from
   /proc/self/smaps_rollup: PSS (its share of the shared page cache) and private (≤ 150 MB);
4. an achievement edited here appears in another process's next query (≤ 1 s).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TARGETS = {"build_s": 600.0, "first_s": 2.0, "median_ms": 30.0, "p95_ms": 100.0}
TARGETS |= {"memory_mb": 150.0, "edit_s": 1.0}
N = int(os.environ.get("BENCH_MATCHING_1M_N", "1000000"))
URL = os.environ.get("MATCHING_1M_URL", "postgresql://postgres@127.0.0.1:5432/dealdesk_matching_1m")
ROOT = Path(__file__).resolve().parent.parent
# The generator's industries (bench_matching.FIELDS) as the catalogue's codes (brokers/industries).
INDUSTRY_CODES = {
    "manufacturing": "2.1",
    "new_materials": "3",
    "electronics": "1.2",
    "biomedicine": "4.1",
    "new_energy": "6",
    "environment": "7",
    "chemicals": "3.3",
    "agriculture": "4.3",
}


def _cpu_s() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _close_other_sessions() -> None:
    """The helper processes were killed; PostgreSQL may not have noticed yet."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _mark(value: float, target: float) -> str:
    return "OK" if value <= target else "MISSED"


def _copy_achievements(rows: list[dict[str, Any]]) -> None:
    from django.db import connection

    from deals.models import Achievement

    cols = ["title", "description", "owner", "kind", "industry", "maturity", "asking_price"]
    cols += ["region", "contact", "external_id", "submitted_publicly", "created_at", "updated_at"]
    now = datetime.now(UTC)
    table = Achievement._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy,
    ):
        for r in rows:
            industry = INDUSTRY_CODES.get(r["industry"], r["industry"])
            row = [r["title"], r["description"], r["owner"], "patent", industry]
            row += [r["maturity"], r["asking_price"], r["region"], "", r["external_id"], False]
            copy.write_row([*row, now, now])


def _needs(rng: random.Random) -> list[dict[str, Any]]:
    from bench.bench_matching import _generated_needs
    from tests.matching.evaluation import HALVES

    needs = [
        {k: (str(v) if k == "budget" else v) for k, v in n.items()}
        | {"industry": INDUSTRY_CODES.get(n["industry"], n["industry"])}
        for n in _generated_needs(rng, 250)
    ]
    for half in HALVES.values():
        for n in half[:25]:
            needs.append(
                {
                    "title": n[2],
                    "description": n[3],
                    "industry": n[1],
                    "region": n[6],
                    "enterprise": n[4],
                    "budget": str(int(n[5] * 10_000)) if n[5] else None,
                }
            )
    rng.shuffle(needs)
    return needs[:301]


def _processes(count: int, needs_file: str, index_dir: str) -> list[subprocess.Popen[str]]:
    from django.db import connection

    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "MATCH_INDEX_DIR": index_dir}
    return [
        subprocess.Popen(
            [sys.executable, "-m", "bench.matching_process", needs_file],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]


def _report(proc: subprocess.Popen[str]) -> dict[str, Any]:
    assert proc.stdout is not None
    return dict(json.loads(proc.stdout.readline()))


def main() -> bool:
    from bench.support import scratch_database, setup_django

    setup_django(URL)
    from django.conf import settings
    from django.db import transaction

    from bench.bench_matching import _generate
    from deals import services
    from deals.matching import index, wiring
    from deals.matching.models import MatchKind

    wiring.connect()
    ok = True
    rng = random.Random(20261202)
    with scratch_database(), tempfile.TemporaryDirectory() as tmp:
        settings.MATCH_INDEX_DIR = Path(tmp) / "match-index"
        started = time.perf_counter()
        batch = 100_000
        for start in range(0, N, batch):
            rows = _generate(rng, min(batch, N - start))
            for i, r in enumerate(rows):
                r["external_id"] = f"BENCH1M-{start + i:07d}"
            _copy_achievements(rows)
        print(f"  {N:,} achievements copied in {time.perf_counter() - started:.0f} s")

        started, cpu = time.perf_counter(), _cpu_s()
        snapshot = index.snapshot_build(MatchKind.ACHIEVEMENT)
        build_s, cpu = time.perf_counter() - started, _cpu_s() - cpu
        assert snapshot is not None
        files = sum(f.stat().st_size for f in snapshot.path(MatchKind.ACHIEVEMENT).iterdir())
        print(
            f"  snapshot build (read rows, tokenize, matrices, write {files / 2**20:.0f} MB): "
            f"{build_s:.0f} s   target <= {TARGETS['build_s']:.0f} s   {_mark(build_s, 600)}"
        )
        print(
            f"    CPU time of the build (this process and its tokenizing workers): {cpu:.0f} s; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        ok &= build_s <= TARGETS["build_s"]

        children: list[subprocess.Popen[str]] = []
        try:
            needs_file = str(Path(tmp) / "needs.json")
            Path(needs_file).write_text(json.dumps(_needs(rng), ensure_ascii=False))
            peer = None
            for count in (1, 4):
                procs = _processes(count, needs_file, str(settings.MATCH_INDEX_DIR))
                children += procs
                reports = [_report(p) for p in procs]
                for r in reports:
                    assert r["built"] == 0, "a process built its own index"
                first = max(r["first_s"] for r in reports)
                median = max(r["median_ms"] for r in reports)
                p95 = max(r["p95_ms"] for r in reports)
                cpu_ms = max(r["cpu_median_ms"] for r in reports)
                pss = max(r["added"]["pss"] for r in reports)
                private = max(r["added"]["private"] for r in reports)
                rss = max(r["added"]["rss"] for r in reports)
                print(f"  {count} process(es), each fresh, the worst of them:")
                print(
                    f"    first query (open the snapshot, catch up, answer): {first:.2f} s   "
                    f"target <= 2 s   {_mark(first, TARGETS['first_s'])}"
                )
                print(
                    f"    top-10 queries: median {median:.1f} ms, p95 {p95:.1f} ms   "
                    f"targets <= 30 / 100 ms   {_mark(median, 30)} / {_mark(p95, 100)}"
                )
                print(
                    f"    (CPU time of a query, median: {cpu_ms:.1f} ms; the rest is waiting for a core)"
                )
                print(
                    f"    memory added: PSS +{pss:.0f} MB (private +{private:.0f} MB; RSS +{rss:.0f} MB "
                    f"counts the shared mapped pages in full)   target <= 150 MB   {_mark(pss, 150)}"
                )
                ok &= first <= 2 and median <= 30 and p95 <= 100 and pss <= 150
                if count == 1:
                    peer = procs[0]
                else:
                    for p in procs:
                        p.kill()
                        p.wait()

            assert peer is not None and peer.stdin is not None
            with transaction.atomic():  # the service; the index task runs on commit (eager here)
                created = services.achievement_create(
                    actor=None,
                    title="海上风机螺栓预紧力超声在线监测装置",
                    description="超声回波测量风机塔筒法兰螺栓轴力，螺栓松动实时报警。",
                    owner="基准大学",
                    industry="2.1",
                )
            committed = time.perf_counter()
            need = {
                "title": "风机法兰螺栓松动",
                "description": "塔筒法兰螺栓松动，想实时知道预紧力。",
            }
            peer.stdin.write(json.dumps(need, ensure_ascii=False) + "\n")
            peer.stdin.flush()
            found = created.pk in _report(peer)["ids"][:3]
            edit_s = time.perf_counter() - committed
            print(
                f"  edit made here, in the other process's next top 3: {found}, {edit_s * 1000:.0f} ms "
                f"after commit   target <= 1 s   {_mark(edit_s, 1) if found else 'MISSED'}"
            )
            ok &= found and edit_s <= TARGETS["edit_s"]
            peer.kill()
            peer.wait()
        finally:  # a failed run must not leave processes holding the database
            for child in children:
                child.kill()
                child.wait()
            _close_other_sessions()
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("matching 10^6 targets:", "all met" if ok else "MISSED")
    return ok
