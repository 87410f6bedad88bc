"""The whole catalogue from TMDb's daily ID export: the simulator's files and hand-made files
with the real format's quirks, captured over HTTP and loaded into a real PostgreSQL."""

import datetime as dt
import gzip
import json
import urllib.request

import dagster as dg
import pytest

from tmdb_assets.definitions import CATALOGUE
from tmdb_assets.export import file_name
from tmdb_assets.resources.tmdb import TMDbResource
from tmdb_assets_tests.conftest import DAY1, DAY2, admin_post
from tmdb_assets_tests.helpers import (
    check_results,
    materialize_day,
    materialize_seed,
    metadata,
    table_checksums,
)

FACT = "warehouse.fact_movie_popularity_daily"


@pytest.fixture
def resources(resources, simulator):
    tmdb = resources["tmdb"]
    exports = simulator.base_url.removesuffix("/3") + "/p/exports"
    return {
        **resources,
        "tmdb": TMDbResource(
            api_token=tmdb.api_token, base_url=tmdb.base_url, exports_base_url=exports
        ),
    }


def catalogue(resources, sim, day, served_on, **kwargs):
    """Partition `day` of the catalogue, the simulator's clock just after `served_on` ended."""
    sim.state.set_date(served_on)
    return materialize_day(resources, day, None, selection=CATALOGUE, **kwargs)


def served_ids(sim, day) -> dict[int, dict]:
    url = sim.base_url.removesuffix("/3") + f"/p/exports/{file_name(day)}"
    with urllib.request.urlopen(url) as resp:
        lines = gzip.decompress(resp.read()).decode().splitlines()
    out: dict[int, dict] = {}
    for line in lines:
        obj = json.loads(line)
        out.setdefault(obj["id"], obj)
    return out


def day_rows(warehouse, day) -> list[tuple]:
    return warehouse.rows(
        f"SELECT movie_id, popularity, adult, video FROM {FACT} WHERE date_id = :d ORDER BY 1",
        d=int(day.strftime("%Y%m%d")),
    )


def test_a_day_of_the_simulators_export_loads_whole_and_reruns_identically(
    resources, simulator, warehouse
):
    result = catalogue(resources, simulator, DAY1, DAY2)
    served = served_ids(simulator, DAY1)
    rows = day_rows(warehouse, DAY1)
    assert [r[0] for r in rows] == sorted(served) and len(rows) > 300
    assert all(r[1] == served[r[0]]["popularity"] for r in rows)
    raw = metadata(result, "raw_movie_id_export")
    assert raw["file"] == "movie_ids_03_02_2025.json.gz" and raw["lines"] == len(served)
    assert raw["late_capture"] is False
    fact = metadata(result, "fact_movie_popularity_daily")
    assert fact["rows"] == len(served) and fact["quarantined_lines"] == 0
    # Month partitions: the day's and the next, created by the load.
    partitions = {
        r[0]
        for r in warehouse.rows(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'warehouse.fact_movie_popularity_daily'::regclass"
        )
    }
    assert partitions == {
        "fact_movie_popularity_daily_2025_03",
        "fact_movie_popularity_daily_2025_04",
    }
    # A rerun reuses the capture and leaves the day as it was; a recapture adds a version.
    again = catalogue(resources, simulator, DAY1, DAY2)
    assert metadata(again, "raw_movie_id_export")["reused"] is True
    assert day_rows(warehouse, DAY1) == rows
    recaptured = catalogue(
        resources,
        simulator,
        DAY1,
        DAY2,
        run_config={"ops": {"raw_movie_id_export": {"config": {"recapture": True}}}},
    )
    assert metadata(recaptured, "raw_movie_id_export")["capture_version"] == 2
    assert day_rows(warehouse, DAY1) == rows
    checks = check_results(result)
    assert all(c.passed for c in checks.values()), {k: c.metadata for k, c in checks.items()}


def test_the_export_agrees_with_discover_for_the_movies_in_both(resources, simulator, warehouse):
    materialize_seed(resources)
    materialize_day(resources, DAY1, simulator)
    result = catalogue(resources, simulator, DAY1, DAY2)
    checks = check_results(result)
    agree = checks["fact_movie_popularity_daily:export_agrees_with_discover"]
    both, differing = agree.metadata["movies_in_both_and_differing"].value[str(DAY1)]
    assert agree.passed and differing == 0
    assert both == warehouse.scalar(
        "SELECT count(*) FROM warehouse.fact_movie_daily WHERE date_id = 20250301"
    )


QUIRKS = [
    '{"adult":false,"id":603,"original_title":"The Matrix","popularity":30.207,"video":false}',
    '{"adult":false,"id":19995,"original_title":"Аватар","popularity":0,"video":false}',
    '{"adult":false,"id":8392,"original_title":"となりのトトロ","popularity":12.5,"video":true}',
    '{"adult":true,"id":9999991,"original_title":"Adult","popularity":1.2,"video":false}',
    '{"adult":false,"id":603,"original_title":"The Matrix","popularity":30.207,"video":false}',
    "<html>not json</html>",
    '{"adult":false,"id":"x","original_title":"Bad id","popularity":1,"video":false}',
    '{"adult":false,"id":550,"original_title":"Fight Club","popularity":61.4',
]


def test_hand_made_lines_with_the_real_formats_quirks(resources, simulator, warehouse):
    admin_post(simulator, "exports", {"name": file_name(DAY1), "lines": QUIRKS})
    result = catalogue(resources, simulator, DAY1, DAY2)
    rows = day_rows(warehouse, DAY1)
    assert rows == [
        (603, 30.207, False, False),
        (8392, 12.5, False, True),
        (19995, 0.0, False, False),
        (9999991, 1.2, True, False),
    ]
    fact = metadata(result, "fact_movie_popularity_daily")
    assert fact["lines"] == 8 and fact["duplicate_ids"] == 1 and fact["quarantined_lines"] == 3
    quarantined = warehouse.rows(
        "SELECT reason, payload->>'line' FROM raw.quarantine WHERE source = 'export' ORDER BY 2"
    )
    assert [int(r[1]) for r in quarantined] == [6, 7, 8]
    assert "id is 'x'" in quarantined[1][0] and quarantined[2][0].startswith(
        "line 8: not a JSON object"
    )
    # A rerun is identical (the quarantine too).
    materialize_day(
        resources, DAY1, None, selection=dg.AssetSelection.assets("fact_movie_popularity_daily")
    )
    assert day_rows(warehouse, DAY1) == rows
    assert warehouse.scalar("SELECT count(*) FROM raw.quarantine WHERE source = 'export'") == 3


def test_a_truncated_file_fails_the_capture_and_keeps_nothing(resources, simulator, warehouse):
    admin_post(
        simulator, "exports", {"name": file_name(DAY1), "lines": QUIRKS[:4] * 500, "truncate": True}
    )
    result = catalogue(resources, simulator, DAY1, DAY2, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "gzip stream ends early" in failure.event_specific_data.error.to_string()
    assert (
        warehouse.scalar("SELECT count(*) FROM raw.capture WHERE asset = 'raw_movie_id_export'")
        == 0
    )
    assert warehouse.scalar("SELECT count(*) FROM raw.export_chunk") == 0
    assert warehouse.scalar(f"SELECT count(*) FROM {FACT}") == 0


def test_a_file_not_built_yet_is_retried_and_an_expired_one_is_gone(
    resources, simulator, warehouse, monkeypatch
):
    monkeypatch.setenv("TMDB_EXPORT_RETRIES", "1")
    monkeypatch.setenv("TMDB_EXPORT_RETRY_SECONDS", "0")
    # Just after DAY1 ended: its file is built at 07:30 the next morning.
    result = catalogue(resources, simulator, DAY1, DAY1, raise_on_error=False)
    assert not result.success
    kinds = [e.event_type_value for e in result.all_events]
    assert kinds.count("STEP_UP_FOR_RETRY") == 1
    assert warehouse.scalar("SELECT count(*) FROM raw.capture") == 0
    # A day whose file TMDb no longer keeps (about 90 days) fails without a retry, saying so.
    later = DAY1 + dt.timedelta(days=120)
    result = catalogue(resources, simulator, DAY1, later, raise_on_error=False)
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.to_string()
    assert "is gone" in message and "about 90 days" in message
    assert [e.event_type_value for e in result.all_events].count("STEP_UP_FOR_RETRY") == 0


def test_the_files_host_gets_no_token(resources, simulator):
    assert isinstance(resources["tmdb"], TMDbResource) and resources["tmdb"].api_token
    catalogue(resources, simulator, DAY1, DAY2)
    routes = simulator.state.stats.as_dict()["by_route"]
    assert routes["exports"] >= 1 and "exports_with_authorization" not in routes


def test_catalogue_summary_and_a_movies_history_from_both_sources(resources, simulator, warehouse):
    materialize_seed(resources)
    day3 = DAY2 + dt.timedelta(days=1)
    for day in (DAY1, DAY2, day3):  # discover for three days
        materialize_day(resources, day, simulator)
    for day in (DAY1, DAY2):  # the export for two (day 3's file is built the next morning)
        catalogue(resources, simulator, day, day3)
    first, second = served_ids(simulator, DAY1), served_ids(simulator, DAY2)
    (row,) = warehouse.rows(
        "SELECT movies, previous_date_id, new_movies, removed_movies, median_popularity, "
        "max_popularity FROM warehouse.vw_catalogue_daily WHERE date_id = 20250302"
    )
    pops = sorted(o["popularity"] for o in second.values())
    mid = len(pops) // 2
    median = pops[mid] if len(pops) % 2 else (pops[mid - 1] + pops[mid]) / 2
    assert row[:4] == (len(second), 20250301, len(set(second) - set(first)),
                       len(set(first) - set(second)))  # fmt: skip
    assert row[4] == pytest.approx(median) and row[5] == max(pops)
    assert (
        warehouse.scalar(
            "SELECT new_movies FROM warehouse.fact_catalogue_daily WHERE date_id = 20250301"
        )
        is None
    )  # no export day before it
    # A discovered movie: the export's value on days 1-2, discover's on day 3, each named.
    movie = warehouse.scalar(
        "SELECT movie_id FROM warehouse.fact_movie_daily WHERE date_id = 20250303 "
        "ORDER BY discover_rank LIMIT 1"
    )
    history = warehouse.rows(
        "SELECT full_date, source, popularity, discover_popularity "
        "FROM warehouse.vw_movie_popularity_history WHERE movie_id = :m ORDER BY date_id",
        m=movie,
    )
    assert [(h[0], h[1]) for h in history] == [
        (DAY1, "export"), (DAY2, "export"), (day3, "discover")
    ]  # fmt: skip
    assert history[1][2] == second[movie]["popularity"] == pytest.approx(history[1][3])
    # A range of days reads only the month partitions it covers: March's is pruned from the
    # export's scan and never executed in discover's lookup.
    plan = [
        r[0]
        for r in warehouse.rows(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM "
            "warehouse.vw_movie_popularity_history WHERE movie_id = :m AND date_id >= 20250401",
            m=movie,
        )
    ]
    assert any("fact_movie_popularity_daily_2025_04" in line for line in plan)
    march = [line for line in plan if "fact_movie_popularity_daily_2025_03" in line]
    assert all("never executed" in line for line in march), "\n".join(plan)


@pytest.mark.slow
def test_rebuild_replays_the_catalogue_from_its_raw_files(
    resources, simulator, warehouse, database_url, tmp_path
):
    from tmdb_assets_tests.test_cli import cli_env, run_cli

    materialize_seed(resources)
    materialize_day(resources, DAY1, simulator)
    catalogue(resources, simulator, DAY1, DAY2)
    before = table_checksums(warehouse)
    exports_before = simulator.state.stats.as_dict()["by_route"]["exports"]
    done = run_cli(["rebuild", "--yes"], cli_env(database_url, tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "tmdb_catalogue 2025-03-01..2025-03-01: ok" in done.stdout
    after = table_checksums(warehouse)
    for table in ("fact_movie_popularity_daily", "fact_catalogue_daily", "fact_movie_daily"):
        assert after[table] == before[table] and after[table][0] > 0, table
    # Replayed from raw: the files host was not asked again.
    assert simulator.state.stats.as_dict()["by_route"]["exports"] == exports_before


def test_a_day_whose_catalogue_shrinks_past_the_band_fails_its_check(
    resources, simulator, warehouse
):
    catalogue(resources, simulator, DAY1, DAY2 + dt.timedelta(days=1))
    admin_post(simulator, "exports", {"name": file_name(DAY2), "lines": QUIRKS})
    result = catalogue(resources, simulator, DAY2, DAY2 + dt.timedelta(days=1))
    band = check_results(result)["fact_catalogue_daily:catalogue_count_within_band"]
    previous = warehouse.scalar("SELECT movies FROM warehouse.fact_catalogue_daily "
                                "WHERE date_id = 20250301")  # fmt: skip
    assert not band.passed
    assert band.metadata["outside_band"].value == {str(DAY2): [previous, 4]}
