"""The catalogue's closed months compacted (issue 26): the simulator's export files captured over
HTTP, loaded, compacted by the catalogue job in a real PostgreSQL and read back through the
views, day by day, against the daily rows and the files' lines."""

import datetime as dt
import json

import dagster as dg
import pytest
from sqlalchemy import text

from tmdb_assets.capture.export import file_name
from tmdb_assets.defs.catalogue.sensors import CATALOGUE_BY_MEDIA
from tmdb_assets.transform.media import TV
from tmdb_assets_tests.catalogue_helpers import catalogue, served_ids, with_exports
from tmdb_assets_tests.conftest import admin_post
from tmdb_assets_tests.helpers import check_results, materialize_day, metadata

MARCH_1, MARCH_2, MARCH_15, MARCH_31 = (dt.date(2025, 3, d) for d in (1, 2, 15, 31))
ONE_DAY = dt.timedelta(days=1)
COMPACTION = "fact_movie_popularity_monthly"


@pytest.fixture
def resources(resources, simulator):
    return with_exports(resources, simulator)


def day_md5(warehouse) -> dict[int, tuple[int, str]]:
    """Per export day: rows and the md5 of every (id, exact value text, flags), through the view."""
    return {
        r[0]: (r[1], r[2])
        for r in warehouse.rows(
            "SELECT date_id, count(*), md5(string_agg(concat_ws(':', movie_id, "
            "popularity::text, adult, video), '|' ORDER BY movie_id)) "
            "FROM warehouse.vw_catalogue_popularity GROUP BY date_id"
        )
    }


def view_day(warehouse, day) -> dict[int, tuple]:
    return {
        r[0]: tuple(r[1:])
        for r in warehouse.rows(
            "SELECT movie_id, popularity, adult, video FROM warehouse.vw_catalogue_popularity "
            "WHERE date_id = :d",
            d=int(day.strftime("%Y%m%d")),
        )
    }


def assert_equals_file(warehouse, day, served: dict[int, dict]) -> None:
    """Every line of the day's file reads back with its value, to the precision TMDb gives
    (the same double: exact), and its flags; nothing else."""
    rows = view_day(warehouse, day)
    assert sorted(rows) == sorted(served)
    for movie_id, line in served.items():
        assert rows[movie_id] == (line["popularity"], line["adult"], line["video"]), movie_id


def execute(warehouse, sql: str, **params) -> None:
    with warehouse.begin() as conn:
        conn.execute(text(sql), params)


def partitions(warehouse, parent: str) -> set[str]:
    return {
        r[0]
        for r in warehouse.rows(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            f"WHERE i.inhparent = 'warehouse.{parent}'::regclass"
        )
    }


def compact_march(resources, simulator, days=(MARCH_1, MARCH_2, MARCH_31)):
    """The catalogue job on `days` (the last, March 31, compacts the month); the last run."""
    for day in days:
        result = catalogue(resources, simulator, day, day + ONE_DAY)
    return result


def test_a_closed_month_compacts_and_reads_back_equal_to_its_daily_rows_and_files(
    resources, simulator, warehouse
):
    first = catalogue(resources, simulator, MARCH_1, MARCH_2)
    assert metadata(first, COMPACTION)["state"] == "open: compacted once 2025-03-31 is loaded"
    catalogue(resources, simulator, MARCH_2, MARCH_2 + ONE_DAY)
    daily = day_md5(warehouse)  # days 1 and 2, daily rows
    assert set(daily) == {20250301, 20250302}
    size_daily = warehouse.scalar(
        "SELECT pg_total_relation_size('warehouse.fact_movie_popularity_daily_2025_03')"
    )

    result = catalogue(resources, simulator, MARCH_31, MARCH_31 + ONE_DAY)
    meta = metadata(result, COMPACTION)
    served = {d: served_ids(simulator, d) for d in (MARCH_1, MARCH_2, MARCH_31)}
    assert meta["compacted"] is True and meta["month"] == "2025-03" and meta["days"] == 3
    assert meta["rows_in"] == sum(len(s) for s in served.values())
    assert meta["rows_out"] == len(set().union(*served.values()))
    assert meta["exact_rows"] == 0  # the simulator's values have at most 4 decimals
    assert meta["bytes_before"] == pytest.approx(size_daily, rel=0.5)
    assert 0 < meta["bytes_after"] < meta["bytes_before"] and meta["seconds"] > 0
    # Compaction then decompaction: each day's rows equal the daily rows bit for bit, and the
    # files' lines (value, flags) of all three days.
    after = day_md5(warehouse)
    assert {d: after[d] for d in daily} == daily
    for day, lines in served.items():
        assert_equals_file(warehouse, day, lines)
    # The daily partition is gone (April's, made ahead, stays); March is one monthly partition.
    assert partitions(warehouse, "fact_movie_popularity_daily") == {
        "fact_movie_popularity_daily_2025_04"
    }
    assert partitions(warehouse, COMPACTION) == {"fact_movie_popularity_monthly_2025_03"}
    assert warehouse.scalar("SELECT count(*) FROM warehouse.fact_movie_popularity_daily") == 0
    (row,) = warehouse.rows(
        "SELECT days, rows_in, rows_out, late_days, cardinality(day_checksums) "
        "FROM warehouse.compacted_month WHERE fact = 'fact_movie_popularity_daily' "
        "AND month_id = 202503"
    )
    assert row == (3, meta["rows_in"], meta["rows_out"], 0, 31)
    # One row per movie: day d at [d], NULL on the days not loaded.
    movie = min(served[MARCH_1])
    values = warehouse.scalar(
        "SELECT popularity FROM warehouse.fact_movie_popularity_monthly WHERE movie_id = :m",
        m=movie,
    )
    assert len(values) == 31 and values[2:30] == [None] * 28
    assert values[0] == round(served[MARCH_1][movie]["popularity"] * 10_000)
    # Everything that reads the history: the summary of day 31 compared with day 2 (compacted
    # now), one movie's history over the month, and every check of the run.
    (summary,) = warehouse.rows(
        "SELECT movies, previous_date_id, new_movies FROM warehouse.vw_catalogue_daily "
        "WHERE date_id = 20250331"
    )
    assert summary == (len(served[MARCH_31]), 20250302,
                       len(set(served[MARCH_31]) - set(served[MARCH_2])))  # fmt: skip
    history = warehouse.rows(
        "SELECT date_id, source, popularity FROM warehouse.vw_movie_popularity_history "
        "WHERE movie_id = :m ORDER BY date_id",
        m=movie,
    )
    assert history == [
        (int(d.strftime("%Y%m%d")), "export", served[d][movie]["popularity"])
        for d in (MARCH_1, MARCH_2, MARCH_31)
        if movie in served[d]
    ]
    checks = check_results(result)
    assert checks[f"{COMPACTION}:compacted_days_read_back"].passed
    assert all(c.passed for c in checks.values()), {k: c.metadata for k, c in checks.items()}
    # A rerun of the last day merges it into the compacted month again: the same rows.
    again = catalogue(resources, simulator, MARCH_31, MARCH_31 + ONE_DAY)
    assert (
        metadata(again, "fact_movie_popularity_daily")["merged_into_compacted_month"] == "2025-03"
    )
    assert metadata(again, COMPACTION)["state"].startswith("compacted earlier")
    assert day_md5(warehouse) == after


def test_every_catalogue_check_reads_a_compacted_month_and_fails_when_it_is_wrong(
    resources, simulator, warehouse
):
    compact_march(resources, simulator, (MARCH_1, MARCH_31))
    # The checks alone, on day 1 (the compaction asset does nothing on a compacted day: the
    # run needs one partitioned asset).
    selection = dg.AssetSelection.assets(COMPACTION) | dg.AssetSelection.checks_for_assets(
        "fact_movie_popularity_daily", "fact_catalogue_daily", "catalogue_movies", COMPACTION
    )
    checks = check_results(materialize_day(resources, MARCH_1, None, selection=selection))
    assert {k.split(":")[1] for k in checks} >= {
        "export_agrees_with_discover",
        "catalogue_count_within_band",
        "every_export_movie_in_dim_movie",
        "compacted_days_read_back",
    }
    assert all(c.passed for c in checks.values()), {k: c.metadata for k, c in checks.items()}
    read_back = checks[f"{COMPACTION}:compacted_days_read_back"]
    rows = len(served_ids(simulator, MARCH_1))
    assert read_back.metadata["loaded_and_read_by_day"].value == {str(MARCH_1): [rows, rows]}

    # A movie of day 1 gone from dim_movie: found in the compacted month.
    movie = min(served_ids(simulator, MARCH_1))
    execute(warehouse, "DELETE FROM warehouse.dim_movie WHERE movie_id = :m", m=movie)
    # One value of day 1 changed in the compacted form: its checksum no longer reads back.
    execute(
        warehouse,
        "UPDATE warehouse.fact_movie_popularity_monthly SET popularity[1] = popularity[1] + 1 "
        "WHERE movie_id = (SELECT max(movie_id) FROM warehouse.fact_movie_popularity_monthly "
        "WHERE popularity[1] IS NOT NULL)",
    )
    checks = check_results(materialize_day(resources, MARCH_1, None, selection=selection))
    missing = checks["catalogue_movies:every_export_movie_in_dim_movie"]
    assert not missing.passed and missing.metadata["missing_by_day"].value == {str(MARCH_1): 1}
    read_back = checks[f"{COMPACTION}:compacted_days_read_back"]
    assert not read_back.passed and read_back.severity == dg.AssetCheckSeverity.ERROR


def test_a_late_day_merges_into_its_compacted_month_in_one_transaction(
    resources, simulator, warehouse
):
    compact_march(resources, simulator, (MARCH_1, MARCH_31))
    before = day_md5(warehouse)
    # Day 15's file, loaded after its month was compacted, with two lines TMDb could send: a
    # value of 5 decimals and one beyond 214,748.3647 (the row keeps doubles), and a movie only
    # that day.
    simulator.state.set_date(MARCH_15 + ONE_DAY)
    original = served_ids(simulator, MARCH_15)
    lines = list(original.values())
    lines[0] = {**lines[0], "popularity": 12.34567}
    lines[1] = {**lines[1], "popularity": 300000.5}
    lines.append({"adult": True, "id": 99999991, "original_title": "Once", "popularity": 1.5,
                  "video": True})  # fmt: skip
    serve(simulator, MARCH_15, lines)
    result = catalogue(resources, simulator, MARCH_15, MARCH_15 + ONE_DAY)
    fact = metadata(result, "fact_movie_popularity_daily")
    assert fact["merged_into_compacted_month"] == "2025-03" and fact["rows"] == len(lines)
    assert_equals_file(warehouse, MARCH_15, {line["id"]: line for line in lines})
    after = day_md5(warehouse)
    assert {d: after[d] for d in before} == before  # the other days untouched
    assert partitions(warehouse, "fact_movie_popularity_daily") == {
        "fact_movie_popularity_daily_2025_04"
    }
    exact = warehouse.rows(
        "SELECT movie_id, popularity_exact[15] FROM warehouse.fact_movie_popularity_monthly "
        "WHERE popularity IS NULL ORDER BY 1"
    )
    assert exact == sorted([(lines[0]["id"], 12.34567), (lines[1]["id"], 300000.5)])
    assert (
        warehouse.scalar("SELECT late_days FROM warehouse.compacted_month WHERE month_id = 202503")
        == 1
    )
    checks = check_results(result)
    assert checks[f"{COMPACTION}:compacted_days_read_back"].passed
    assert checks["catalogue_movies:every_export_movie_in_dim_movie"].passed

    # TMDb's file of the day again, recaptured: the movie of that day alone loses its row, the
    # values return to 4 decimals, the rest of the month is as it was.
    serve(simulator, MARCH_15, list(original.values()))
    served = served_ids(simulator, MARCH_15)
    assert served == original
    recapture = {"ops": {"raw_movie_id_export": {"config": {"recapture": True}}}}
    catalogue(resources, simulator, MARCH_15, MARCH_15 + ONE_DAY, run_config=recapture)
    assert_equals_file(warehouse, MARCH_15, served)
    assert not warehouse.scalar(
        "SELECT count(*) FROM warehouse.fact_movie_popularity_monthly WHERE movie_id = 99999991"
    )
    after = day_md5(warehouse)
    assert {d: after[d] for d in before} == before
    # Rerun: converges.
    catalogue(resources, simulator, MARCH_15, MARCH_15 + ONE_DAY)
    assert day_md5(warehouse) == after


def serve(simulator, day, lines: list[dict]) -> None:
    admin_post(
        simulator, "exports", {"name": file_name(day), "lines": [json.dumps(x) for x in lines]}
    )


def test_the_month_is_not_compacted_while_one_of_its_checks_fails(resources, simulator, warehouse):
    catalogue(resources, simulator, MARCH_1, MARCH_2)
    # Day 31's file lost most of its lines: its catalogue summary is outside the band.
    simulator.state.set_date(MARCH_31 + ONE_DAY)
    lines = list(served_ids(simulator, MARCH_31).values())[:50]
    serve(simulator, MARCH_31, lines)
    result = catalogue(resources, simulator, MARCH_31, MARCH_31 + ONE_DAY, raise_on_error=False)
    assert not result.success
    failure = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure[0].event_specific_data.error.message
    assert "2025-03: not compacted" in message and "catalogue_count_within_band" in message
    assert warehouse.scalar("SELECT count(*) FROM warehouse.compacted_month") == 0
    assert set(day_md5(warehouse)) == {20250301, 20250331}  # still daily, still read


def test_the_series_export_compacts_through_the_same_machinery(resources, simulator, warehouse):
    """TV's export (no flags) compacted by fact_tv_popularity_monthly, a late day merged, every
    value read back through vw_tv_catalogue_popularity equal to the files' lines."""
    selection = dg.AssetSelection.assets(*CATALOGUE_BY_MEDIA[TV.name])
    served = {}
    for day in (MARCH_1, MARCH_31, MARCH_15):  # the 15th after its month was compacted
        simulator.state.set_date(day + ONE_DAY)
        result = materialize_day(resources, day, None, selection=selection)
        assert all(c.passed for c in result.get_asset_check_evaluations())
        served[day] = served_ids(simulator, day, media=TV)
    compacted = metadata(result, TV.export_table)
    assert compacted["merged_into_compacted_month"] == "2025-03"
    assert partitions(warehouse, TV.compact_table) == {"fact_tv_popularity_monthly_2025_03"}
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.fact_tv_popularity_daily WHERE date_id < 20250401"
        )
        == 0
    )
    for day, lines in served.items():
        rows = dict(
            warehouse.rows(
                "SELECT tv_id, popularity FROM warehouse.vw_tv_catalogue_popularity "
                "WHERE date_id = :d",
                d=int(day.strftime("%Y%m%d")),
            )
        )
        assert rows == {i: line["popularity"] for i, line in lines.items()}
    (row,) = warehouse.rows(
        "SELECT days, rows_in, late_days FROM warehouse.compacted_month "
        "WHERE fact = 'fact_tv_popularity_daily'"
    )
    assert row == (3, sum(len(s) for s in served.values()), 1)


def test_every_gate_of_the_compaction_is_a_declared_check():
    """A renamed check must not leave a month compacted without it."""
    from tmdb_assets.definitions import CHECKS
    from tmdb_assets.defs.catalogue.compaction import GATES

    declared = {(c.asset, c.name) for c in CHECKS}
    assert all(set(gates) <= declared for gates in GATES.values())


def test_a_connection_terminated_mid_compaction_heals_within_the_run(
    resources, simulator, warehouse, database_url, pg_server_url
):
    """The compaction's transaction loses its connection while it waits for the month's lock:
    rolled back, run again, and the month ends compacted and equal."""
    from tmdb_assets_tests.test_faults import terminated_while_waiting

    loads = dg.AssetSelection.assets(*CATALOGUE_BY_MEDIA["movie"]) - dg.AssetSelection.assets(
        COMPACTION
    )
    for day in (MARCH_1, MARCH_31):
        simulator.state.set_date(day + ONE_DAY)
        assert materialize_day(resources, day, None, selection=loads).success
    daily = day_md5(warehouse)
    result = terminated_while_waiting(
        database_url,
        pg_server_url,
        "fact_movie_popularity_daily:month:202503",
        lambda: materialize_day(
            resources, MARCH_31, None, selection=dg.AssetSelection.assets(COMPACTION)
        ),
    )
    assert result.success and metadata(result, COMPACTION)["compacted"] is True
    assert day_md5(warehouse) == daily
    assert partitions(warehouse, COMPACTION) == {"fact_movie_popularity_monthly_2025_03"}
