"""`make loadtest`: 50 users for 60 s against DealDesk as it is served (gunicorn with 2 workers
and a Celery worker, on PostgreSQL and Redis), on the loopback only, then the invariants.

    python -m bench.loadtest [--users 50] [--seconds 60]

A database of its own (LOADTEST_DATABASE_URL, default `dealdesk_loadtest`, dropped and made anew
with the demo data), gunicorn on LOADTEST_PORT (default 8190), Redis LOADTEST_REDIS_URL (default
db 14). Prints: requests, failures (0 expected), p95 against the 300 ms target, the load average,
and whether every approved move is in the history exactly once and no deal has two pending
requests. Everything it starts it stops. Not part of `make test` (too heavy)."""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_P95_MS = 300


def _env() -> dict[str, str]:
    port = os.environ.get("LOADTEST_PORT", "8190")
    redis = os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "false",
        "SECRET_KEY": "loadtest-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DATABASE_URL": os.environ.get(
            "LOADTEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/dealdesk_loadtest"
        ),
        "REDIS_URL": redis,
        "CACHE_URL": redis,
        "PORT": port,
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "MATCH_INDEX_DIR": str(Path(tempfile.gettempdir()) / f"dealdesk-loadtest-index-{port}"),
        "MEDIA_ROOT": str(Path(tempfile.gettempdir()) / f"dealdesk-loadtest-media-{port}"),
        # 50 users sign in from one address within seconds: the per-address limits would refuse
        # them (that is what they are for), so the load test lifts them.
        "THROTTLE_AUTH": "10000/min",
        "THROTTLE_ANON": "10000/min",
        "AXES_ENABLED": "false",
        # No request of the load test ranks matches; without sentence vectors the data loads and
        # the index warms in seconds instead of minutes on a busy machine.
        "MATCH_SEMANTIC": "0",
        "GUNICORN_ACCESSLOG": "",
        "LOG_LEVEL": "WARNING",
    }


def _fresh_database(env: dict[str, str]) -> None:
    import psycopg

    url = urlsplit(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    for command in (["migrate", "--noinput"], ["load_demo"]):
        subprocess.run(
            [str(BIN / "python"), "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_ready(port: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not become ready")


def _invariants(env: dict[str, str]) -> tuple[dict[int, tuple[int, int]], list[int]]:
    """Per deal: (approved requests, moves in the history); and deals with two pending requests."""
    os.environ.update(
        {k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DATABASE_URL")}
    )
    import django

    django.setup()
    from django.db.models import Count

    from deals.models import Deal, RequestStatus, TransitionRequest
    from deals.selectors import deal_history

    counts = {}
    for deal in Deal.objects.all():
        events = [e["event"] for e in deal_history(deal)]
        approved = deal.transition_requests.filter(status=RequestStatus.APPROVED).count()
        counts[deal.pk] = (approved, events.count("moved"))
    doubled = list(
        TransitionRequest.objects.filter(status=RequestStatus.PENDING)
        .values("deal_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("deal_id", flat=True)
    )
    return counts, doubled


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of the last run (no fresh demo)"
    )
    options = parser.parse_args()
    env = _env()
    port = env["PORT"]
    out = Path(tempfile.mkdtemp(prefix="dealdesk-loadtest-"))
    if not options.reuse:
        name = env["DATABASE_URL"].rsplit("/", 1)[-1]
        print(f"preparing {name} (migrate, demo data) ...", flush=True)
        _fresh_database(env)
    before, _ = _invariants(env)
    web = _start([str(BIN / "gunicorn"), "-c", "config/gunicorn.py"], env, out / "web.log")
    worker = _start(
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-l",
            "warning",
            "--concurrency",
            "1",
            "-n",
            f"loadtest{port}@%h",
        ],
        env,
        out / "worker.log",
    )
    try:
        _wait_ready(port)
        load_before = os.getloadavg()
        started = time.monotonic()
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "-u",
                str(options.users),
                "-r",
                str(max(1, options.users // 10)),
                "--run-time",
                f"{options.seconds}s",
                "--stop-timeout",
                "10",
                "--csv",
                str(out / "stats"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ},
            check=False,
            timeout=options.seconds + 120,
        )
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()
    finally:
        _stop(web)
        _stop(worker)
    with (out / "stats_stats.csv").open() as fh:
        rows = {row["Name"]: row for row in csv.DictReader(fh)}
    total = rows["Aggregated"]
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    p95 = float(total["95%"])
    after, doubled = _invariants(env)
    moved = {
        pk: (after[pk][0] - before.get(pk, (0, 0))[0], after[pk][1] - before.get(pk, (0, 0))[1])
        for pk in after
    }
    approvals = sum(a for a, _ in moved.values())
    mismatched = {pk: v for pk, v in moved.items() if v[0] != v[1]}
    print()
    print(
        f"users {options.users}, {elapsed:.0f} s, {requests} requests ({requests / elapsed:.1f}/s)"
    )
    print(f"failures: {failures}  ({'0 errors: ok' if failures == 0 else 'NOT ok'})")
    print(
        f"p95: {p95:.0f} ms (target ≤ {TARGET_P95_MS} ms: {'ok' if p95 <= TARGET_P95_MS else 'missed'}); "
        f"median {float(total['50%']):.0f} ms, p99 {float(total['99%']):.0f} ms"
    )
    print(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"(1 min; {os.cpu_count()} cores)"
    )
    print(
        f"approvals during the run: {approvals}; each one moved its deal exactly once in the "
        f"history: {'yes' if not mismatched else f'NO {mismatched}'}"
    )
    print(f"deals with two pending requests: {len(doubled)} {doubled if doubled else '(ok)'}")
    slowest = sorted(
        (r for n, r in rows.items() if n != "Aggregated"), key=lambda r: -float(r["95%"] or 0)
    )[:5]
    for row in slowest:
        print(
            f"  p95 {float(row['95%']):6.0f} ms  {row['Type']:4} {row['Name']}  ({row['Request Count']} req, {row['Failure Count']} failed)"
        )
    print(f"(logs and locust CSV in {out})")
    return 0 if failures == 0 and not mismatched and not doubled else 1


if __name__ == "__main__":
    sys.exit(main())
