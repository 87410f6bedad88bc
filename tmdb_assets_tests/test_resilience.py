"""A database that drops mid-load, and an API that goes away: a rerun converges."""

from tmdb_assets.cli.failures import step_failure_message
from tmdb_assets_tests.conftest import DAY1, admin_post
from tmdb_assets_tests.helpers import (
    materialize_day,
    materialize_seed,
)


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
