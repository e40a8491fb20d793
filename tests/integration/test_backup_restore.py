"""scripts/backup.sh and scripts/restore.sh round-trip the demo database on PostgreSQL: every key
table has the same rows after a restore into an empty database, and restore refuses to overwrite
a database that has tables unless told --yes."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from demo.loader import load_demo

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
KEY_TABLES = [
    "brokers_organisation",
    "brokers_user",
    "deals_achievement",
    "deals_demand",
    "deals_deal",
    "deals_historicaldeal",
    "deals_transitionrequest",
    "contracts_contract",
    "rewards_reward",
    "rewards_rewardpolicy",
]


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 -- names above
            for table in KEY_TABLES
        }


def _run(script: str, *args: str, url: str, media: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(media)}
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def scratch_database():  # type: ignore[no-untyped-def]
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _url(name)
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_of_the_demo_restores_into_an_empty_database_with_every_row(
    postgres, scratch_database, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo()
    connection.close()  # committed: the dump sees everything
    source = _url(str(connection.settings_dict["NAME"]))
    before = _counts(source)
    assert before["deals_deal"] > 0 and before["brokers_user"] > 0, before
    (tmp_path / "media" / "contracts").mkdir(parents=True, exist_ok=True)
    (tmp_path / "media" / "contracts" / "probe.pdf").write_bytes(b"%PDF-probe")

    backup = _run("backup.sh", str(tmp_path / "backups"), url=source, media=tmp_path / "media")
    assert backup.returncode == 0, backup.stderr
    dump = backup.stdout.strip().splitlines()[-1]
    tarballs = list((tmp_path / "backups").glob("*-media.tar.gz"))
    assert Path(dump).stat().st_size > 0 and len(tarballs) == 1

    restored_media = tmp_path / "restored-media"
    restore = _run(
        "restore.sh", dump, "--media", str(tarballs[0]), url=scratch_database, media=restored_media
    )
    assert restore.returncode == 0, restore.stderr
    assert _counts(scratch_database) == before
    assert (restored_media / "contracts" / "probe.pdf").read_bytes() == b"%PDF-probe"

    again = _run("restore.sh", dump, url=scratch_database, media=restored_media)
    assert again.returncode == 3, "a database with tables is not overwritten without --yes"
    assert "--yes" in again.stderr
    forced = _run("restore.sh", dump, "--yes", url=scratch_database, media=restored_media)
    assert forced.returncode == 0, forced.stderr
    assert _counts(scratch_database) == before
