# Taolun — one command for each developer action. Only python3 and make are needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK = 1

.PHONY: demo serve test lint format typecheck check-migrations bench messages compilemessages vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(VENV)/.installed $@

## make demo: set up, migrate, load the built-in plan and the demo district, serve on http://127.0.0.1:8000
demo: $(VENV)/.installed
	$(BIN)/taolun migrate --noinput
	$(BIN)/taolun demo
	$(BIN)/taolun serve $(HOST):$(PORT)

serve: $(VENV)/.installed
	$(BIN)/taolun serve $(HOST):$(PORT)

## make test: set up and run the whole suite (PostgreSQL, Redis and browser tests run when available),
## one pytest-xdist worker per core, each test file on one worker; PYTEST_WORKERS=0 runs it in one process
PYTEST_WORKERS ?= auto
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy taolun

check-migrations: $(VENV)/.installed-dev
	$(BIN)/taolun makemigrations --check --dry-run

## make bench: the benchmarks in bench/ (PostgreSQL from DATABASE_URL; see bench/README.md)
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

## make messages: refresh the catalogues from the source (needs GNU gettext's xgettext) and compile them.
## The compiled .mo files are committed, so running Taolun needs no gettext tools.
messages: $(VENV)/.installed-dev
	cd taolun && ../$(BIN)/taolun makemessages -l en --ignore=static --no-obsolete --no-location
	$(BIN)/python scripts/compile_messages.py

compilemessages: $(VENV)/.installed-dev
	$(BIN)/python scripts/compile_messages.py

## make vendor: refresh the locally served front-end libraries from the npm registry (needs npm)
vendor:
	bash scripts/vendor.sh

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
