# Child Index: two commands for a newcomer.
#   make run   set everything up and serve the demo on http://127.0.0.1:$(PORT)
#   make test  set everything up and run the whole test suite (browser tests included)
# With DATABASE_URL unset, a private PostgreSQL cluster is started under var/: the service,
# the tests and the drill connect as its serving role (not a superuser, owns nothing), and
# migrations run as its owner role (docs/operations.md "Database roles").

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

ifeq ($(strip $(DATABASE_URL)),)
  LOCAL_DB := 1
  export DATABASE_URL := $(shell bin/devdb url)
  export DATABASE_OWNER_URL := $(shell bin/devdb owner-url)
endif

.PHONY: help run test bench drill setup deps db assets chromium lint check-deploy clean stop-db

help:
	@echo "make run    - set up and serve the demo on http://127.0.0.1:$(PORT)"
	@echo "make test   - set up and run the whole test suite"
	@echo "make bench  - national-scale benchmarks (BENCH_CHILDREN=1000000 by default)"
	@echo "make drill  - backup and restore drill (pg_dump, pg_restore, compare, verify the audit)"
	@echo "make lint   - ruff check, format check and bandit"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes \
		-r requirements.txt -r requirements-dev.txt 2> >(grep -v 'is ignored' >&2)
	@touch $@

deps: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

# GOV.UK Frontend's CSS refers to /assets/ from the site root; rewrite those
# URLs to be relative so fonts and images are served from /static/.
static/vendor/govuk/.installed: node_modules/.installed
	@rm -rf static/vendor/govuk && mkdir -p static/vendor/govuk
	@cp -r node_modules/govuk-frontend/dist/govuk/assets static/vendor/govuk/assets
	@cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
		node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map \
		node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css.map static/vendor/govuk/
	@sed 's#url(/assets/#url(assets/#g' node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css \
		> static/vendor/govuk/govuk-frontend.min.css
	@touch $@

assets: static/vendor/govuk/.installed

db:
ifdef LOCAL_DB
	@bin/devdb start
endif

stop-db:
	@bin/devdb stop

setup: deps assets db
	@$(PY) manage.py migrate --no-input -v 0

# The server gets the serving role's URL only, never the owner's.
run: setup
	@DEMO_MODE=true $(PY) manage.py seed_demo
	@$(PY) manage.py collectstatic --no-input -v 0
	@DEMO_MODE=true $(PY) manage.py demo_logins --port $(PORT)
	@env -u DATABASE_OWNER_URL DEMO_MODE=true $(VENV)/bin/gunicorn childindex.wsgi:application \
		--bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - --graceful-timeout 20

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else echo "Install Chromium first: sudo apt-get install -y chromium" >&2; exit 1; fi; }

test: deps assets db chromium
	@$(PY) manage.py makemigrations --check --dry-run -v 0
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/bandit -c pyproject.toml -r . -q
	@$(VENV)/bin/pytest -m "not browser" -q
	@DJANGO_ALLOW_ASYNC_UNSAFE=true STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage \
		$(VENV)/bin/pytest -m browser -q

# Benchmarks (bench/): a synthetic population of BENCH_CHILDREN children is loaded once into
# childindex_bench_<N> on the same server and reused; results go to bench/results/ and
# docs/performance.md. BENCH_ARGS passes options, e.g. BENCH_ARGS=--quick.
BENCH_CHILDREN ?= 1000000
# On the private cluster the benchmark loads as its superuser (it switches triggers off to load
# millions of rows quickly) into databases of its own.
bench: deps assets db
	@$(if $(LOCAL_DB),DATABASE_URL="$$(bin/devdb superuser-url)" DATABASE_OWNER_URL=) \
		$(PY) bench/national_bench.py --children $(BENCH_CHILDREN) $(BENCH_ARGS)

# Backup and restore drill against throw-away databases on the same server (docs/operations.md).
drill: deps db
	@$(PY) bin/restore_drill.py

lint: deps
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/bandit -c pyproject.toml -r . -q

check-deploy: deps
	@HTTPS=true DEBUG=false SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		AUDIT_SEAL_KEY="check:$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')" \
		AUDIT_WITNESS_PATH=var/audit-witness/check-deploy.jsonl \
		ALLOWED_HOSTS=childindex.example $(PY) manage.py check --deploy --fail-level WARNING

clean:
	@bin/devdb stop
	@rm -rf $(VENV) node_modules var staticfiles static/vendor
