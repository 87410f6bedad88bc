"""Backfills: raw is history, derived assets replay it in one run, nothing regresses."""

import datetime as dt
import threading

import dagster as dg
import pytest

from tmdb_assets.capture.read import clear_cache
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.definitions import defs
from tmdb_assets.warehouse import rebuild
from tmdb_assets_tests.conftest import admin_state
from tmdb_assets_tests.helpers import (
    DAYS,
    RAW,
    capture_raw,
    materialize_day,
    materialize_seed,
    metadata,
    table_checksums,
)


def partition_metadata(instance: dg.DagsterInstance, asset: str, day: dt.date) -> dict:
    """The latest materialization of one partition, as the UI shows it."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[str(day)]),
        limit=1,
        ascending=False,
    ).records
    assert records, f"{asset} {day} has no materialization"
    materialization = records[0].event_log_entry.asset_materialization
    return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}


def derived_range(
    resources, start: dt.date, end: dt.date, instance=None
) -> dg.ExecuteInProcessResult:
    """The derived assets over [start, end] as a single run (as a UI/CLI backfill runs them)."""
    clear_cache()
    job = defs.resolve_job_def("tmdb_derived")
    return job.execute_in_process(
        resources=resources,
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat(),
        },
    )


def test_raw_is_history(resources, simulator, warehouse: Warehouse):
    capture_raw(resources, simulator)
    payloads = "SELECT p.page, md5(p.payload::text) FROM raw.discover_page p JOIN raw.capture c USING (capture_id) WHERE c.partition_date = :d AND c.is_current ORDER BY 1"
    before = warehouse.rows(payloads, d=DAYS[2])
    # Materializing the partition again, on a later simulated day, reuses the stored capture.
    result = materialize_day(resources, DAYS[2], simulator, selection=RAW)
    simulator.state.set_date(DAYS[4])
    assert warehouse.rows(payloads, d=DAYS[2]) == before
    assert metadata(result, "raw_discover_pages")["reused"] is True
    assert metadata(result, "raw_discover_pages")["requests"] == 0
    assert metadata(result, "raw_movie_details")["reused"] is True
    # A recapture asks for it, adds version 2 and keeps version 1.
    config = {
        "ops": {
            name: {"config": {"recapture": True}}
            for name in ("raw_discover_pages", "raw_movie_details", "raw_trending")
        }
    }
    result = materialize_day(resources, DAYS[2], simulator, selection=RAW, run_config=config)
    assert metadata(result, "raw_discover_pages")["capture_version"] == 2
    versions = warehouse.rows(
        "SELECT asset, version, is_current, (SELECT count(*) FROM raw.discover_page p WHERE p.capture_id = c.capture_id) "
        "FROM raw.capture c WHERE partition_date = :d ORDER BY asset, version",
        d=DAYS[2],
    )
    assert [(a, v, cur) for a, v, cur, _ in versions] == [
        ("raw_discover_pages", 1, False), ("raw_discover_pages", 2, True),
        ("raw_movie_details", 1, False), ("raw_movie_details", 2, True),
        ("raw_trending", 1, False), ("raw_trending", 2, True),
    ]  # fmt: skip
    assert versions[0][3] == versions[1][3] == 3  # both versions keep their pages
    old = warehouse.rows(
        "SELECT p.page, md5(p.payload::text) FROM raw.discover_page p JOIN raw.capture c USING (capture_id) "
        "WHERE c.partition_date = :d AND c.version = 1 AND c.asset = 'raw_discover_pages' ORDER BY 1",
        d=DAYS[2],
    )
    assert old == before


def test_derived_backfill_is_one_run_in_order_without_requests(resources, simulator, warehouse):
    materialize_seed(resources)
    capture_raw(resources, simulator)
    requests_before = admin_state(simulator)["stats"]["requests"]
    instance = dg.DagsterInstance.ephemeral()
    result = derived_range(resources, DAYS[0], DAYS[-1], instance)
    assert result.success
    assert instance.get_runs_count() == 1
    assert admin_state(simulator)["stats"]["requests"] == requests_before  # raw only, no TMDb
    assert warehouse.rows("SELECT date_id FROM warehouse.dim_date ORDER BY 1") == [
        (int(d.strftime("%Y%m%d")),) for d in DAYS
    ]
    # The run's own event carries the range's totals, labelled as such.
    (meta,) = [
        {k: getattr(v, "value", v) for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[-1] == "fact_movie_daily"
        and e.partition == str(DAYS[0])
        and "range" in e.materialization.metadata
    ]
    assert meta["range"] == f"{DAYS[0]}..{DAYS[-1]}" and meta["range_partitions"] == 5
    assert meta["range_rows"] == warehouse.scalar("SELECT count(*) FROM warehouse.fact_movie_daily")
    assert "dagster/row_count" not in meta
    # Each partition's latest materialization (what the UI shows for that day) is that day's.
    for day in DAYS:
        did = int(day.strftime("%Y%m%d"))
        fact = partition_metadata(instance, "fact_movie_daily", day)
        rows = warehouse.scalar(
            "SELECT count(*) FROM warehouse.fact_movie_daily WHERE date_id = :d", d=did
        )
        top = warehouse.scalar(
            "SELECT m.title FROM warehouse.fact_movie_daily f JOIN warehouse.dim_movie m "
            "USING (movie_id) WHERE f.date_id = :d ORDER BY f.popularity DESC, f.movie_id LIMIT 1",
            d=did,
        )
        assert fact["partition"] == str(day) and fact["range_run"] == meta["range"]
        assert fact["dagster/row_count"] == fact["rows"] == rows
        assert fact["top_movie"] == top and f"Top 10 by popularity, {day}" in fact["top_10"]
        movie = partition_metadata(instance, "dim_movie", day)
        assert movie["dagster/row_count"] == rows  # the day's movies, one row each
        assert movie["inserted"] + movie["updated"] + movie["unchanged"] == rows
    # Dagster plans each check once per day of the range; every day is evaluated (no
    # "skipped" rows in a check's history beside the real result).
    history = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("fact_movie_daily"), "matches_raw_discover"), limit=20
    )
    assert {r.status.value for r in history} == {"SUCCEEDED"}
    assert {getattr(r, "partition", None) for r in history} >= {str(d) for d in DAYS}
    # Replaying the range compares every row and says so (nothing inserted, all unchanged).
    again = derived_range(resources, DAYS[0], DAYS[-1], instance)
    assert again.success
    fact = partition_metadata(instance, "fact_movie_daily", DAYS[2])
    assert fact["changed_or_new"] == 0 and fact["unchanged"] == fact["rows"] > 0
    movie = partition_metadata(instance, "dim_movie", DAYS[2])
    assert movie["inserted"] == 0 and movie["unchanged"] == movie["rows"] > 0
    # In order: every movie's last_seen_date is its latest day, first_seen its earliest.
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.dim_movie m WHERE last_seen_date <> "
            "(SELECT max(d.full_date) FROM warehouse.fact_movie_daily f JOIN warehouse.dim_date d USING (date_id) WHERE f.movie_id = m.movie_id) "
            "OR first_seen_date <> (SELECT min(d.full_date) FROM warehouse.fact_movie_daily f JOIN warehouse.dim_date d USING (date_id) WHERE f.movie_id = m.movie_id)"
        )
        == 0
    )


STATE = {
    "dim_movie": "SELECT movie_id, title, runtime, revenue, tagline, details_status, last_seen_date, source_date FROM warehouse.dim_movie ORDER BY 1",
    "dim_company": "SELECT * FROM warehouse.dim_company ORDER BY 1",
    "dim_genre": "SELECT * FROM warehouse.dim_genre ORDER BY 1",
    "bridge_movie_genre": "SELECT * FROM warehouse.bridge_movie_genre ORDER BY 1, 2",
    "bridge_movie_company": "SELECT * FROM warehouse.bridge_movie_company ORDER BY 1, 2",
    "bridge_movie_country": "SELECT * FROM warehouse.bridge_movie_country ORDER BY 1, 2",
    "bridge_movie_language": "SELECT * FROM warehouse.bridge_movie_language ORDER BY 1, 2",
}


def test_an_old_backfill_never_regresses_newer_state(resources, simulator, warehouse):
    materialize_seed(resources)
    capture_raw(resources, simulator)
    # The test means something only if day 1's details differ from day 5's for some movie.
    differing = warehouse.scalar(
        "SELECT count(DISTINCT a.movie_id) FROM raw.movie_details a JOIN raw.capture ca ON ca.capture_id = a.capture_id "
        "JOIN raw.movie_details b ON b.movie_id = a.movie_id JOIN raw.capture cb ON cb.capture_id = b.capture_id "
        "WHERE ca.partition_date < cb.partition_date AND a.payload->'revenue' IS DISTINCT FROM b.payload->'revenue'"
    )
    assert differing > 0
    assert derived_range(resources, DAYS[4], DAYS[4]).success
    newest = {name: warehouse.rows(sql) for name, sql in STATE.items()}
    assert derived_range(resources, DAYS[0], DAYS[2]).success
    after = {name: warehouse.rows(sql) for name, sql in STATE.items()}
    # Every row set from day 5 is still there, unchanged; the backfill only added rows for
    # movies and companies day 5 did not see.
    # A pending movie (known from day 5's trending list only) takes any day's values, as the
    # catalogue's do: it is not state day 5 set.
    pending = {r[0] for r in newest["dim_movie"] if r[5] == "pending"}
    seen_day5 = {r[0] for r in newest["dim_movie"]} - pending
    for name in STATE:
        kept = [r for r in newest[name] if not (name == "dim_movie" and r[0] in pending)]
        assert set(kept) <= set(after[name]), name
        if name.startswith(("dim_movie", "bridge_")):
            assert [r for r in after[name] if r[0] in seen_day5] == kept, name
    assert len(after["dim_movie"]) > len(newest["dim_movie"])
    # The backfill did add what is new to the past: earlier first_seen dates and the facts.
    assert warehouse.scalar("SELECT min(first_seen_date) FROM warehouse.dim_movie") == DAYS[0]
    assert warehouse.scalar("SELECT count(DISTINCT date_id) FROM warehouse.fact_movie_daily") == 4


@pytest.mark.slow
def test_rebuild_from_raw_equals_the_original(resources, simulator, warehouse):
    materialize_seed(resources)
    for day in DAYS:
        assert materialize_day(resources, day, simulator).success
    original = table_checksums(warehouse)
    assert original["fact_movie_daily"][0] > 250
    assert rebuild.captured_ranges(warehouse) == [(DAYS[0], DAYS[-1])]
    rebuild.recreate_warehouse_schema(warehouse)
    assert warehouse.scalar("SELECT count(*) FROM warehouse.fact_movie_daily") == 0
    materialize_seed(resources)
    assert derived_range(resources, DAYS[0], DAYS[-1]).success
    assert table_checksums(warehouse) == original


def test_late_capture_is_flagged(resources, simulator, warehouse):
    materialize_seed(resources)
    on_time = materialize_day(resources, DAYS[1], simulator)
    assert metadata(on_time, "raw_discover_pages")["late_capture"] is False
    # Day 1, captured when the simulated clock is three days later, is refused unless asked
    # for: it would record TMDb as it is on day 4 as day 1's.
    simulator.state.set_date(DAYS[3])
    refused = materialize_day(resources, DAYS[0], None, raise_on_error=False)
    assert not refused.success
    from tmdb_assets.cli.failures import step_failure

    kind, message = step_failure(refused)
    assert kind == "LateCaptureError"
    assert "was never captured" in message and "2025-03-05 as 2025-03-01's" in message
    assert "allow_late_capture: true" in message and "--allow-late-capture" in message
    assert (
        warehouse.scalar("SELECT count(*) FROM raw.capture WHERE partition_date = :d", d=DAYS[0])
        == 0
    )
    allow = {"allow_late_capture": True}
    late = materialize_day(
        resources,
        DAYS[0],
        None,
        run_config={"ops": {a: {"config": allow} for a in ("raw_discover_pages", "raw_trending")}},
    )
    assert metadata(late, "raw_discover_pages")["late_capture"] is True
    # Details stored from day 2 that are current (not changed since, per /movie/changes) are
    # copied into the late capture instead of asked for again.
    details = metadata(late, "raw_movie_details")
    both_days = warehouse.scalar(
        "SELECT count(*) FROM (SELECT movie_id FROM warehouse.fact_movie_daily "
        "GROUP BY movie_id HAVING count(*) = 2) x"
    )
    assert details["details_current_copied"] > 0
    assert details["details_current_copied"] <= both_days
    assert (
        details["details_fetched"]
        + details["details_not_found"]
        + details["details_current_copied"]
        == details["movies"]
    )
    assert details["requests"] < details["movies"]
    assert metadata(late, "raw_discover_pages")["late_partitions"] == [str(DAYS[0])]
    assert warehouse.rows(
        "SELECT partition_date, late_capture FROM raw.capture WHERE asset = 'raw_discover_pages' ORDER BY 1"
    ) == [(DAYS[0], True), (DAYS[1], False)]
    rows = warehouse.rows(
        "SELECT date_id, bool_and(late_capture), min(captured_at) FROM warehouse.fact_movie_daily GROUP BY 1 ORDER BY 1"
    )
    assert [(r[0], r[1]) for r in rows] == [(20250301, True), (20250302, False)]
    assert rows[0][2] > dt.datetime(2025, 3, 3, tzinfo=dt.UTC)  # captured_at says when


def test_two_runs_racing_on_one_partition_leave_one_capture(resources, simulator, warehouse):
    results = []

    def run():
        results.append(
            materialize_day(
                resources, DAYS[0], None, selection=dg.AssetSelection.assets("raw_discover_pages")
            )
        )

    simulator.state.set_date(DAYS[0])
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.success for r in results)
    assert warehouse.rows("SELECT version, is_current FROM raw.capture") == [(1, True)]
    assert warehouse.scalar("SELECT count(*) FROM raw.discover_page") == 3
