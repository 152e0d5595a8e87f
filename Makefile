# factcheck: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo's links (logins, canonical URLs, feeds) point at the port it runs on.
# Local trials may capture pages served on this machine (README "Sources and the watch"); never on a public site.
RUN_ENV := DJANGO_DEBUG=1 FACTCHECK_ALLOW_LOOPBACK=1 FACTCHECK_SITE_URL=$${FACTCHECK_SITE_URL:-http://$(HOST):$(PORT)}
# Only for the test suite; production must set its own DJANGO_SECRET_KEY.
TEST_ENV := DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-insecure-key-for-the-test-suite-only} DJANGO_MANIFEST_STATIC=0

.PHONY: run worker serve production-env test fuzz soak bench install install-dev migrate seed lint format clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "factcheck needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	@echo
	@echo "  factcheck is starting at http://$(HOST):$(PORT)/"
	@echo "  Editors' admin:        http://$(HOST):$(PORT)/admin/  (logins above)"
	@echo "  API:                   http://$(HOST):$(PORT)/api/  (docs, schema, feeds, keys)"
	@echo "  A worker for the background work runs beside it. Stop both with Ctrl-C."
	@echo
	@# The worker in the background, the server in front; when the server stops (Ctrl-C), the worker stops too.
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 0' INT TERM; \
	run_worker=$$($(WORKER_COMMAND)); worker=; \
	if [ -n "$$run_worker" ]; then $(RUN_ENV) $(BIN)/python manage.py $$run_worker & worker=$$!; fi; \
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The background worker (README "Background work"), beside `make serve`: in production at least one must run.
# FACTCHECK_TASKS=db (the default) runs manage.py db_worker, FACTCHECK_TASKS=rq an RQ worker on REDIS_URL.
WORKER_COMMAND = case "$${FACTCHECK_TASKS:-db}" in db) echo db_worker;; rq) echo rqworker;; esac
worker: install
	@run_worker=$$($(WORKER_COMMAND)); \
	test -n "$$run_worker" || { echo "make worker: FACTCHECK_TASKS=$$FACTCHECK_TASKS runs no worker; set it to db or rq" >&2; exit 1; }; \
	echo "$(BIN)/python manage.py $$run_worker $(WORKER_ARGS)"; \
	exec $(BIN)/python manage.py $$run_worker $(WORKER_ARGS)

# Production mode (README "Running in production"): debug off, HTTPS only, hashed static files, gunicorn.
WORKERS ?= 3
BIND ?= $(HOST):$(PORT)
production-env:
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make serve: set DJANGO_SECRET_KEY to a long random string first, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))'" >&2; exit 1; }
	@test -n "$$DJANGO_ALLOWED_HOSTS" || { echo "make serve: set DJANGO_ALLOWED_HOSTS to the site's host names (comma-separated) first" >&2; exit 1; }
	@case "$$DJANGO_DEBUG" in 1|[Tt]rue|TRUE|[Yy]es|YES|[Oo]n|ON) echo "make serve: unset DJANGO_DEBUG; production never runs in debug mode" >&2; exit 1;; esac

serve: production-env install
	DJANGO_MANIFEST_STATIC=1 $(BIN)/python manage.py check --deploy
	DJANGO_MANIFEST_STATIC=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_MANIFEST_STATIC=1 $(BIN)/python manage.py collectstatic --noinput
	@echo "make serve: the web processes only. Background work (captures, the source watch) needs a worker too:"
	@echo "  run 'make worker' beside it, with the same environment (README \"Background work\", docs/DEPLOY.md)."
	DJANGO_MANIFEST_STATIC=1 $(BIN)/gunicorn factcheck.wsgi --bind $(BIND) --workers $(WORKERS) --access-logfile -

# The benchmark (docs/PERFORMANCE.md), in a database of its own (it refuses one holding anything else):
# make bench CLAIMS=100000 BENCH_ARGS="--fresh"
CLAIMS ?= 10000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench
bench: install
	@command -v wrk >/dev/null || echo "make bench: wrk is not installed, so the load test will be skipped (Debian: apt-get install -y wrk)" >&2
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python manage.py bench --claims $(CLAIMS) $(BENCH_ARGS)

test: install-dev
	$(BIN)/ruff check .
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# The long checks CI runs (README "Fuzzing, races and soak"); point DATABASE_URL at PostgreSQL.
FUZZ_EXAMPLES ?= 10
fuzz: install-dev
	$(TEST_ENV) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_MIN_REQUESTS=$${FUZZ_MIN_REQUESTS:-1000} $(BIN)/pytest -m fuzz -s tests/test_fuzz.py

SOAK_SECONDS ?= 180
soak: install-dev
	$(BIN)/python bench/soak.py --seconds $(SOAK_SECONDS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
