# Two entry points (README Quickstart): `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo viz test test-fast lint dev stop clean lock docs

# The exact versions of requirements.lock (the ones the tests pass with; the Docker image uses
# the same file).
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint requirements.lock -e '.[dev]'
	touch $(STAMP)

## Re-resolve requirements.lock from pyproject.toml (then `make test`, and commit both).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform linux --upgrade -o requirements.lock

## The pipeline on embedded defaults: embedded PostgreSQL + local TMDb simulator, last 3 days.
demo: $(STAMP)
	$(BIN)/tmdb-assets run --simulator

## The analysts' dashboard on http://127.0.0.1:8501, over what `make demo` loaded.
viz: $(STAMP)
	$(BIN)/tmdb-assets viz

# Test workers: the tests wait on HTTP, subprocesses, Dagster's daemons and PostgreSQL as much
# as they compute, so a 2-core machine runs 4 at a time well (173 s against 185 s with 3).
JOBS ?= 4

## Lint, format check, the import layers and the whole test suite (real PostgreSQL, real HTTP
## simulator).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -n $(JOBS) --dist loadgroup

## The edit loop: lint and every test not marked slow (no Dagster UI, no CLI end-to-end runs).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(JOBS) --dist loadgroup -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

## The Dagster UI (webserver + daemon) on http://127.0.0.1:3000
dev: $(STAMP)
	$(BIN)/tmdb-assets dev

## Stop the embedded PostgreSQL that demo/dev leave running (its data stays in .tmdb_data/).
stop:
	@if [ -x $(BIN)/tmdb-assets ]; then $(BIN)/tmdb-assets stop; else echo "nothing to stop"; fi

## Remove the virtualenv and caches. Keeps .tmdb_data/ (the embedded PostgreSQL's data and the
## local Dagster home): `make stop` first, then `rm -rf .tmdb_data` to start from nothing.
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	@echo "kept .tmdb_data/ (warehouse, raw captures, Dagster runs); make stop && rm -rf .tmdb_data removes it"

## Regenerate docs/configuration.md's settings table from tmdb_assets/settings.py.
docs: $(STAMP)
	$(BIN)/python -m tmdb_assets.settings docs/configuration.md
