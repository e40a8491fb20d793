"""The load balancer's probes: /healthz answers without touching the database, /readyz checks the
database and the broker and says which one is down; neither asks for a sign-in or is throttled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_ok_without_a_single_database_query(client: Client) -> None:
    # No django_db mark: any database access here would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ok_when_the_database_answers_and_tasks_run_in_process(
    client: Client, settings
) -> None:
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["down"] == [] and body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_redis_cannot_be_reached(
    client: Client, settings
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["database"]["ok"] is True
    assert "Connection" in body["checks"]["broker"]["error"]


@pytest.mark.django_db
def test_readyz_is_503_naming_the_database_when_it_fails(client: Client, monkeypatch) -> None:
    from config import health

    class Broken:
        def __enter__(self):  # type: ignore[no-untyped-def]
            raise OperationalError("connection refused")

        def __exit__(self, *exc):  # type: ignore[no-untyped-def]
            return False

    monkeypatch.setattr(health.connections["default"], "cursor", lambda: Broken())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
    assert "connection refused" in response.json()["checks"]["database"]["error"]


@pytest.mark.django_db
def test_probes_are_never_throttled_nor_locked_out(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    # Far past the anonymous rate (THROTTLE_ANON, 120/min): probes come every second or so.
    codes = {client.get(path).status_code for _ in range(130) for path in ("/healthz", "/readyz")}
    assert codes == {200}


def test_probes_answer_over_plain_http_when_https_is_enforced(client: Client, settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/schema/").status_code == 301  # everything else is redirected


def test_probes_refuse_writes(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


def test_every_environment_variable_the_code_reads_is_documented_in_deploy_md() -> None:
    pattern = re.compile(
        r"""(?:env_(?:bool|int|list)\(|environ(?:\.get)?[\[(]|getenv\(|environ\.setdefault\()\s*["']([A-Z][A-Z0-9_]+)["']"""
    )
    skip = {"tests", "bench", ".venv", "node_modules"}
    sources = [
        path
        for path in ROOT.rglob("*.py")
        if not skip & set(path.relative_to(ROOT).parts) and "migrations" not in path.parts
    ]
    read = {name for path in sources for name in pattern.findall(path.read_text())}
    for script in ("Procfile", "scripts/serve.sh", "scripts/backup.sh", "scripts/restore.sh"):
        read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)[:}]", (ROOT / script).read_text()))
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs" / "deploy.md").read_text()))
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TRUSTED_PROXIES"} <= read
    assert sorted(read - documented) == []
