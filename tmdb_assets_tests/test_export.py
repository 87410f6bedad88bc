"""TMDb's daily ID export: hand-made files with the real format's quirks, truncated, not built yet,
gone, the adult ids' file, read over HTTP from the simulator into a real PostgreSQL; and the
export reader on bytes alone."""

import datetime as dt
import gzip
import signal
import subprocess
import sys
import time

import dagster as dg
import pytest

from tmdb_assets.capture.abandoned import CaptureLease
from tmdb_assets.capture.export import file_name
from tmdb_assets.capture.export_read import ExportRows
from tmdb_assets.capture.lifecycle import open_version
from tmdb_assets.definitions import defs
from tmdb_assets.defs.catalogue.sensors import plan_exports, run_requests
from tmdb_assets.defs.resources import TMDbResource
from tmdb_assets.settings import get_settings
from tmdb_assets_tests.catalogue_helpers import (
    FACT,
    QUIRKS,
    catalogue,
    day_rows,
    served_ids,
    tail_config,
    with_exports,
)
from tmdb_assets_tests.conftest import DAY1, DAY2, admin_post, admin_state
from tmdb_assets_tests.helpers import (
    materialize_day,
    metadata,
)


@pytest.fixture
def resources(resources, simulator):
    return with_exports(resources, simulator)


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


def _failure(result) -> str:
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    return failure.event_specific_data.error.to_string()


def test_a_missing_file_fails_at_once_saying_not_built_yet_missing_or_gone(
    resources, simulator, warehouse
):
    # Just after DAY1 ended: its file is built at 07:30 the next morning. The run does not wait
    # for it (the sensor does): it fails at once, retrying nothing, writing nothing.
    started = time.monotonic()
    result = catalogue(resources, simulator, DAY1, DAY1, raise_on_error=False)
    assert not result.success and time.monotonic() - started < 30
    assert "is not built yet" in _failure(result) and "tmdb_export_sensor" in _failure(result)
    kinds = [e.event_type_value for e in result.all_events]
    assert kinds.count("STEP_UP_FOR_RETRY") == 0
    assert warehouse.scalar("SELECT count(*) FROM raw.capture") == 0
    # 64 days later, within TMDb's retention, a file that is not there will not come.
    admin_post(simulator, "exports", {"name": file_name(DAY1), "missing": True})
    result = catalogue(
        resources, simulator, DAY1, DAY1 + dt.timedelta(days=64), raise_on_error=False
    )
    message = _failure(result)
    assert "is missing" in message and "64 days ago" in message and "will not bring it" in message
    assert "not built yet" not in message and "retries later" not in message
    # A day whose file TMDb no longer keeps (about 90 days) is gone, saying so.
    later = DAY1 + dt.timedelta(days=120)
    result = catalogue(resources, simulator, DAY1, later, raise_on_error=False)
    message = _failure(result)
    assert "is gone" in message and "about 90 days" in message
    assert [e.event_type_value for e in result.all_events].count("STEP_UP_FOR_RETRY") == 0


def test_the_export_sensor_requests_the_days_whose_file_is_there(resources, simulator, warehouse):
    """plan_exports on the simulator's clock: DAY2 just ended, so the files of DAY1 and the day
    before are built (HEAD 200) and DAY2's is not; a loaded day is not asked again; past noon
    of its build day a missing file is overdue and gets one (failing) run."""
    tmdb = resources["tmdb"]
    before = DAY1 - dt.timedelta(days=1)
    simulator.state.set_date(DAY2)
    with dg.instance_for_test() as instance:
        now = simulator.state.now()
        plan = plan_exports(instance, tmdb, now, 3, before)
        assert plan.ready == [before, DAY1] and plan.overdue == []
        assert "is not built yet" in plan.waiting[DAY2]
        requests = run_requests(plan)
        assert [(r.partition_key, r.run_key) for r in requests] == [
            (before.isoformat(), f"tmdb_catalogue:{before}"),
            (DAY1.isoformat(), f"tmdb_catalogue:{DAY1}"),
        ]
        assert all(r.job_name in (None, "tmdb_catalogue") for r in requests)
        assert admin_state(simulator)["stats"]["by_route"].get("exports", 0) == 0  # HEAD only
        # The day loaded (its catalogue run done), it is not asked again.
        instance.report_runless_asset_event(
            dg.AssetMaterialization("fact_movie_popularity_daily", partition=DAY1.isoformat())
        )
        later = plan_exports(instance, tmdb, now, 3, before)
        assert later.ready == [before]
        # DAY2's file still missing at 13:00 on the day it is built: one run, no retry.
        overdue = plan_exports(instance, tmdb, now.replace(hour=13), 3, before)
        assert overdue.overdue == [DAY2]
        (late,) = [r for r in run_requests(overdue) if r.partition_key == DAY2.isoformat()]
        assert late.run_key.endswith(":overdue") and late.tags["dagster/max_retries"] == "0"


def test_the_export_sensor_on_the_real_clock(resources, simulator):
    """The sensor itself, on today's date: it requests each day of the lookback window whose
    file the files host has (files are built at 07:30 UTC the next day)."""
    simulator.state.set_date(None)
    sensor = defs.resolve_sensor_def("tmdb_export_sensor")
    started = dt.datetime.now(dt.UTC)
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources={"tmdb": resources["tmdb"]})
        result = sensor(context)
    ended = dt.datetime.now(dt.UTC)
    lookback = get_settings().export_sensor_lookback_days

    def expected_at(now: dt.datetime) -> list[str]:
        return [
            (now.date() - dt.timedelta(days=k)).isoformat()
            for k in range(lookback, 0, -1)
            if k > 1 or now.time() >= dt.time(7, 30)
        ]

    # The sensor looked at some moment between the two: at 07:30 UTC (yesterday's file built)
    # or midnight, either answer is right.
    expected = {tuple(expected_at(started)), tuple(expected_at(ended))}
    # Each domain's file on its own: a run of the movies' catalogue and one of the series'.
    tv = {
        "raw_tv_id_export",
        "fact_tv_popularity_daily",
        "catalogue_tv_series",
        "fact_tv_popularity_monthly",
    }
    movies = [r for r in result.run_requests if not r.run_key.startswith("tmdb_catalogue:tv:")]
    series = [r for r in result.run_requests if r.run_key.startswith("tmdb_catalogue:tv:")]
    assert tuple(r.partition_key for r in movies) in expected
    assert tuple(r.partition_key for r in series) in expected
    assert all({k.path[-1] for k in r.asset_selection} == tv for r in series)
    assert all(not {k.path[-1] for k in r.asset_selection} & tv for r in movies)
    assert all("raw_movie_id_export" in {k.path[-1] for k in r.asset_selection} for r in movies)


def test_the_files_host_gets_no_token(resources, simulator):
    assert isinstance(resources["tmdb"], TMDbResource) and resources["tmdb"].api_token
    catalogue(resources, simulator, DAY1, DAY2)
    routes = simulator.state.stats.as_dict()["by_route"]
    assert routes["exports"] >= 1 and "exports_with_authorization" not in routes


def test_the_adult_ids_file_joins_the_capture_when_adult_movies_are_included(
    resources, simulator, warehouse
):
    tmdb = resources["tmdb"]
    with_adult = {
        **resources,
        "tmdb": TMDbResource(
            api_token=tmdb.api_token,
            base_url=tmdb.base_url,
            exports_base_url=tmdb.exports_base_url,
            include_adult=True,
        ),
    }
    result = catalogue(with_adult, simulator, DAY1, DAY2, run_config=tail_config(0))
    served, adult = served_ids(simulator, DAY1), served_ids(simulator, DAY1, adult=True)
    assert adult and not set(adult) & set(served)
    assert all(line["adult"] for line in adult.values())
    raw = metadata(result, "raw_movie_id_export")
    assert raw["files"] == [file_name(DAY1), file_name(DAY1, adult=True)]
    assert raw["lines"] == len(served) + len(adult)
    # One stream of two gzip members: every id of both files, the adult ones flagged.
    rows = day_rows(warehouse, DAY1)
    assert [r[0] for r in rows] == sorted({**served, **adult})
    assert {r[0] for r in rows if r[2]} == set(adult)
    assert warehouse.scalar(
        "SELECT count(*) FROM warehouse.dim_movie WHERE adult AND details_status = 'pending'"
    ) == len(adult)
    # Without adult movies the setting's files differ: a new version of the main file alone.
    plain = catalogue(resources, simulator, DAY1, DAY2, run_config=tail_config(0))
    assert metadata(plain, "raw_movie_id_export")["capture_version"] == 2
    assert [r[0] for r in day_rows(warehouse, DAY1)] == sorted(served)


def test_the_reader_on_bytes_alone_in_chunks_of_any_size():
    """The export reader without a database or a server: a gzip file cut into 7-byte chunks
    gives the COPY rows of the valid lines, in id order, each id once, the bad lines set aside
    with their numbers."""
    data = gzip.compress(("\n".join(QUIRKS) + "\n").encode())
    chunks = iter([data[i : i + 7] for i in range(0, len(data), 7)])
    rows = ExportRows(chunks, 20250301)
    copied = b""
    while block := rows.read(50):
        copied += block
    assert copied.decode().splitlines() == [
        "20250301\t603\t30.207\tf\tf",
        "20250301\t8392\t12.5\tf\tt",
        "20250301\t19995\t0.0\tf\tf",
        "20250301\t9999991\t1.2\tt\tf",
    ]
    assert rows.line_no == 8 and rows.rows == 4 and rows.duplicates == 1
    assert [r.payload["line"] for r in rows.rejected] == [6, 7, 8]


def test_a_download_cut_mid_transfer_says_so_keeps_nothing_and_a_rerun_heals(
    resources, simulator, warehouse
):
    """The files host drops the connection after 1,000 bytes of the file (its Content-Length
    promising all of them): a clear message, not urllib3's IncompleteRead; nothing kept."""
    admin_post(simulator, "exports", {"name": file_name(DAY1), "cut_at": 1000})
    result = catalogue(resources, simulator, DAY1, DAY2, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.to_string()
    assert "was cut" in message and "rerun to download the file again" in message
    assert "IncompleteRead(" not in message
    assert warehouse.scalar("SELECT count(*) FROM raw.capture") == 0
    assert warehouse.scalar("SELECT count(*) FROM raw.export_chunk") == 0
    # The next download is whole: the rerun loads the day.
    assert catalogue(resources, simulator, DAY1, DAY2).success
    assert [r[0] for r in day_rows(warehouse, DAY1)] == sorted(served_ids(simulator, DAY1))


def _killed_after_first_chunk(database_url: str, day: dt.date) -> None:
    """What a download SIGKILLed after its first chunk leaves: a pending version (opened and
    leased as capture_export does) holding one chunk, its process gone."""
    script = f"""
import datetime as dt, os, signal
from sqlalchemy import text
from tmdb_assets.capture.abandoned import CaptureLease
from tmdb_assets.capture.lifecycle import open_version
from tmdb_assets.db.warehouse import Warehouse
wh = Warehouse({database_url!r})
lease = CaptureLease(wh)
with wh.begin() as conn:
    pending = open_version(conn, "raw_movie_id_export", dt.date.fromisoformat("{day}"), {{}})
    lease.take(pending.capture_id)
with wh.begin() as conn:
    conn.execute(text("INSERT INTO raw.export_chunk VALUES (:c, 0, :d)"),
                 {{"c": pending.capture_id, "d": b"\\x1f\\x8b" + bytes(1 << 20)}})
os.kill(os.getpid(), signal.SIGKILL)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def test_a_download_killed_after_its_first_chunk_is_removed_by_the_next_run(
    resources, simulator, warehouse, database_url
):
    _killed_after_first_chunk(database_url, DAY1)
    assert warehouse.scalar("SELECT count(*) FROM raw.export_chunk") == 1
    result = catalogue(resources, simulator, DAY1, DAY2)
    meta = metadata(result, "raw_movie_id_export")
    assert meta["abandoned_versions_removed"] == 1 and meta["abandoned_rows_removed"] == 1
    ((version, current),) = warehouse.rows(
        "SELECT version, is_current FROM raw.capture WHERE asset = 'raw_movie_id_export'"
    )
    assert (version, current) == (1, True)  # the abandoned v1 went before the download
    # Only the new capture's chunks remain (the simulator's small file: one chunk).
    assert warehouse.rows("SELECT DISTINCT capture_id FROM raw.export_chunk") == [
        (warehouse.scalar("SELECT capture_id FROM raw.capture WHERE is_current"),)
    ]


def test_a_version_another_live_run_is_filling_is_left_alone(
    resources, simulator, warehouse, database_url
):
    """The lease tells the abandoned from the in use: a pending version whose lease is held
    (a live run downloading) is neither resumed nor removed."""
    with warehouse.begin() as conn:
        live = open_version(conn, "raw_movie_id_export", DAY1, {})
    lease = CaptureLease(warehouse)
    try:
        assert lease.take(live.capture_id)
        result = catalogue(resources, simulator, DAY1, DAY2)
        assert metadata(result, "raw_movie_id_export")["abandoned_versions_removed"] == 0
        assert (
            warehouse.scalar(
                "SELECT count(*) FROM raw.capture WHERE capture_id = :c", c=live.capture_id
            )
            == 1
        )
    finally:
        lease.release()
    # Its run gone (the lease with it), the next run removes it, reusing the current capture.
    result = catalogue(resources, simulator, DAY1, DAY2)
    meta = metadata(result, "raw_movie_id_export")
    assert meta["reused"] and meta["abandoned_versions_removed"] == 1
    assert warehouse.scalar("SELECT count(*) FROM raw.capture WHERE completed_at IS NULL") == 0
