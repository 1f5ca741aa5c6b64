# Attest — the two commands: `make run` (demo on http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench bench-quick install install-test migrate seed serve check-services clean help messages

help:
	@echo "make run    - set up (venv, install, migrate, demo data) and serve http://$(HOST):$(PORT)"
	@echo "make test   - install test extras and run the whole suite on PostgreSQL + Redis"
	@echo "make lint   - ruff check/format, import layers (lint-imports), manage.py check, makemigrations --check"
	@echo "make bench  - full benchmark against MLflow and the other peers (bench/README.md; up to 60 min)"
	@echo "make bench-quick - the same scenarios on smaller data (about 5 minutes)"
	@echo "make messages - re-extract the translatable strings into locale/*/django.po and compile them"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install only when pyproject.toml changes (stamp files).
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

# The translations (locale/<lang>/LC_MESSAGES/django.po) compiled to .mo, which git does not
# keep: rebuilt whenever a .po changes. Needs GNU gettext's msgfmt (Debian package gettext).
LOCALE_PO := $(wildcard locale/*/LC_MESSAGES/django.po)
LOCALE_MO := $(LOCALE_PO:.po=.mo)
$(LOCALE_MO): %.mo: %.po | $(PY)
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules
	@touch $(LOCALE_MO)

# New or changed strings into every catalogue, then compiled. No fuzzy guesses (the command in
# common/management/commands): a new string stays empty until someone translates it, which
# tests/i18n/test_catalogue.py insists on.
messages: install
	DEBUG=true $(PY) manage.py makemessages --all --no-location --ignore=.venv \
	  --ignore=node_modules --ignore=var --ignore=test-output --ignore=tests --ignore=bench \
	  --ignore=docs
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

# model-card-toolkit only for its published JSON schema (tests/documents/schemas.py): without
# its dependencies (TensorFlow, TFX), which reading one JSON file does not need.
MODEL_CARD_TOOLKIT ?= model-card-toolkit==2.0.0

$(VENV)/.installed-test: pyproject.toml Makefile | $(PY)
	$(PIP) install --quiet -e '.[test]'
	$(PIP) install --quiet --no-deps '$(MODEL_CARD_TOOLKIT)'
	@touch $@ $(VENV)/.installed

# axe-core for the browser journeys' accessibility checks (package.json, the exact version
# pinned in package-lock.json; from the npm registry at install time, never at run time).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed $(LOCALE_MO)
install-test: $(VENV)/.installed-test node_modules/.installed $(LOCALE_MO)

# The embedded demo: SQLite under ./var/, no Redis (tasks run in-process), DEBUG on.
run: export DEBUG ?= true
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Attest demo on http://$(HOST):$(PORT)/ - sign in as alice / attest-demo (see README)"
	$(PY) manage.py runserver $(HOST):$(PORT)

check-services: install-test
	@$(PY) scripts/check_services.py

test: install-test check-services
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Speed figures (not tests), each beside its peer measured in the same run: gunicorn +
# PostgreSQL + Redis + a Celery worker, and a real MLflow server (bench/README.md).
bench: install-test check-services
	$(PY) bench/run.py

bench-quick: install-test check-services
	$(PY) bench/run.py --quick

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DEBUG=true $(PY) manage.py check
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var test-output .pytest_cache
