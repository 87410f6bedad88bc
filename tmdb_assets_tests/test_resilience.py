"""A database that drops mid-load, and an API that goes away: a rerun converges."""

import threading
import time

from sqlalchemy import create_engine, text

from tmdb_assets.cli import step_failure_message
from tmdb_assets.resources.embedded import with_database
from tmdb_assets.resources.quality import QualityResource
from tmdb_assets.resources.tmdb import TMDbResource
from tmdb_assets.resources.warehouse import WarehouseResource
from tmdb_assets_tests.conftest import DAY1, admin_post
from tmdb_assets_tests.helpers import (
    check_results,
    materialize_day,
    materialize_seed,
    metadata,
    table_checksums,
)
from tmdb_assets_tests.simulator.server import RunningSimulator, SimulatorConfig


def test_database_dropping_mid_load_then_rerun_converges(database_url, pg_server_url, warehouse):
    db_name = database_url.rsplit("/", 1)[-1].split("?")[0]
    # Slow details (300 ms each, 2 at a time): the details capture is mid-transaction for seconds.
    with RunningSimulator(
        SimulatorConfig(movies=400, rate_limit=0, latency_ms=300, date=DAY1)
    ) as sim:
        resources = {
            "tmdb": TMDbResource(
                api_token="t",
                base_url=sim.base_url,
                discover_pages=3,
                max_concurrency=2,
                rate_limit_per_second=500,
            ),
            "warehouse": WarehouseResource(database_url=database_url),
            "quality": QualityResource(freshness_hours=1e9),
        }
        materialize_seed(resources)
        admin = create_engine(
            with_database(pg_server_url, "postgres"), isolation_level="AUTOCOMMIT"
        )

        def drop_connections():
            time.sleep(4)
            with admin.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
                    ),
                    {"d": db_name},
                )

        killer = threading.Thread(target=drop_connections)
        killer.start()
        failed = materialize_day(resources, DAY1, sim, raise_on_error=False)
        killer.join()
        admin.dispose()
        assert not failed.success
        assert "rerun the same partition" in step_failure_message(failed)
        # Nothing half-written: no current details capture, no fact rows.
        assert (
            warehouse.scalar(
                "SELECT count(*) FROM raw.capture WHERE asset = 'raw_movie_details' AND is_current"
            )
            == 0
        )
        assert warehouse.scalar("SELECT count(*) FROM raw.movie_details") == 0
        # The rerun completes, then a second rerun changes nothing.
        admin_post(sim, "faults", {"rate_limit": 0})
        sim.state.config.latency_ms = 0
        rerun = materialize_day(resources, DAY1, sim)
        assert rerun.success
        assert metadata(rerun, "raw_discover_pages")["reused"] is True
        assert all(c.passed for c in check_results(rerun).values())
        first = table_checksums(warehouse)
        assert materialize_day(resources, DAY1, sim).success
        assert table_checksums(warehouse) == first


def test_api_going_away_fails_the_run_cleanly_and_a_rerun_converges(
    resources, simulator, warehouse
):
    materialize_seed(resources)
    admin_post(simulator, "faults", {"fault_rate": 1.0})
    failed = materialize_day(resources, DAY1, simulator, raise_on_error=False)
    assert not failed.success
    message = step_failure_message(failed)
    assert "kept failing" in message and "TMDB_API_BASE_URL" in message
    assert warehouse.scalar("SELECT count(*) FROM raw.capture") == 0  # nothing partial kept
    admin_post(simulator, "faults", {"fault_rate": 0.0})
    assert materialize_day(resources, DAY1, simulator).success
    assert warehouse.scalar("SELECT count(*) FROM warehouse.fact_movie_daily") > 50
