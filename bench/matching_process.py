"""One process of the host for bench_matching_1m: Django set up as a web worker is, then the
API's selector. Prints JSON lines: its first query (index opened from the snapshot, no build),
300 top-10 queries, the memory it added; then answers "probe" lines until stdin closes.

Not a benchmark itself (bench/__main__.py runs only bench_*.py).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from decimal import Decimal
from typing import Any


def smaps() -> dict[str, float]:
    """This process's memory in MB: rss, pss (its share of shared pages), private, anon (its
    own heap: what one more process costs) and file (its share of the mapped files' pages: the
    snapshot's page cache, one copy for the host, clean and evictable)."""
    out: dict[str, float] = {}
    with open("/proc/self/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                out[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {
        "rss": out.get("Rss", 0.0),
        "pss": out.get("Pss", 0.0),
        "private": out.get("Private_Clean", 0.0) + out.get("Private_Dirty", 0.0),
        "anon": out.get("Pss_Anon", out.get("Anonymous", 0.0)),
        "file": out.get("Pss_File", 0.0),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.MATCH_INDEX_DIR = os.environ["MATCH_INDEX_DIR"]
    settings.MATCH_SEMANTIC = os.environ.get("BENCH_SEMANTIC") == "1"  # as in production
    from deals.matching import engine, selectors
    from deals.models import Demand

    built: list[int] = []
    real_build = engine.TextIndex.build

    def counting_build(self: Any, docs: Any, workers: int = 1) -> None:
        built.append(1)
        real_build(self, docs, workers)

    engine.TextIndex.build = counting_build  # type: ignore[method-assign]
    with open(sys.argv[1], encoding="utf-8") as fh:
        specs = json.load(fh)
    needs = [Demand(id=10_000_000 + i, **n) for i, n in enumerate(specs)]
    for need in needs:
        need.budget = Decimal(need.budget) if need.budget else None
    if os.environ.get("BENCH_BARRIER") == "1":
        # set up (as a gunicorn worker is when it boots): wait until every process is, then go
        print(json.dumps({"ready": True}), flush=True)
        sys.stdin.readline()
    before = smaps()
    started, cpu0 = time.perf_counter(), time.process_time()
    first = selectors.achievement_matches_for_demand(demand=needs[0], limit=10)
    first_s, first_cpu_s = time.perf_counter() - started, time.process_time() - cpu0
    times, cpu = [], []
    profiler = None
    if os.environ.get("BENCH_PROFILE"):  # a profile of the queries, on stderr
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    for need in needs[1:]:
        t0, c0 = time.perf_counter(), time.process_time()
        results = selectors.achievement_matches_for_demand(demand=need, limit=10)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert len(results) == 10
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumtime").print_stats(45)
    times.sort()
    after = smaps()
    report = {
        "first_s": first_s,
        "first_found": len(first),
        "first_cpu_s": first_cpu_s,
        "semantic": sum(1 for r in first if any(x.startswith("语义") for x in r["reasons"])),
        "built": len(built),
        "median_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95) - 1],
        "cpu_median_ms": statistics.median(cpu),  # what the query costs, whatever the load
        "cpu_p95_ms": sorted(cpu)[int(len(cpu) * 0.95) - 1],
        "added": {k: after[k] - before[k] for k in after},
        "total": after,
    }
    print(json.dumps(report), flush=True)
    probe = Demand(id=30_000_000, title="", description="", region="330211", enterprise="基准")
    for line in sys.stdin:
        need = json.loads(line)
        probe.title, probe.description = need["title"], need["description"]
        ids = [
            r["achievement"]["id"] for r in selectors.achievement_matches_for_demand(demand=probe)
        ]
        print(json.dumps({"ids": ids}), flush=True)


if __name__ == "__main__":
    main()
