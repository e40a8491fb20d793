"""Gunicorn's configuration for `make serve` and production (`gunicorn -c config/gunicorn.py`).

Every setting reads the environment (docs/deploy.md, "Environment"). The hooks keep the first
user of a fresh worker from paying for the matching index: the master makes sure a snapshot is on
disk before it forks (`on_starting`), and each worker maps it and replays the change log in
`post_worker_init`, which gunicorn runs after the application is loaded and before the worker
accepts its first connection.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
# A request that takes longer than this is a bug or a stuck query: the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Replace workers now and then (a slow leak never grows without bound); jitter spreads restarts.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
wsgi_app = "config.wsgi:application"
# The load balancer adds X-Forwarded-*; Django decides whom to believe (TRUSTED_PROXIES), so
# gunicorn passes the headers through from anyone instead of filtering them a second way.
forwarded_allow_ips = "*"
# No control socket: two instances on one host (a second `make serve`, the load test) would share
# ~/.gunicorn/gunicorn.ctl; operators use signals (HUP reloads, TERM stops gracefully).
control_socket_disable = True

logger = logging.getLogger("gunicorn.error")


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def on_starting(server: Any) -> None:
    """In the master, once: a matching snapshot on disk for each kind (built only if missing or
    stale), so the workers map one instead of each building its own."""
    _django()
    from django.db import connections

    from deals.matching.index import snapshot_ensure
    from deals.matching.models import MatchKind

    try:
        for kind in MatchKind.values:
            started = time.perf_counter()
            snapshot_ensure(kind)
            server.log.info(
                "matching %s snapshot ready in %.1f s", kind, time.perf_counter() - started
            )
    except Exception:  # a cold index is slower, not broken: the workers build on demand
        server.log.exception("matching snapshot build failed; workers will build on demand")
    finally:
        # The forked workers must not share the master's database sockets.
        connections.close_all()


def post_worker_init(worker: Any) -> None:
    """In each worker, before it takes traffic: load the index (map the snapshot, replay the
    change log) so its first query is as fast as the rest."""
    from django.db import connections

    from deals.matching.index import get_index
    from deals.matching.models import MatchKind

    started = time.perf_counter()
    try:
        for kind in MatchKind.values:
            get_index(kind)
        worker.log.info(
            "worker %s: matching index warm in %.2f s", worker.pid, time.perf_counter() - started
        )
    except Exception:
        worker.log.exception("worker %s: matching index warm-up failed", worker.pid)
    finally:
        connections.close_all()
