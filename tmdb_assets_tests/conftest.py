"""Fixtures: a real PostgreSQL (scratch databases) and a real HTTP TMDb simulator.

PostgreSQL: TMDB_TEST_DATABASE_URL (a server URL whose user may CREATE DATABASE; CI points it at
the machine's server), else the project's embedded server. Every test that writes gets a fresh
database, dropped afterwards.
"""

import os

# The tests' simulated days are in 2025; set before any tmdb_assets module builds the partitions.
os.environ.setdefault("TMDB_PARTITIONS_START", "2025-01-01")

import contextlib
import datetime as dt
import json
import os
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tmdb_assets.db.embedded import embedded_server_uri, normalize_url, with_database
from tmdb_assets.db.warehouse import Warehouse, dispose_engine
from tmdb_assets.defs.resources import QualityResource, TMDbResource, WarehouseResource
from tmdb_assets.warehouse.schema import forget as forget_migrated
from tmdb_simulator.server import RunningSimulator, SimulatorConfig

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "tmdb"
DAY1 = dt.date(2025, 3, 1)
DAY2 = dt.date(2025, 3, 2)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    url = os.environ.get("TMDB_TEST_DATABASE_URL", "").strip()
    return normalize_url(url) if url else normalize_url(embedded_server_uri())


def _admin(server_url: str):
    return create_engine(with_database(server_url, "postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture
def database_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty database for one test."""
    with scratch_database(pg_server_url) as url:
        yield url


@contextlib.contextmanager
def scratch_database(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty database, dropped afterwards."""
    name = f"tmdb_test_{uuid.uuid4().hex[:12]}"
    admin = _admin(pg_server_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # Scratch data: commits need not wait for the WAL to reach the disk. The Dagster
        # instances of the CLI and UI tests write an event per commit.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = with_database(pg_server_url, name)
    try:
        yield url
    finally:
        dispose_engine(url)
        forget_migrated(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def warehouse(database_url: str) -> Warehouse:
    return WarehouseResource(database_url=database_url).get()


@pytest.fixture
def simulator() -> Iterator[RunningSimulator]:
    with RunningSimulator(SimulatorConfig(movies=400, seed=7, rate_limit=0, date=DAY1)) as sim:
        yield sim


def admin_post(sim: RunningSimulator, route: str, payload: dict) -> dict:
    req = urllib.request.Request(
        sim.base_url.removesuffix("/3") + f"/__admin/{route}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def admin_state(sim: RunningSimulator) -> dict:
    with urllib.request.urlopen(sim.base_url.removesuffix("/3") + "/__admin/state") as resp:
        return json.loads(resp.read())


@pytest.fixture
def resources(simulator: RunningSimulator, database_url: str) -> dict:
    return {
        "tmdb": TMDbResource(
            api_token="test-token",
            base_url=simulator.base_url,
            discover_pages=3,
            rate_limit_per_second=500,
            max_retries=2,
        ),
        "warehouse": WarehouseResource(database_url=database_url),
        "quality": QualityResource(),
    }


def load_sample(name: str):
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


# The longest tests, longest first (seconds on 2 cores): started at once on separate workers
# they overlap; left to file order the UI test (mostly waiting on Dagster's daemons) started
# last and made the tail of the run.
LONGEST = [
    "test_backfill_from_the_graphql_api",  # ~90
    "test_benchmark_smoke_run_writes_every_key",  # ~35
    "test_a_scheduled_tick_runs_through_code_server_daemon_and_webserver",  # ~25
    "test_main_job_loads_days_and_a_second_run_converges",  # ~20
    "test_the_dashboard_in_a_real_browser",  # ~20
]


def pytest_collection_modifyitems(config, items):
    """The longest tests first, then the groups (a module run by one worker as a unit, 30-45 s:
    last, they made the tail of the run), then the other slow ones, then the rest."""

    def order(item) -> tuple[int, int]:
        if item.name in LONGEST:
            return (0, LONGEST.index(item.name))
        if item.get_closest_marker("xdist_group"):
            return (1, 0)
        return (2 if item.get_closest_marker("slow") else 3, 0)

    items.sort(key=order)
