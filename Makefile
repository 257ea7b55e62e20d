# Linli 邻里 — two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run init serve test test-pg test-browser lint install demo bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py linli_demo --if-empty
	LINLI_DEMO=1 $(PY) -m linli.serve --port $(PORT)

# Production path: an empty installation (no demo data, no demo mode). `make init` once, then `make serve`
# behind a TLS proxy; see docs/deploy.md.
init: $(STAMP)
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py linli_init

serve: $(STAMP)
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) -m linli.serve --port $(PORT)

test: $(STAMP)
	LINLI_TESTING=1 $(PY) -m pytest -m "not browser" -n 2 -q

test-pg: $(STAMP)
	LINLI_TESTING=1 DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/linli} $(PY) -m pytest -m "not browser" -n 2 -q --create-db

test-browser: $(STAMP)
	LINLI_TESTING=1 $(PY) -m pytest -m browser -q -p no:xdist

lint: $(STAMP)
	$(VENV)/bin/ruff check linli tests bench
	$(VENV)/bin/ruff format --check linli tests bench
	$(VENV)/bin/lint-imports

demo: $(STAMP)
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py linli_demo

bench: $(STAMP)
	$(PY) bench/search.py

clean:
	rm -rf $(VENV) var/linli.sqlite3* var/huey.sqlite3* var/staticfiles
