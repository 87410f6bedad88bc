"""Each asset check fails on a table broken on purpose, alone, with counts and keys."""

import uuid
from collections.abc import Iterator

import dagster as dg
import pytest
from sqlalchemy import create_engine, text

from tmdb_assets.db.embedded import with_database
from tmdb_assets.db.warehouse import Warehouse, dispose_engine
from tmdb_assets.definitions import CATALOGUE_ASSETS, CHECKS
from tmdb_assets.defs.resources import QualityResource, TMDbResource, WarehouseResource
from tmdb_assets.warehouse.schema import forget as forget_migrated
from tmdb_assets.warehouse.tables import TABLES
from tmdb_assets_tests.conftest import DAY1, DAY2
from tmdb_assets_tests.helpers import (
    DEFS,
    WITH_TV,
    check_results,
    materialize_day,
    materialize_seed,
)
from tmdb_simulator.server import RunningSimulator, SimulatorConfig

# The fixture data are from 2025: freshness is tested on its own.
LENIENT = QualityResource(freshness_hours=1e9)


# One worker runs this module's tests: they share one loaded template database.
pytestmark = pytest.mark.xdist_group("checks")


def _admin(server_url):
    return create_engine(with_database(server_url, "postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")  # kept for the run: xdist interleaves modules
def template_db(pg_server_url) -> Iterator[str]:
    """Two loaded days, kept as a template database that each test copies."""
    name = f"tmdb_tpl_{uuid.uuid4().hex[:10]}"
    admin = _admin(pg_server_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = with_database(pg_server_url, name)
    with RunningSimulator(SimulatorConfig(movies=400, seed=7, rate_limit=0, date=DAY1)) as sim:
        resources = {
            "tmdb": TMDbResource(
                api_token="t", base_url=sim.base_url, discover_pages=3, rate_limit_per_second=500
            ),
            "warehouse": WarehouseResource(database_url=url),
            "quality": LENIENT,
        }
        materialize_seed(resources)
        materialize_day(resources, DAY1, sim, selection=WITH_TV)
        materialize_day(resources, DAY2, sim, selection=WITH_TV)
    dispose_engine(url)
    forget_migrated(url)
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def db(pg_server_url, template_db) -> Iterator[Warehouse]:
    name = f"tmdb_chk_{uuid.uuid4().hex[:10]}"
    admin = _admin(pg_server_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = with_database(pg_server_url, name)
    warehouse = WarehouseResource(database_url=url).get()
    yield warehouse
    dispose_engine(url)
    forget_migrated(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def checks_only(
    warehouse: Warehouse,
    quality: QualityResource = LENIENT,
    selection: dg.AssetSelection | None = None,
) -> dg.ExecuteInProcessResult:
    """A run of checks alone (as the UI's "Execute checks"): no asset is selected."""
    return dg.materialize(
        DEFS,
        resources={
            "warehouse": WarehouseResource(database_url=warehouse.url),
            "quality": quality,
            "tmdb": TMDbResource(api_token="unused"),
        },
        selection=selection or dg.AssetSelection.all_asset_checks(),
        raise_on_error=False,
    )


def run_checks(warehouse: Warehouse, quality: QualityResource = LENIENT) -> dict:
    return check_results(checks_only(warehouse, quality))


def _cell(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def table_rows(markdown: str) -> list[list]:
    """The rows of a check's example table (header and rule dropped), typed back."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")][2:]
    return [[_cell(c.strip()) for c in line.strip("|").split("|")] for line in lines]


def only_failure(checks: dict) -> tuple[str, dict]:
    failed = {k: v for k, v in checks.items() if not v.passed}
    assert len(failed) == 1, sorted(failed)
    ((name, evaluation),) = failed.items()
    # Every failure says what to do; example tables are read back as rows.
    assert evaluation.description and evaluation.description.startswith("Failed. "), name
    meta = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
    return name, {
        k: table_rows(v) if isinstance(v, str) and v.startswith("| ") else v
        for k, v in meta.items()
    }


def execute(warehouse: Warehouse, *statements: str) -> None:
    with warehouse.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))


def test_every_check_passes_on_a_good_load(db):
    checks = run_checks(db)
    assert len(checks) == len(CHECKS)
    assert all(c.passed for c in checks.values()), [k for k, c in checks.items() if not c.passed]


def test_checks_run_on_their_own_in_their_assets_steps_without_loading(db):
    """The checks live in their asset's step; selected alone, the step loads nothing."""
    before = db.scalar("SELECT count(*) FROM warehouse.fact_movie_daily")
    selection = dg.AssetSelection.checks_for_assets("fact_movie_daily", "raw_discover_pages")
    result = checks_only(db, selection=selection)
    assert result.get_asset_materialization_events() == []
    evaluated = {e.check_name for e in result.get_asset_check_evaluations()}
    assert evaluated == {
        c.name for c in CHECKS if c.asset in ("fact_movie_daily", "raw_discover_pages")
    }
    steps = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert steps == {"fact_movie_daily", "raw_discover_pages"}
    assert db.scalar("SELECT count(*) FROM warehouse.fact_movie_daily") == before


LATEST_ROW = {
    f"{prefix}_availability": f"WHERE {item} IN (SELECT {item} FROM "
    f"warehouse.{prefix}_observation WHERE observed_date = "
    f"(SELECT max(observed_date) FROM warehouse.{prefix}_observation))"
    for prefix, item in (("fact_watch", "movie_id"), ("fact_tv_watch", "tv_id"))
}
ALSO_FAILING = {
    "fact_watch_availability": ("availability_intervals_ordered", "one_open_row_per_offer"),
    "fact_tv_watch_availability": ("availability_intervals_ordered", "one_open_row_per_offer"),
    "fact_trending_daily": ("trending_ranks_without_gaps",),
}


@pytest.mark.parametrize("table", [t for t in TABLES if t not in CATALOGUE_ASSETS])
def test_duplicate_key(db, table):
    execute(
        db,
        f"ALTER TABLE warehouse.{table} DROP CONSTRAINT {table}_pkey CASCADE",
        "ALTER TABLE warehouse.dim_date DROP CONSTRAINT IF EXISTS dim_date_full_date_key",
        # The other unique rules of the key's columns (one open row per offer, one rank per
        # movie): the duplicate must reach the table for the check to see it.
        "DROP INDEX IF EXISTS warehouse.fact_watch_availability_open",
        "DROP INDEX IF EXISTS warehouse.fact_tv_watch_availability_tv_id_iso_3166_1_provider_id__idx",
        "ALTER TABLE warehouse.fact_trending_daily "
        "DROP CONSTRAINT IF EXISTS fact_trending_daily_date_id_time_window_movie_id_key",
        # The latest day's row: a table keyed by day is checked on the run's (latest) day (the
        # availability history: a movie that day observed).
        f"INSERT INTO warehouse.{table} SELECT * FROM warehouse.{table} "
        f"{LATEST_ROW.get(table, '')} ORDER BY 1 DESC LIMIT 1",
    )
    if table == "bridge_movie_cast":  # the copy would also share a billing position
        execute(
            db,
            "UPDATE warehouse.bridge_movie_cast SET cast_order = NULL "
            "WHERE ctid = (SELECT max(ctid) FROM warehouse.bridge_movie_cast)",
        )
    checks = run_checks(db)
    if table in ALSO_FAILING:
        # A copy of an interval also overlaps it (and, open, is a second open row); a copy of
        # a rank leaves the day's ranks with a gap.
        failed = sorted(k for k, v in checks.items() if not v.passed)
        assert failed == sorted(f"{table}:{c}" for c in ("unique_key", *ALSO_FAILING[table]))
        checks = {k: v for k, v in checks.items() if k == f"{table}:unique_key"}
    name, meta = only_failure(checks)
    assert name == f"{table}:unique_key"
    assert meta["duplicate_keys"] == 1 and meta["null_keys"] == 0
    first_key = db.rows(
        f"SELECT * FROM warehouse.{table} {LATEST_ROW.get(table, '')} ORDER BY 1 DESC LIMIT 1"
    )[0][0]
    assert meta["examples"][0][0] == (
        first_key if isinstance(first_key, int | str) else str(first_key)
    )


def test_orphan_fact_row(db):
    movie = db.scalar("SELECT min(movie_id) FROM warehouse.dim_movie")
    execute(
        db,
        "ALTER TABLE warehouse.fact_movie_daily DROP CONSTRAINT fact_movie_daily_date_id_fkey",
        "INSERT INTO warehouse.fact_movie_daily VALUES "
        f"(20990101, {movie}, 1.0, 5.0, 10, 1, now(), false)",
    )
    name, meta = only_failure(run_checks(db))
    assert name == "fact_movie_daily:foreign_keys"
    assert (
        meta["orphan_rows"] == 1
        and meta["orphans_date_id"] == 1
        and meta["examples_date_id"] == [20990101]
    )


def test_cast_order_shared_and_credits_missing(db):
    movie, first, second = db.rows(
        "SELECT movie_id, min(credit_id), max(credit_id) FROM warehouse.bridge_movie_cast "
        "GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1"
    )[0]
    execute(
        db,
        "UPDATE warehouse.bridge_movie_cast SET cast_order = 0 "
        f"WHERE movie_id = {movie} AND credit_id IN ('{first}', '{second}')",
    )
    name, meta = only_failure(run_checks(db))
    assert name == "bridge_movie_cast:cast_order_unique"
    assert meta["duplicated_positions"] == 1 and meta["examples"] == [[movie, 0, 2]]
    execute(
        db,
        f"DELETE FROM warehouse.bridge_movie_cast WHERE movie_id = {movie}",
        f"DELETE FROM warehouse.bridge_movie_crew WHERE movie_id = {movie}",
    )
    name, meta = only_failure(run_checks(db))
    assert name == "bridge_movie_crew:every_movie_with_details_has_credits"
    assert meta["movies_missing_credits"] == 1 and meta["examples"][0][0] == movie


def test_orphan_bridge_row(db):
    execute(
        db,
        # No constraint stops this (bridges carry no foreign keys, see sql/005): the check does.
        "INSERT INTO warehouse.bridge_movie_genre VALUES (999999999, 18)",
    )
    name, meta = only_failure(run_checks(db))
    assert name == "bridge_movie_genre:foreign_keys"
    assert meta["orphans_movie_id"] == 1 and meta["examples_movie_id"] == [999999999]


def test_null_continent(db):
    execute(
        db,
        "UPDATE warehouse.dim_country SET continent = NULL, continent_code = NULL WHERE iso_3166_1 IN ('SU', 'YU')",
    )
    name, meta = only_failure(run_checks(db))
    assert name == "dim_country:every_country_has_a_continent"
    assert meta["countries_without_continent"] == 2 and meta["unknown_codes"] == ["SU", "YU"]


def test_missing_page(db):
    # The latest capture asked for 4 pages but holds 3.
    execute(
        db,
        "UPDATE raw.capture SET stats = jsonb_set(stats, '{pages_requested}', '4') "
        "WHERE asset = 'raw_discover_pages' AND partition_date = '2025-03-02'",
    )
    checks = run_checks(db)
    failed = sorted(k for k, c in checks.items() if not c.passed)
    assert failed == ["raw_discover_pages:all_pages_captured", "raw_discover_pages:pages_complete"]
    meta = {k: v.value for k, v in checks["raw_discover_pages:all_pages_captured"].metadata.items()}
    assert meta["missing_pages"] == {"2025-03-02": [4]} and meta["missing_page_count"] == 1
    meta = {k: v.value for k, v in checks["raw_discover_pages:pages_complete"].metadata.items()}
    assert meta["problems"] == {"2025-03-02": ["page 4 is missing"]}


def test_short_page_fails_pages_complete(db):
    # The bug this check exists for: a page that came back short was kept as the day's truth,
    # and the fact built from it agreed with it. Every page present, page 2 short by 7.
    execute(
        db,
        "UPDATE raw.discover_page p SET payload = jsonb_set(payload, '{results}', "
        "(SELECT jsonb_agg(r) FROM (SELECT r FROM jsonb_array_elements(p.payload->'results') "
        "WITH ORDINALITY AS e(r, n) WHERE n <= 13) x)) FROM raw.capture c "
        "WHERE c.capture_id = p.capture_id AND c.partition_date = '2025-03-02' "
        "AND c.asset = 'raw_discover_pages' AND p.page = 2",
    )
    checks = run_checks(db)
    meta = {k: v.value for k, v in checks["raw_discover_pages:pages_complete"].metadata.items()}
    assert not checks["raw_discover_pages:pages_complete"].passed
    assert meta["problems"] == {"2025-03-02": ["page 2 holds 13 results, not 20"]}
    assert checks["raw_discover_pages:all_pages_captured"].passed  # every page is there


def test_movie_without_details(db):
    movie = db.scalar(
        "SELECT min(movie_id) FROM warehouse.fact_movie_daily WHERE date_id = 20250302"
    )
    execute(db, f"DELETE FROM raw.movie_details WHERE movie_id = {movie}")
    name, meta = only_failure(run_checks(db))
    assert name == "raw_movie_details:every_movie_has_details_or_404"
    assert meta["movies_without_details"] == 1 and meta["examples"] == {"2025-03-02": [movie]}


def test_negative_popularity(db):
    movie = db.scalar(
        "SELECT min(movie_id) FROM warehouse.fact_movie_daily WHERE date_id = 20250302"
    )
    execute(
        db,
        f"UPDATE warehouse.fact_movie_daily SET popularity = -1 WHERE movie_id = {movie} AND date_id = 20250302",
    )
    name, meta = only_failure(run_checks(db))
    assert name == "fact_movie_daily:values_in_range"
    assert meta["offending_rows"] == 1 and meta["examples"][0][:3] == [20250302, movie, -1.0]


def test_vote_count_drop_warns(db):
    movie = db.scalar(
        "SELECT movie_id FROM warehouse.fact_movie_daily WHERE date_id = 20250301 AND vote_count > 100 ORDER BY movie_id LIMIT 1"
    )
    execute(
        db,
        f"UPDATE warehouse.fact_movie_daily SET vote_count = 3 WHERE movie_id = {movie} AND date_id = 20250302",
    )
    checks = run_checks(db)
    name, meta = only_failure(checks)
    assert name == "fact_movie_daily:vote_count_not_dropping"
    assert checks[name].severity == dg.AssetCheckSeverity.WARN
    assert meta["movies_with_dropping_votes"] == 1 and meta["examples"][0][1] == movie


def test_movie_count_out_of_band_warns(db):
    execute(
        db,
        "DELETE FROM warehouse.fact_movie_daily WHERE date_id = 20250301 AND movie_id IN "
        "(SELECT movie_id FROM warehouse.fact_movie_daily WHERE date_id = 20250301 ORDER BY movie_id LIMIT 40)",
    )
    checks = run_checks(db)
    name, meta = only_failure(checks)
    assert name == "fact_movie_daily:movie_count_within_band"
    assert checks[name].severity == dg.AssetCheckSeverity.WARN
    prev, cur = meta["outside_band"]["2025-03-02"]
    assert prev == cur - 40 or prev < cur


def test_details_failure_share(db):
    execute(
        db,
        "UPDATE warehouse.dim_movie SET details_status = 'not_found' WHERE movie_id IN "
        "(SELECT movie_id FROM warehouse.fact_movie_daily WHERE date_id = 20250302 ORDER BY movie_id LIMIT 10)",
    )
    name, meta = only_failure(run_checks(db))
    assert name == "dim_movie:details_failure_share"
    assert (
        meta["worst_share"] > 0.05
        and meta["worst_day"] == "2025-03-02"
        and len(meta["examples"]) == 10
    )


def test_negative_runtime(db):
    execute(
        db,
        "UPDATE warehouse.dim_movie SET runtime = -5 WHERE movie_id = (SELECT min(movie_id) FROM warehouse.dim_movie)",
    )
    name, meta = only_failure(run_checks(db))
    assert name == "dim_movie:non_negative_numbers" and meta["offending_rows"] == 1


def test_release_far_in_the_future_warns(db):
    execute(
        db,
        "UPDATE warehouse.dim_movie SET release_date = last_seen_date + 800 WHERE movie_id = (SELECT min(movie_id) FROM warehouse.dim_movie)",
    )
    checks = run_checks(db)
    name, meta = only_failure(checks)
    assert name == "dim_movie:release_date_plausible" and meta["offending_rows"] == 1
    assert checks[name].severity == dg.AssetCheckSeverity.WARN


def test_stale_data_fails_freshness(db):
    name, meta = only_failure(run_checks(db, QualityResource(freshness_hours=36)))
    assert name == "fact_movie_daily:fresh"
    assert meta["latest_day"] == "2025-03-02" and meta["hours_since_day_ended"] > 36


def test_a_blocking_failure_stops_downstream_assets(db):
    from tmdb_simulator.server import RunningSimulator, SimulatorConfig

    execute(
        db,
        # No constraint stops this (bridges carry no foreign keys, see sql/005): the check does.
        "INSERT INTO warehouse.bridge_movie_genre VALUES (999999999, 18)",
    )
    with RunningSimulator(SimulatorConfig(movies=400, seed=7, rate_limit=0)) as sim:
        resources = {
            "tmdb": TMDbResource(
                api_token="t", base_url=sim.base_url, discover_pages=3, rate_limit_per_second=500
            ),
            "warehouse": WarehouseResource(database_url=db.url),
            "quality": LENIENT,
        }
        result = materialize_day(resources, DAY2, sim, raise_on_error=False)
    assert not result.success
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert {"bridge_movie_genre", "fact_movie_daily", "dim_movie"} <= materialized
    # Views that read the broken bridge did not run; the fact's own checks still did.
    assert "vw_genre_popularity" not in materialized and "vw_movie_latest" not in materialized
    checks = check_results(result)
    assert not checks["bridge_movie_genre:foreign_keys"].passed
    assert checks["fact_movie_daily:matches_raw_discover"].passed
