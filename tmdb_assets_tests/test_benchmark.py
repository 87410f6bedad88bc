"""The benchmark script still runs and writes every key it promises (a smoke run, tiny and fast).

Its figures are not asserted against targets here: speed lives in the benchmark, not in tests.
"""

import json
import os
import subprocess
import sys

import pytest

from tmdb_assets.definitions import defs
from tmdb_assets.transform.media import TV
from tmdb_assets.warehouse.tables import TABLES


@pytest.mark.slow
def test_benchmark_smoke_run_writes_every_key(pg_server_url, tmp_path):
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
    env["TMDB_PARTITIONS_START"] = os.environ.get("TMDB_PARTITIONS_START", "2025-01-01")
    env.update(TMDB_TEST_DATABASE_URL=pg_server_url, TMPDIR=str(tmp_path))
    args = [
        "--movies", "120", "--pages", "2", "--days", "2", "--rate-limit", "400",
        "--latency-ms", "0", "--load-repeats", "1", "--dashboard-days", "3", "--json", str(out),
        "--no-first-paint",  # the browser test opens the dashboard in Chromium
        # From March 28th: the backfill reaches the 31st, March is compacted (issue 26).
        "--export-lines", "3000", "--export-backfill-days", "2", "--tail-budget", "100",
        "--export-first-day", "2025-03-28",
    ]  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "tmdb_assets_tests.benchmark", *args],
        env=env,
        capture_output=True,
        text=True,
        # A guard against a hang, not a speed target: about 80 s alone, 275 s beside the rest of
        # the suite on a slow 2-core machine.
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for section in (
        "extract",
        "steady_day",
        "load",
        "backfill",
        "run",
        "dashboard",
        "tv",
        "export",
    ):
        assert section in proc.stdout, section
    figures = json.loads(out.read_text())
    extract = figures["extract"]
    assert extract["requests"] > 2 and extract["http_429"] == 0
    assert extract["floor_s"] == round(extract["requests"] / 400, 2)
    assert extract["ratio"] > 0 and extract["movies"] >= 30
    steady = figures["steady_day"]
    assert 0 <= steady["detail_requests"] < steady["naive_detail_requests"]
    load = figures["load"]
    for key in ("wall_s", "copy_floor_s", "ratio", "steady_wall_s", "copy_floor_bare_s"):
        assert load[key] > 0, key
    assert load["rows"]["fact_movie_daily"] == extract["movies"]
    assert load["rows"]["dim_movie"] == extract["movies"]
    backfill = figures["backfill"]
    assert backfill["days"] == 2 and backfill["single_run_s"] > 0
    assert backfill["per_partition_runs_s"] > 0
    run = figures["run"]  # each day through `tmdb-assets run`, its own process
    assert run["day1_requests"] > run["steady_requests"] > 0
    assert run["day1_wall_s"] > 0 and run["steady_wall_s"] > 0
    assert run["day1_floor_s"] == round(run["day1_requests"] / (400 * 0.95), 2)
    # The run section is the movies' (--no-tv): the daily job's steps but TV's.
    steps = {n.name for n in defs.resolve_job_def("tmdb_daily").graph.nodes}
    tv_steps = {TV.discover_asset, TV.details_asset}
    tv_steps |= {t.step or t.name for t in TABLES.values() if t.media is TV}
    assert run["steps_per_day"] == len(steps - tv_steps)
    tv = figures["tv"]  # issue 25: the TV extract, a steady day, the TV export's load
    assert tv["series"] >= 30 and tv["extract_requests"] > tv["series"]
    assert tv["extract_floor_s"] == round(tv["extract_requests"] / 400, 2)
    assert tv["extract_ratio"] > 0 and tv["steady_detail_requests"] < tv["series"]
    assert tv["steady_detail_requests_naive"] >= 30
    assert tv["export_rows"] >= 500 and tv["export_load_ratio"] > 0  # 200 series + 400 tail
    enrich = figures["enrich"]  # issue 24's rows from the appended details parts
    assert enrich["rows_per_details_s"] > 0 and enrich["details"] > 30
    assert enrich["rows_by_table"]["fact_watch_availability"] > enrich["details"]
    dashboard = figures["dashboard"]
    # Three days: the day-1 observations and the refetched 1/30 of the movies on days 2 and 3.
    assert dashboard["availability_rows"] >= dashboard["availability_open_rows"] > 0
    assert dashboard["availability_table_mb"] > 0
    refetched = dashboard["details_refetched"]
    assert refetched > 0 and dashboard["watch_observations"] == enrich["details"] + refetched
    assert dashboard["days"] == 3 and 0 < dashboard["query_p95_ms"] <= dashboard["query_max_ms"]
    assert set(dashboard["query_median_ms_by_query"]) >= {
        "kpis", "top_movies", "genre_history", "providers_now", "provider_history", "momentum",
        "trending", "catalogue_movers", "availability_history", "release_calendar",
    }  # fmt: skip
    assert dashboard["first_paint_s"] is None  # --no-first-paint
    export = figures["export"]  # the catalogue, in a process of its own
    assert 2900 < export["rows"] <= export["lines"] <= 3000 and export["backfill_days"] == 2
    for key in ("download_s", "load_s", "copy_floor_s", "backfill_s", "peak_rss_mb"):
        assert export[key] > 0, key
    # The long tail: every export id learned on day 1, then one budget of details requests (and
    # one for TMDb's clock) loaded into dim_movie.
    assert export["pending_movies"] > 2000 and export["learn_first_day_s"] > 0
    assert export["tail_requests"] == export["tail_budget"] + 1 == 101
    assert export["tail_movies_loaded"] == export["tail_budget"]
    # The compacted month (issue 26): its days, sizes, a year's projection and reads.
    assert export["compacted_month"] == "2025-03" and export["compacted_days"] == 4
    assert export["compaction_rows_in"] > 4 * 2900 and export["late_day_unchanged"] is True
    assert 0 < export["bytes_per_movie_day"] < export["daily_bytes_per_movie_day"]
    assert export["year_projection_gb"] == pytest.approx(
        export["bytes_per_movie_day"] * 0.365, abs=0.01
    )
    for key in ("compaction_s", "day_read_s", "movie_year_history_ms", "late_day_s"):
        assert export[key] > 0, key
    # March's 28th to 31st in each month copied from it that has them (Feb: the 28th only).
    assert max(export["movie_year_history_days"]) == 41
    assert figures["peak_rss_mb"] > 0 and figures["machine"]["cores"] >= 1
    assert figures["machine"]["postgresql"]
