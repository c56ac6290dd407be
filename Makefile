# Two commands on a fresh machine:  make run  |  make test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails and PDFs name the address `make run` serves on (PORT=8400 gives :8400).
SITE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),localhost,$(HOST)):$(PORT)
# The site's own 404 and 500 pages, tracebacks in the terminal; DEBUG=1 for Django's pages.
DEBUG ?= 0

.PHONY: run test install install-dev browser lint format check-deploy hadolint audit backup restore clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip uv

# Stamps re-run the install whenever a lock file changes.
$(VENV)/.runtime: requirements.lock | $(PY)
	$(VENV)/bin/uv pip install -q --python $(PY) -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock | $(PY)
	$(VENV)/bin/uv pip install -q --python $(PY) -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev node_modules/.installed

## make run: venv, install, migrate, demo programme, serve on SQLite with no other services.
run: install
	$(PY) manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo --logins --history
	@echo ""
	@echo "  Site:  $(SITE_URL)/      Admin: $(SITE_URL)/admin/"
	@echo ""
	DEBUG=$(DEBUG) SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

## make test: install everything and run the whole suite (browser tests need Chromium).
test: install-dev browser
	$(PY) -m pytest

# Debian's Chromium for the Playwright journeys; installed here when we are root.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium not found: browser tests will be skipped (apt-get install chromium)"; fi; \
	fi

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make audit: known vulnerabilities in the pinned dependencies (pip-audit); fails when one has
## a fix to upgrade to. AUDIT_REQUIRED=1 also fails when the vulnerability service was unreachable.
audit: $(VENV)/.dev
	$(PY) deploy/audit.py requirements.lock requirements-dev.lock

## make backup: the PostgreSQL database (pg_dump, custom format) and a tarball of MEDIA_ROOT,
## into $(BACKUP_DIR)/<UTC time>/. Needs DATABASE_URL=postgres://… and pg_dump.
BACKUP_DIR ?= backups
backup: install
	$(PY) manage.py backup --to $(BACKUP_DIR)

## make restore BACKUP=backups/<time>: into an EMPTY database (DATABASE_URL) and media folder.
restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<UTC time>"; exit 2; }
	$(PY) manage.py restore $(BACKUP)

hadolint: $(VENV)/.dev
	$(VENV)/bin/hadolint Dockerfile

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache db.sqlite3
