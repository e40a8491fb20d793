"""Liveness and readiness for the load balancer and the process manager.

- `/healthz`: the process is up and answers. No database, no broker, no session: cheap enough to
  be asked every second, and it stays green while PostgreSQL is down (restarting the web process
  would not bring the database back).
- `/readyz`: this process can do its work: the database answers a query and the broker (Redis)
  answers a ping. 503 with the part that is down, so the load balancer takes the host out of the
  pool and the operator reads which part to look at.

Both are plain Django views outside DRF: no authentication, no throttle, no axes (axes only acts
on sign-in attempts), no CSRF (GET only); `SECURE_REDIRECT_EXEMPT` keeps them reachable over plain
http from a load balancer that checks the host directly.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# A check that takes longer than this counts as down: a load balancer waits a few seconds at most.
CHECK_TIMEOUT_SECONDS = 2.0


def _database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        # The connection is broken: drop it so the next request opens a fresh one.
        connections["default"].close_if_unusable_or_obsolete()
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _broker() -> dict[str, Any]:
    url = settings.REDIS_URL
    if not url:
        # No broker configured: tasks run in-process (the embedded default), nothing to be down.
        return {"ok": True, "mode": "in-process"}
    import redis

    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
            socket_timeout=CHECK_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "broker": _broker()}
    down = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if not down else "unavailable", "down": down, "checks": checks}
    return JsonResponse(body, status=503 if down else 200)
