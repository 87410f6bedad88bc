# Two entry points (README Quickstart): `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint dev clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The pipeline on embedded defaults: embedded PostgreSQL + local TMDb simulator, last 3 days.
demo: $(STAMP)
	$(BIN)/tmdb-assets run --simulator

## Lint, format check and the whole test suite (real PostgreSQL, real HTTP simulator).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

## The Dagster UI (webserver + daemon) on http://127.0.0.1:3000
dev: $(STAMP)
	$(BIN)/tmdb-assets dev

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
