# Attest — the two commands: `make run` (demo on http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench install install-test migrate seed serve check-services clean help

help:
	@echo "make run    - set up (venv, install, migrate, demo data) and serve http://$(HOST):$(PORT)"
	@echo "make test   - install test extras and run the whole suite on PostgreSQL + Redis"
	@echo "make lint   - ruff check/format, manage.py check, makemigrations --check"
	@echo "make bench  - audit chain append rate and verification time; deploy gate latency (PostgreSQL)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install only when pyproject.toml changes (stamp files).
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

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

# Speed figures (not tests): audit chain append rate and verification time on PostgreSQL;
# deploy gate latency over HTTP against gunicorn.
bench: install-test check-services
	$(PY) bench/audit_chain.py
	$(PY) bench/gate.py
	$(PY) bench/documents.py

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(PY) manage.py check
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var test-output .pytest_cache
