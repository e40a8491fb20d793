"""`make bench`: runs every bench/bench_*.py module's main() in its own process (each sets up
its own database), each printing its figures against its targets.
`python -m bench deals` runs only the modules whose name contains "deals"."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    wanted = sys.argv[1:]
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    missed = []
    for name in names:
        if wanted and not any(w in name for w in wanted):
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        code = f"import sys, bench.{name} as m; ok = m.main(); sys.exit(1 if ok is False else 0)"
        # WARNING: in-process (eager) tasks would log a line per task at INFO.
        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "LOG_LEVEL": "WARNING",
            **os.environ,
        }
        result = subprocess.run([sys.executable, "-c", code], cwd=HERE.parent, env=env)
        print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
        if result.returncode != 0:
            missed.append(name)
    if missed:
        print(f"\nTargets missed (or errors) in: {', '.join(missed)}")
    else:
        print("\nAll benchmark targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
