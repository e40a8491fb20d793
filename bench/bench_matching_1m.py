"""Matching at a provincial scale: 10^6 achievements, one index shared by the host's processes.

    .venv/bin/python -m bench matching_1m
    BENCH_MATCHING_1M_N=100000 .venv/bin/python -m bench matching_1m     (the 10^5 figures)
    BENCH_MATCHING_1M_VECTORS=0 …                                        (words only)

Unattended; prints each step as it goes and a table of every figure against its target at the
end, CPU time beside wall time and the load average before and after (on a shared machine the
wall figures carry the other sessions' load; the CPU figures are what an idle machine shows).
The set-up (generating and copying the rows and vectors) is not measured. On 2026-12-02, on the
2 cores at load 7–10, the whole run took 15.4 min at 10^6 (set-up 184 s, build 556 s) and
2.5 min at 10^5; on an idle machine the build's CPU time (163 s at 10^6) is about its wall time.

1. N generated achievements (bench_matching's generator: objects, methods and effects of each
   industry, plus clauses of the evaluation set's real wording) copied with PostgreSQL's COPY
   into a throw-away database (MATCHING_1M_URL, default the machine's PostgreSQL), each with a
   stored sentence vector as the worker leaves them (MatchVector, under its text's digest).
   The vectors are stand-ins: unit vectors scattered around 256 random topic directions, the
   topic drawn from the title (embedding 10^6 texts is days of one core, see
   bench_matching_semantic): what a query costs — the stored-vector read, the cells, the
   projected first pass, the exact cosines, the mix — does not depend on what they mean;
2. the snapshot build as the worker runs it: read rows and vectors, tokenize (on every core),
   the matrices, the vectors' moments, projection and cells, write the files (≤ 10 min);
3. one, then four fresh processes set up as web workers are (Django, the API's selector, sentence
   vectors on as in production): once all are set up, the first query of each, all at once,
   answered from the memory-mapped snapshot without a build (≤ 2 s; opening the snapshot and
   replaying the change log are in it, though gunicorn's post_worker_init does them before a
   worker takes traffic); 300 top-10 queries each (median ≤ 30 ms, p95 ≤ 100 ms);
   the memory each added, from /proc/self/smaps_rollup (≤ 150 MB): its own heap (anonymous) is
   what one more process costs; the snapshot's pages it touched are page cache, one copy for the
   host, counted in PSS as its share (all of it when it is alone);
4. an achievement created here (the service, its index task run on commit, the real encoder
   embedding it) appears in another process's next query (≤ 1 s from before the commit).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
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
VECTORS = os.environ.get("BENCH_MATCHING_1M_VECTORS", "1") != "0"
URL = os.environ.get("MATCHING_1M_URL", "postgresql://postgres@127.0.0.1:5432/dealdesk_matching_1m")
ROOT = Path(__file__).resolve().parent.parent
BATCH = 100_000
NEED_ID, PROBE_ID = 10_000_000, 30_000_000  # the ids matching_process gives its needs
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
PROBE = {"title": "风机法兰螺栓松动", "description": "塔筒法兰螺栓松动，想实时知道预紧力。"}


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


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


class _Vectors:
    """Stand-in sentence vectors: unit vectors around random topic directions, the topic drawn
    from the title (documents with the same title sit near each other, as real ones would)."""

    def __init__(self, dim: int) -> None:
        import numpy as np

        self.rng = np.random.default_rng(20261202)
        self.topics = self.rng.normal(size=(256, dim)).astype(np.float32)

    def of(self, titles: list[str]) -> Any:
        import numpy as np

        topic = [
            int(hashlib.blake2b(t.encode(), digest_size=4).hexdigest(), 16) % 256 for t in titles
        ]
        v = self.topics[topic] + 1.5 * self.rng.normal(size=(len(titles), self.topics.shape[1]))
        v = v.astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def _copy_vectors(kind: str, ids: list[int], texts: list[str], vectors: Any) -> None:
    from django.db import connection

    from deals.matching import semantic
    from deals.matching.models import MatchVector

    now = datetime.now(UTC)
    table = MatchVector._meta.db_table
    sql = f"COPY {table} (kind, obj_id, digest, vector, updated_at) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.set_types(["varchar", "int8", "varchar", "bytea", "timestamptz"])
        for obj_id, text, vector in zip(ids, texts, vectors, strict=True):
            copy.write_row(
                [kind, obj_id, semantic.digest(text), vector.astype("<f4").tobytes(), now]
            )


def _copy_achievements(rows: list[dict[str, Any]], vectors: _Vectors | None) -> None:
    from django.db import connection

    from deals.matching import semantic
    from deals.matching.models import MatchKind
    from deals.models import Achievement

    cols = ["title", "description", "owner", "kind", "industry", "maturity", "asking_price"]
    cols += ["region", "contact", "external_id", "submitted_publicly", "created_at", "updated_at"]
    now = datetime.now(UTC)
    table = Achievement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 -- the model's table
        last = cursor.fetchone()[0]
        with cursor.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for r in rows:
                industry = INDUSTRY_CODES.get(r["industry"], r["industry"])
                row = [r["title"], r["description"], r["owner"], "patent", industry]
                row += [r["maturity"], r["asking_price"], r["region"], "", r["external_id"], False]
                copy.write_row([*row, now, now])
        cursor.execute(f"SELECT id FROM {table} WHERE id > %s ORDER BY id", [last])  # noqa: S608
        ids = [i for (i,) in cursor.fetchall()]
    assert len(ids) == len(rows)  # one session, one sequence: the rows in the order copied
    if vectors is not None:
        texts = [semantic.text_of(r["title"], r["description"]) for r in rows]
        _copy_vectors(MatchKind.ACHIEVEMENT, ids, texts, vectors.of([r["title"] for r in rows]))


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


def _store_need_vectors(needs: list[dict[str, Any]], vectors: _Vectors) -> None:
    """The needs' vectors, as the worker stores them after a need is saved (a query reads its
    need's vector; it never embeds one the worker has stored). The probe of step 4 gets its real
    embedding: its answer is a real document embedded by the real encoder."""
    from deals.matching import semantic
    from deals.matching.models import MatchKind

    texts = [semantic.text_of(n["title"], n["description"]) for n in needs]
    ids = [NEED_ID + i for i in range(len(needs))]
    _copy_vectors(MatchKind.DEMAND, ids, texts, vectors.of([n["title"] for n in needs]))
    probe = semantic.text_of(PROBE["title"], PROBE["description"])
    _copy_vectors(MatchKind.DEMAND, [PROBE_ID], [probe], semantic.embed([probe], as_query=True))


def _processes(count: int, needs_file: str, index_dir: str) -> list[subprocess.Popen[str]]:
    from django.db import connection

    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "MATCH_INDEX_DIR": index_dir}
    env["BENCH_SEMANTIC"] = "1" if VECTORS else "0"
    env["BENCH_BARRIER"] = "1"
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
    line = proc.stdout.readline()
    assert line, "a query process died (its error is above)"
    return dict(json.loads(line))


def main() -> bool:
    from bench.support import scratch_database, setup_django

    setup_django(URL)
    from django.conf import settings
    from django.db import transaction

    from bench.bench_matching import _generate
    from deals import services
    from deals.matching import index, semantic, wiring
    from deals.matching.models import MatchKind

    wiring.connect()
    settings.MATCH_SEMANTIC = VECTORS
    table: list[tuple[str, str, str, str]] = []  # figure, measured, target, verdict
    ok = True
    rng = random.Random(20261202)
    run_started, load_before = time.perf_counter(), _load()
    words = "words, near words and sentence vectors" if VECTORS else "words only"
    print(
        f"  {N:,} achievements, {words}; load average (1/5/15 min) {load_before} on "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    with scratch_database(), tempfile.TemporaryDirectory() as tmp:
        settings.MATCH_INDEX_DIR = Path(tmp) / "match-index"
        started = time.perf_counter()
        vectors = _Vectors(semantic.DIM) if VECTORS else None
        for start in range(0, N, BATCH):
            rows = _generate(rng, min(BATCH, N - start))
            for i, r in enumerate(rows):
                r["external_id"] = f"BENCH1M-{start + i:07d}"
            _copy_achievements(rows, vectors)
        print(
            f"  set-up (not measured): {N:,} achievements generated and copied"
            f"{' with their vectors' if VECTORS else ''} in "
            f"{time.perf_counter() - started:.0f} s; load {_load()}",
            flush=True,
        )

        load0, started, cpu = _load(), time.perf_counter(), _cpu_s()
        snapshot = index.snapshot_build(MatchKind.ACHIEVEMENT)
        build_s, cpu = time.perf_counter() - started, _cpu_s() - cpu
        assert snapshot is not None
        files = sum(f.stat().st_size for f in snapshot.path(MatchKind.ACHIEVEMENT).iterdir())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  snapshot build: {build_s:.0f} s wall, {cpu:.0f} s CPU (this process and its "
            f"tokenizing workers); files {files / 2**20:.0f} MB; peak RSS of the building "
            f"process {peak:.0f} MB; load {load0} -> {_load()}",
            flush=True,
        )
        verdict = _mark(build_s, TARGETS["build_s"])
        cpu_note = "OK" if cpu <= TARGETS["build_s"] else "MISSED"
        table.append(
            (
                "build (read, tokenize, matrices, vectors, write)",
                f"{build_s:.0f} s wall / {cpu:.0f} s CPU",
                "<= 600 s",
                f"{verdict} / {cpu_note}",
            )
        )
        ok &= build_s <= TARGETS["build_s"]

        children: list[subprocess.Popen[str]] = []
        try:
            needs = _needs(rng)
            needs_file = str(Path(tmp) / "needs.json")
            Path(needs_file).write_text(json.dumps(needs, ensure_ascii=False))
            if vectors is not None:
                _store_need_vectors(needs, vectors)
            peer = None
            for count in (1, 4):
                load0 = _load()
                procs = _processes(count, needs_file, str(settings.MATCH_INDEX_DIR))
                children += procs
                for p in procs:  # each has set Django up (imports: what a gunicorn master preloads)
                    assert _report(p)["ready"]
                for p in procs:  # then their first queries, all at once
                    assert p.stdin is not None
                    p.stdin.write("go\n")
                    p.stdin.flush()
                reports = [_report(p) for p in procs]
                for r in reports:
                    assert r["built"] == 0, "a process built its own index"
                    assert r["first_found"] == 10
                worst = {
                    k: max(r[k] for r in reports) for k in reports[0] if k not in ("added", "total")
                }
                added = {k: max(r["added"][k] for r in reports) for k in reports[0]["added"]}
                tag = f"{count} process{'es' if count > 1 else ''}"
                print(
                    f"  {tag}, each fresh (the worst of them), load {load0} -> {_load()}: "
                    + json.dumps({**worst, "added_mb": added}),
                    flush=True,
                )
                first_ok = worst["first_s"] <= TARGETS["first_s"]
                table.append(
                    (
                        f"{tag}: first query of a fresh process",
                        f"{worst['first_s']:.2f} s wall / {worst['first_cpu_s']:.2f} s CPU",
                        "<= 2 s",
                        f"{_mark(worst['first_s'], 2)} / {_mark(worst['first_cpu_s'], 2)}",
                    )
                )
                table.append(
                    (
                        f"{tag}: top-10 median, wall / CPU",
                        f"{worst['median_ms']:.1f} / {worst['cpu_median_ms']:.1f} ms",
                        "<= 30 ms",
                        f"{_mark(worst['median_ms'], 30)} / {_mark(worst['cpu_median_ms'], 30)}",
                    )
                )
                table.append(
                    (
                        f"{tag}: top-10 p95, wall / CPU",
                        f"{worst['p95_ms']:.1f} / {worst['cpu_p95_ms']:.1f} ms",
                        "<= 100 ms",
                        f"{_mark(worst['p95_ms'], 100)} / {_mark(worst['cpu_p95_ms'], 100)}",
                    )
                )
                table.append(
                    (
                        f"{tag}: memory added, own heap (anonymous)",
                        f"+{added['anon']:.0f} MB",
                        "<= 150 MB",
                        _mark(added["anon"], 150),
                    )
                )
                table.append(
                    (
                        f"{tag}: memory added, PSS (heap + share of the snapshot's pages)",
                        f"+{added['pss']:.0f} MB (of which snapshot +{added['file']:.0f})",
                        "<= 150 MB",
                        _mark(added["pss"], 150),
                    )
                )
                ok &= first_ok and worst["median_ms"] <= 30 and worst["p95_ms"] <= 100
                ok &= added["anon"] <= 150
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
                saved = time.perf_counter()  # before the commit and its index task
            peer.stdin.write(json.dumps(PROBE, ensure_ascii=False) + "\n")
            peer.stdin.flush()
            found = created.pk in _report(peer)["ids"][:3]
            edit_s = time.perf_counter() - saved
            print(
                f"  an achievement created here: in the other process's next top 3: {found}, "
                f"{edit_s * 1000:.0f} ms after the save (commit, the worker's task"
                f"{' embedding it' if VECTORS else ''}, the query)",
                flush=True,
            )
            table.append(
                (
                    "edit seen by another process (top 3)",
                    f"{edit_s * 1000:.0f} ms" + ("" if found else ", NOT FOUND"),
                    "<= 1 s",
                    _mark(edit_s, 1) if found else "MISSED",
                )
            )
            ok &= found and edit_s <= TARGETS["edit_s"]
        finally:  # a failed run must not leave processes holding the database
            for child in children:
                child.kill()
                child.wait()
            _close_other_sessions()
    total = time.perf_counter() - run_started
    print(
        f"\n  matching at {N:,} achievements ({words}), PostgreSQL, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(
        f"  load average (1/5/15 min) before {load_before}, after {_load()}, {os.cpu_count()} cores; "
        f"whole run {total / 60:.1f} min"
    )
    width = max(len(r[0]) for r in table)
    vwidth = max(len(r[1]) for r in table)
    print(f"  {'figure':<{width}}  {'measured':<{vwidth}}  {'target':<9}  verdict (wall / CPU)")
    for figure, value, target, verdict in table:
        print(f"  {figure:<{width}}  {value:<{vwidth}}  {target:<9}  {verdict}")
    print(
        "matching 10^6 targets:" if N >= 1_000_000 else f"matching {N:,} targets:",
        "all met" if ok else "MISSED (wall figures on a loaded machine: compare the CPU column)",
    )
    return ok
