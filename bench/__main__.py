"""`make bench`: runs every bench/bench_*.py module's main(), each printing its figures
against its targets. `python -m bench deals` runs only the modules whose name contains "deals"."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    wanted = sys.argv[1:]
    import bench

    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    failed = []
    for name in names:
        if wanted and not any(w in name for w in wanted):
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        ok = module.main()
        print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
        if ok is False:
            failed.append(name)
    if failed:
        print(f"\nTargets missed in: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
