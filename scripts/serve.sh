#!/usr/bin/env bash
# `make serve`: DealDesk as it is deployed, on one machine. PostgreSQL and Redis (127.0.0.1 unless
# DATABASE_URL / REDIS_URL say otherwise), migrations first, then the Procfile under honcho:
# gunicorn (WEB_CONCURRENCY workers, 2 by default), one Celery worker and exactly one beat.
# DEBUG is off. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
export PATH="$PWD/$BIN:$PATH"

export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/dealdesk_serve}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
# Throttle counters shared by every web worker (a per-process cache would multiply the limits).
export CACHE_URL=${CACHE_URL:-${REDIS_URL%/*}/1}
export DEBUG=${DEBUG:-false}
export PORT=${PORT:-8000}
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
mkdir -p var
if [ -z "${SECRET_KEY:-}" ]; then
  # A local key, made once and kept out of git (var/ is ignored): sessions survive a restart.
  [ -s var/secret_key ] || python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
  SECRET_KEY=$(cat var/secret_key)
  export SECRET_KEY
fi

# The database named in DATABASE_URL, created when missing (a local convenience; production
# databases are created by their operator).
python - <<'PY'
import os
import psycopg
from urllib.parse import urlsplit

url = urlsplit(os.environ["DATABASE_URL"])
if url.scheme.startswith("postgres"):
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')  # name from the operator's own setting
            print(f"serve: created database {name}")
PY

python manage.py migrate --noinput
python manage.py check --deploy --fail-level ERROR
if [ "${SERVE_DEMO:-1}" = "1" ]; then
  python manage.py load_demo
fi
exec honcho -f Procfile start
