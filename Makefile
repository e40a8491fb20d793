# DealDesk — `make help` lists the targets.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# The browser libraries (Apache ECharts) from the npm registry, pinned by package-lock.json.
NODE_STAMP := node_modules/.installed
# The compiled message catalogues (.mo) are build output, compiled from the committed .po files.
MO      := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
# Where makemessages looks for texts (docs/README "Translations").
MESSAGES_FLAGS := -l en --no-location --no-obsolete --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench
PORT    ?= 8000
# The integration pass (row locks, parallel connections, a real Celery worker) runs on these.
PG_URL  ?= postgresql://postgres@127.0.0.1:5432/dealdesk
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.DEFAULT_GOAL := help
.PHONY: help install run serve test lint bench loadtest worker demo messages clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml scripts/system-deps.sh
	@./scripts/system-deps.sh
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY) (Python 3.11)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools
	$(BIN)/pip install -q -e ".[dev]"
	@touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json scripts/system-deps.sh
	@./scripts/system-deps.sh
	@command -v npm >/dev/null 2>&1 || { echo "need npm (Node.js): apt install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

# msgfmt comes from Debian's gettext (scripts/system-deps.sh). compilemessages skips a catalogue
# whose .mo is newer; .venv and node_modules hold other projects' catalogues, not ours.
$(MO): %.mo: %.po $(STAMP)
	@./scripts/system-deps.sh
	@command -v msgfmt >/dev/null 2>&1 || { echo "need msgfmt: apt install gettext"; exit 1; }
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules
	@touch $@

install: $(STAMP) $(NODE_STAMP) $(MO) ## create .venv and node_modules, compile the translations, install everything (system packages too, where apt is there)

run: install ## migrate, load the Chinese demo data, serve on http://127.0.0.1:8000 (SQLite, in-process tasks)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

serve: install ## as deployed: migrate, then gunicorn (2 workers) + Celery worker + one beat on PostgreSQL/Redis (honcho; docs/deploy.md)
	BIN=$(BIN) ./scripts/serve.sh

test: install ## run the whole suite (lint first; integration tests use the local PostgreSQL and Redis)
	$(MAKE) lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -m "not integration"
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -m integration

lint: install ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: install ## benchmarks, each printing its figure against its target
	$(BIN)/python -m bench

demo: install ## migrate and load the Chinese demo data only (idempotent); prints the demo logins
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

loadtest: install ## 50 users for 60 s (locust, loopback) against gunicorn + a worker on PostgreSQL/Redis; p95, errors, invariants
	$(BIN)/python -m bench.loadtest

worker: install ## a Celery worker on $$REDIS_URL
	DEBUG=$${DEBUG:-1} $(BIN)/celery -A config worker -l info --concurrency 2 --max-tasks-per-child 50

messages: install ## after adding or changing a text: update locale/en/LC_MESSAGES/django.po, then translate the new entries (README, "Translations")
	$(BIN)/python manage.py makemessages $(MESSAGES_FLAGS)

clean: ## remove the venv and local databases
	rm -rf $(VENV) node_modules db.sqlite3 media
