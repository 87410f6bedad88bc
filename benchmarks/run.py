"""Benchmark: request economy, extract throughput, load speed, backfill, memory.

    python -m benchmarks [--movies 2000] [--pages 100] [--days 5]
        [--rate-limit 50] [--latency-ms 20] [--load-repeats 5] [--json PATH]

Starts the simulator (a separate process, at the given rate limit and latency) and a fresh
database, then measures:
- extract: day 1's raw capture (discover pages + every movie's details) against the rate limit;
- steady_day: day 2's detail requests against one per discovered movie;
- load: one partition's derived tables from raw (day 1 into an empty warehouse, then day 2 on
  top), against COPYing the same rows into empty tables of the same definition (copy_floor_s,
  the ratio) and into bare tables (copy_floor_bare_s); medians of --load-repeats, interleaved;
- backfill: N days of derived assets in one run against N one-partition runs;
- run: a day as a user runs it (`tmdb-assets run --date D`, its own process, a fresh database
  and Dagster home): day 1 and a steady day 2, wall time against the floor of their requests at
  the client's rate, and the Dagster steps a day runs;
- peak_rss_mb of this process before the dashboard section (the simulator and the CLI runs are
  processes of their own); dashboard.process_peak_rss_mb after its year-long backfill.
With --soak-days N it runs a soak instead: N consecutive days, every asset, in one process, with
5xx faults at --soak-fault-rate; per day: success, requests, failed ERROR checks, RSS.
Figures are printed and written as JSON; nothing here asserts a target.
"""

import os

# The benchmark's simulated days are in 2025: set before tmdb_assets builds the partitions.
os.environ.setdefault("TMDB_PARTITIONS_START", "2025-01-01")

import argparse
import datetime as dt
import json
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from statistics import median
from typing import Any

import dagster as dg
from dagster_postgres import DagsterPostgresStorage
from sqlalchemy import create_engine, text

from benchmarks.compaction import measure_compaction
from benchmarks.enrich import availability_size, measure_enrich, synthesize_enrich_history
from tmdb_assets.capture.export_read import ExportRows, stored_chunks
from tmdb_assets.capture.read import clear_cache, read_day
from tmdb_assets.cli.simulator import Simulator
from tmdb_assets.db.bulk import copy_into, copy_text
from tmdb_assets.db.embedded import embedded_server_uri, normalize_url, with_database
from tmdb_assets.db.warehouse import dispose_engine
from tmdb_assets.definitions import CATALOGUE, TV_SELECTION, all_assets, defs
from tmdb_assets.defs.resources import QualityResource, TMDbResource, WarehouseResource
from tmdb_assets.settings import data_dir, project_root
from tmdb_assets.transform.days import date_id
from tmdb_assets.transform.media import MOVIE
from tmdb_assets.warehouse.compaction import Month
from tmdb_assets.warehouse.load import load_table_day, month_partition
from tmdb_assets.warehouse.rebuild import recreate_warehouse_schema
from tmdb_assets.warehouse.seeds import load_country_continent
from tmdb_assets.warehouse.tables import TABLES as REGISTRY

DEFS = all_assets  # each asset carries its checks
# The movies' figures (TV series have their own section, benchmarks/tv.py).
PARTITIONED = (
    dg.AssetSelection.all()
    - dg.AssetSelection.assets("country_continent")
    - CATALOGUE
    - TV_SELECTION
)
RAW = dg.AssetSelection.groups("raw") - CATALOGUE - TV_SELECTION  # the movies' daily captures
TRENDING = dg.AssetSelection.assets("raw_trending")
# The day's discover and details tables of the movies (not the export's catalogue, not TV's).
MOVIE_TABLES = [t for t in REGISTRY.values() if t.rows and t.media is MOVIE]
EXTRACT = RAW - TRENDING  # the extract figure: discover pages and every movie's details


def start_simulator(movies: int, rate_limit: float, latency_ms: float, day: dt.date) -> Simulator:
    return Simulator(
        movies, 7, rate_limit, "--latency-ms", str(latency_ms), "--date", day.isoformat()
    )


def fast_tmdb(sim: Simulator, pages: int) -> TMDbResource:
    """A client for setup captures (not measured): the simulator's limit lifted, no pacing."""
    return TMDbResource(
        api_token="bench",
        base_url=sim.base_url,
        discover_pages=pages,
        rate_limit_per_second=1000,
        max_concurrency=8,
    )


def meta(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    for e in result.get_asset_materialization_events():
        if e.asset_key.path[-1] == asset:
            return {k: getattr(v, "value", v) for k, v in e.materialization.metadata.items()}
    raise KeyError(asset)


def materialize(
    resources: dict, day: dt.date, selection: dg.AssetSelection
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        DEFS, resources=resources, partition_key=day.isoformat(), selection=selection
    )


def derived_run(resources: dict, start: dt.date, end: dt.date) -> None:
    clear_cache()
    result = defs.resolve_job_def("tmdb_derived").execute_in_process(
        resources=resources,
        tags={
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat(),
        },
    )
    assert result.success


def launch_one_partition(url: str, day: dt.date) -> None:
    """One run of the derived assets for one day, in its own process, as a backfill would."""
    home = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tmdb_bench_dagster_home")
    os.makedirs(home, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
    env["TMDB_PARTITIONS_START"] = os.environ.get("TMDB_PARTITIONS_START", "2025-01-01")
    env.update(
        DAGSTER_HOME=home,
        TMDB_DATABASE_URL=url,
        TMDB_API_TOKEN="unused",
        TMDB_CHECK_FRESHNESS_HOURS="1e9",
    )
    dg_bin = os.path.join(os.path.dirname(sys.executable), "dg")
    subprocess.run(
        [dg_bin, "launch", "--job", "tmdb_derived", "--partition", day.isoformat()],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=300,
    )


def floor_tables(warehouse, day: dt.date) -> dict[str, tuple[list[str], list[tuple]]]:
    """One partition's rows for each derived table, exactly as the loads produce them."""
    data = read_day(warehouse, day)
    return {t.name: (list(t.columns), t.rows(data)) for t in MOVIE_TABLES}


def copy_floor(warehouse, tables: dict[str, tuple[list[str], list[tuple]]], *, bare: bool) -> float:
    """COPY the rows into empty scratch tables, all in one transaction.

    Not bare: the scratch tables have the warehouse tables' definition (columns, defaults,
    primary keys, unique constraints, indexes, and the fact's foreign keys to the warehouse's
    dims): what any load of these tables must at least do. Bare: columns only, no keys, no
    indexes, no constraints (the speed of shipping the bytes). Both are logged tables, with the
    warehouse's durability (temp tables would skip the WAL).
    """
    with warehouse.begin() as conn:
        conn.execute(
            text("DROP SCHEMA IF EXISTS bench_scratch CASCADE; CREATE SCHEMA bench_scratch")
        )
        for name in tables:
            like = "" if bare else " INCLUDING ALL"
            conn.execute(text(f"CREATE TABLE bench_scratch.{name} (LIKE warehouse.{name}{like})"))
        if not bare:
            conn.execute(
                text(
                    "ALTER TABLE bench_scratch.fact_movie_daily "
                    "ADD FOREIGN KEY (date_id) REFERENCES warehouse.dim_date (date_id), "
                    "ADD FOREIGN KEY (movie_id) REFERENCES warehouse.dim_movie (movie_id)"
                )
            )
    t0 = time.perf_counter()
    with warehouse.begin() as conn:
        for name, (cols, rows) in tables.items():
            copy_into(conn, f"bench_scratch.{name}", cols, rows)
    elapsed = time.perf_counter() - t0
    with warehouse.begin() as conn:
        conn.execute(text("DROP SCHEMA bench_scratch CASCADE"))
    return elapsed


def load_day(warehouse, day: dt.date) -> float:
    """Every derived table of one day from raw, as a run does it: parse once, then each table
    in its own transaction."""
    clear_cache()
    t0 = time.perf_counter()
    for table in MOVIE_TABLES:
        load_table_day(warehouse, table, day)
    return time.perf_counter() - t0


def measure_load(warehouse, day1: dt.date, day2: dt.date, repeats: int) -> dict[str, Any]:
    """Day 1 into an empty warehouse, then day 2 on top of it (a steady day: mostly the same
    movies), `repeats` times from a recreated warehouse schema, each time followed by the two
    floors (interleaved, so a machine that speeds up or slows down affects both sides alike);
    medians reported."""
    first, steady, floors, bare = [], [], [], []
    tables: dict[str, tuple[list[str], list[tuple]]] = {}
    for _ in range(repeats):
        recreate_warehouse_schema(warehouse)
        with warehouse.begin() as conn:
            load_country_continent(conn, data_dir() / "country_continent.csv")
        first.append(load_day(warehouse, day1))
        steady.append(load_day(warehouse, day2))
        tables = tables or floor_tables(warehouse, day1)
        floors.append(copy_floor(warehouse, tables, bare=False))
        bare.append(copy_floor(warehouse, tables, bare=True))
    t0 = time.perf_counter()
    for _, rows in tables.values():
        copy_text(rows)
    encode = time.perf_counter() - t0
    wall, floor, bare_floor = median(first), median(floors), median(bare)
    return {
        "wall_s": round(wall, 3),
        "copy_floor_s": round(floor, 3),
        "ratio": round(wall / floor, 2),
        "steady_wall_s": round(median(steady), 3),
        "steady_ratio": round(median(steady) / floor, 2),
        "copy_floor_bare_s": round(bare_floor, 3),
        "ratio_bare": round(wall / bare_floor, 2),
        "copy_floor_encode_s": round(encode, 3),
        "samples_s": [round(x, 3) for x in first],
        "steady_samples_s": [round(x, 3) for x in steady],
        "copy_floor_samples_s": [round(x, 3) for x in floors],
        "copy_floor_bare_samples_s": [round(x, 3) for x in bare],
        "rows": {name: len(rows) for name, (_, rows) in tables.items()},
    }


def machine(warehouse) -> dict[str, Any]:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": warehouse.scalar("SHOW server_version"),
        "platform": platform.platform(),
    }


class ScratchDatabase:
    """A fresh database on TMDB_TEST_DATABASE_URL's server (else the embedded one)."""

    def __init__(self, prefix: str):
        server = normalize_url(
            os.environ.get("TMDB_TEST_DATABASE_URL", "").strip() or embedded_server_uri()
        )
        self.name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(with_database(server, "postgres"), isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = with_database(server, self.name)

    def close(self, keep: bool = False) -> None:
        dispose_engine(self.url)
        if not keep:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


def run(args: argparse.Namespace) -> dict[str, Any]:
    db = ScratchDatabase("tmdb_bench")
    url = db.url
    day1 = dt.date(2025, 3, 1)
    days = [day1 + dt.timedelta(days=i) for i in range(args.days)]
    sim = start_simulator(args.movies, args.rate_limit, args.latency_ms, day1)
    out: dict[str, Any] = {"params": vars(args).copy()}
    out["params"].pop("json", None)
    try:
        client_rate = args.client_rate or round(args.rate_limit * 0.95, 2)
        wh_res = WarehouseResource(database_url=url)
        tmdb = TMDbResource(
            api_token="bench",
            base_url=sim.base_url,
            discover_pages=args.pages,
            rate_limit_per_second=client_rate,
            max_concurrency=args.concurrency,
        )
        resources = {
            "tmdb": tmdb,
            "warehouse": wh_res,
            "quality": QualityResource(freshness_hours=1e9),
        }
        warehouse = wh_res.get()
        out["machine"] = machine(warehouse)
        dg.materialize(
            DEFS, resources=resources, selection=dg.AssetSelection.assets("country_continent")
        )

        # extract: day 1, every movie new
        sim.post("reset", {})
        t0 = time.perf_counter()
        r = materialize(resources, day1, EXTRACT)
        wall = time.perf_counter() - t0
        s = sim.stats()
        requests = s["requests"]
        floor = requests / args.rate_limit
        out["extract"] = {
            "requests": requests, "http_429": s["by_status"].get("429", 0), "wall_s": round(wall, 2),
            "floor_s": round(floor, 2), "ratio": round(wall / floor, 3), "client_rate_per_s": client_rate,
            "max_requests_in_1s": s["max_requests_in_1s"], "movies": meta(r, "raw_discover_pages")["movies"],
        }  # fmt: skip
        print(f"extract: {out['extract']}", flush=True)
        # The day's trending lists (6 requests, a step of their own): setup here, counted in the
        # run section's requests.
        materialize(resources, day1, TRENDING)

        # steady day: day 2 fetches only new, changed and stale movies
        sim.post("date", {"date": days[1].isoformat()})
        r = materialize(resources, days[1], RAW)
        m = meta(r, "raw_movie_details")
        out["steady_day"] = {
            "detail_requests": m["details_fetched"] + m["details_not_found"],
            "naive_detail_requests": m["movies"],
            "share": round((m["details_fetched"] + m["details_not_found"]) / m["movies"], 4),
            "fetch_reasons": m["fetch_reasons"],
            "requests": m["requests"],
        }
        print(f"steady_day: {out['steady_day']}", flush=True)

        # load: day 1's derived tables from raw into an empty warehouse, then day 2 on top
        out["load"] = measure_load(warehouse, day1, days[1], args.load_repeats)
        print(f"load: {out['load']}", flush=True)
        out["enrich"] = measure_enrich(warehouse, day1)
        print(f"enrich: {out['enrich']}", flush=True)

        # backfill: capture the remaining days fast (setup, not measured), then replay
        sim.post("faults", {"rate_limit": 0})
        fast = {
            **resources,
            "tmdb": fast_tmdb(sim, args.pages),
        }
        for day in days[2:]:
            sim.post("date", {"date": day.isoformat()})
            materialize(fast, day, RAW)
        t0 = time.perf_counter()
        derived_run(resources, days[0], days[-1])
        single = time.perf_counter() - t0
        print(f"backfill: {len(days)} days in one run: {single:.1f}s", flush=True)
        # N one-partition runs as Dagster runs them: each its own process (`dg launch`).
        t0 = time.perf_counter()
        for day in days:
            launch_one_partition(url, day)
        per = time.perf_counter() - t0
        # The same N runs inside this process: no process start-up, a lower bound per run.
        t0 = time.perf_counter()
        for day in days:
            derived_run(resources, day, day)
        per_in_process = time.perf_counter() - t0
        out["backfill"] = {
            "days": len(days),
            "single_run_s": round(single, 2),
            "per_partition_runs_s": round(per, 2),
            "speedup": round(per / single, 2),
            "per_partition_in_process_s": round(per_in_process, 2),
            "speedup_in_process": round(per_in_process / single, 2),
        }
        print(f"backfill: {out['backfill']}", flush=True)

        out["run"] = measure_cli_runs(args, day1)
        print(f"run: {out['run']}", flush=True)
        # The pipeline's peak, before the dashboard section's year-long in-process backfill.
        out["peak_rss_mb"] = peak_rss_mb()

        out["dashboard"] = measure_dashboard(args, day1)
        out["dashboard"]["process_peak_rss_mb"] = peak_rss_mb()

        print(f"dashboard: {out['dashboard']}", flush=True)
    finally:
        sim.stop()
        db.close(keep=args.keep)
    # The catalogue last, in a process of its own (its own peak RSS), once the server is quiet
    # again: the earlier sections' databases dropped, autovacuum done, a checkpoint taken.
    from benchmarks.tv import measure_tv  # it reads this module's helpers

    out["tv"] = measure_tv(args, day1)
    print(f"tv: {out['tv']}", flush=True)
    waited = quiet_server(db.admin.url.render_as_string(hide_password=False))
    out["export"] = export_in_its_own_process(args)
    out["export"]["quiet_wait_s"] = waited
    print(f"export: {out['export']}", flush=True)
    return out


def peak_rss_mb() -> float:
    """This process's own peak resident set: VmHWM, which starts afresh in a process that
    exec'd (ru_maxrss does not: Linux keeps the parent's across exec, so a section run in a
    child reported the whole benchmark's peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def quiet_server(url: str, timeout_s: float = 300.0) -> float:
    """Wait until PostgreSQL is quiet (no autovacuum worker busy with the earlier sections'
    tables), then CHECKPOINT so that no dirty buffer of theirs is written during the next
    timings; returns the seconds waited."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    started = time.monotonic()
    try:
        with engine.connect() as conn:
            while (
                time.monotonic() - started < timeout_s
                and conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
                    )
                ).scalar()
            ):
                time.sleep(1.0)
            conn.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()
    return round(time.monotonic() - started, 1)


def cli_day(env: dict[str, str], day: dt.date) -> tuple[float, int]:
    """`tmdb-assets run --date DAY` in its own process: (wall seconds, Dagster steps)."""
    cli = os.path.join(os.path.dirname(sys.executable), "tmdb-assets")
    t0 = time.perf_counter()
    done = subprocess.run(
        [cli, "run", "--date", day.isoformat(), "--no-catalogue", "--no-tv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"tmdb-assets run --date {day} failed:\n{done.stdout}\n{done.stderr}")
    match = re.search(rf"^{day}: ok in .*, (\d+) steps\)", done.stdout, re.M)
    if not match:
        raise RuntimeError(f"no step count in the output of tmdb-assets run:\n{done.stdout}")
    return wall, int(match.group(1))


def measure_cli_runs(args: argparse.Namespace, day1: dt.date) -> dict[str, Any]:
    """Day 1 (every movie new) and day 2 (a steady day) as `tmdb-assets run` runs them, each in
    its own process, against the simulator at --rate-limit and --latency-ms; the floor of a day
    is its requests at the client's rate."""
    db = ScratchDatabase("tmdb_bench_run")
    home = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"tmdb_bench_home_{db.name}")
    os.makedirs(home, exist_ok=True)
    sim = start_simulator(args.movies, args.rate_limit, args.latency_ms, day1)
    client_rate = args.client_rate or round(args.rate_limit * 0.95, 2)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=home,
        TMDB_DATABASE_URL=db.url,
        TMDB_API_BASE_URL=sim.base_url,
        TMDB_API_TOKEN="bench",
        TMDB_DISCOVER_PAGES=str(args.pages),
        TMDB_RATE_LIMIT_PER_SECOND=str(client_rate),
        TMDB_MAX_CONCURRENCY=str(args.concurrency),
        TMDB_PARTITIONS_START=os.environ.get("TMDB_PARTITIONS_START", "2025-01-01"),
        TMDB_CHECK_FRESHNESS_HOURS="1e9",
    )
    out: dict[str, Any] = {}
    try:
        # Not timed: what a deployment has before its first day (the warehouse schema migrated,
        # the Dagster instance's tables created).
        shutil.copyfile(project_root() / "dagster.yaml", os.path.join(home, "dagster.yaml"))
        WarehouseResource(database_url=db.url).get()  # migrates the warehouse
        DagsterPostgresStorage(postgres_url=normalize_url(db.url))  # creates the instance's tables
        for label, day in (("day1", day1), ("steady", day1 + dt.timedelta(days=1))):
            sim.post("date", {"date": day.isoformat()})
            sim.post("reset", {})
            wall, steps = cli_day(env, day)
            requests = sim.stats()["requests"]
            out[f"{label}_wall_s"] = round(wall, 2)
            out[f"{label}_requests"] = requests
            out[f"{label}_floor_s"] = round(requests / client_rate, 2)
            out[f"{label}_over_floor_s"] = round(wall - requests / client_rate, 2)
            out["steps_per_day"] = steps
    finally:
        sim.stop()
        db.close()
        shutil.rmtree(home, ignore_errors=True)
    return out


def synthesize_history(url: str, day1: dt.date, days: int) -> None:
    """Days 2..N of discover captures cloned from day 1's (sql/queries/bench_clone_discover_day.sql):
    a year of history without a year of extraction. Details come from day 1's capture."""
    from tmdb_assets.db.queries import query
    from tmdb_assets.transform.days import end_of_day

    warehouse = WarehouseResource(database_url=url).get()
    with warehouse.begin() as conn:
        src = conn.execute(
            text(
                "SELECT capture_id FROM raw.capture WHERE asset = 'raw_discover_pages' "
                "AND partition_date = :d AND is_current"
            ),
            {"d": day1},
        ).scalar_one()
    for k in range(1, days):
        day = day1 + dt.timedelta(days=k)
        with warehouse.begin() as conn:
            conn.execute(
                query("bench_clone_discover_day"),
                {"d": day, "src": src, "k": k, "at": end_of_day(day) - dt.timedelta(minutes=30)},
            )


def dashboard_queries(url: str, repeats: int = 5) -> dict[str, Any]:
    """Every query a dashboard page makes, `repeats` times each, timed (ms)."""
    from tmdb_assets_viz import data

    engine = data.engine_for(normalize_url(url))
    fresh = data.freshness(engine)
    genres = list(data.genres_of_day(engine, fresh.latest_id).genre[:3])
    found = data.search_movies(engine, "the")
    movie_ids = [int(m) for m in found.movie_id[:3]]
    person = int(data.top_people(engine, fresh.latest_id).person_id[0])
    country = str(data.watch_countries(engine).iso_3166_1[0])
    watched = int(data.movies_to_watch(engine, country, "").movie_id[0])
    calls = {
        "freshness": lambda: data.freshness(engine),
        "kpis": lambda: data.kpis(engine, fresh),
        "loaded_days": lambda: data.loaded_days(engine),
        "top_movies": lambda: data.top_movies(engine, fresh.latest_id, fresh.previous_id),
        "genres_of_day": lambda: data.genres_of_day(engine, fresh.latest_id),
        "genre_history": lambda: data.genre_history(engine, genres),
        "search_movies": lambda: data.search_movies(engine, "the"),
        "movie_history": lambda: data.movie_history(engine, movie_ids),
        "continents": lambda: data.continents(engine, fresh.latest_id),
        "genre_by_continent": lambda: data.genre_by_continent(engine, fresh.latest_id),
        "top_people": lambda: data.top_people(engine, fresh.latest_id),
        "search_people": lambda: data.search_people(engine, fresh.latest_id, "an"),
        "person_history": lambda: data.person_history(engine, person),
        "person_credits": lambda: data.person_credits(engine, person),
        # Issue 24: where to watch, release calendar, momentum, trending, catalogue movers.
        "watch_countries": lambda: data.watch_countries(engine),
        "providers_now": lambda: data.providers_now(engine, country),
        "provider_history": lambda: data.provider_history(engine, country, "flatrate"),
        "movies_to_watch": lambda: data.movies_to_watch(engine, country, ""),
        "availability_history": lambda: data.availability_history(engine, watched, country),
        "release_calendar": lambda: data.release_calendar(engine, movie_ids),
        "momentum": lambda: data.momentum(engine, fresh.latest_id, "rising"),
        "catalogue_movers": lambda: data.catalogue_movers(engine, "rising"),
        "trending": lambda: data.trending(engine, fresh.latest_id, "day"),
    }
    times: dict[str, list[float]] = {}
    for name, call in calls.items():
        for _ in range(repeats):
            t0 = time.perf_counter()
            call()
            times.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    every = sorted(t for ts in times.values() for t in ts)
    p95 = every[min(len(every) - 1, round(0.95 * len(every)) - 1)]
    return {
        "query_p95_ms": round(p95, 1),
        "query_max_ms": round(every[-1], 1),
        "query_median_ms_by_query": {n: round(median(ts), 1) for n, ts in times.items()},
        "days": fresh.days,
    }


def dashboard_first_paint(url: str) -> tuple[float | None, float | None]:
    """Seconds from opening the page (cold caches, a fresh server: its first session runs the
    whole script) until the latest day and its KPIs are on screen, and until the charts are
    drawn, in Debian's headless Chromium; None without it."""

    from tmdb_assets_tests.screenshots import CHROMIUM, running_dashboard, shoot_dashboard

    if not os.path.exists(CHROMIUM):
        print(f"dashboard: {CHROMIUM} missing, first paint not measured", flush=True)
        return None, None
    with running_dashboard(url, "tmdb_bench_dashboard") as dashboard:
        page = shoot_dashboard(
            dashboard,
            Path(os.environ.get("TMPDIR", "/tmp")) / "bench_dashboard.png",
            settle=False,
        )
    return round(page["first_paint_s"], 2), round(page["paint_s"], 2)


def measure_dashboard(args: argparse.Namespace, day1: dt.date) -> dict[str, Any]:
    """The dashboard on --dashboard-days days of --movies movies: day 1 captured from the
    simulator, the other days cloned from it in raw, the warehouse loaded by one derived
    backfill run; then every dashboard query timed, and the first paint in a browser."""
    db = ScratchDatabase("tmdb_bench_dash")
    sim = start_simulator(args.movies, 0, 0, day1)
    try:
        resources = {
            "tmdb": fast_tmdb(sim, args.pages),
            "warehouse": WarehouseResource(database_url=db.url),
            "quality": QualityResource(freshness_hours=1e9),
        }
        dg.materialize(
            DEFS, resources=resources, selection=dg.AssetSelection.assets("country_continent")
        )
        materialize(resources, day1, RAW)
        t0 = time.perf_counter()
        synthesize_history(db.url, day1, args.dashboard_days)
        enriched = synthesize_enrich_history(
            resources["warehouse"].get(), day1, args.dashboard_days
        )
        synth = time.perf_counter() - t0
        t0 = time.perf_counter()
        derived_run(resources, day1, day1 + dt.timedelta(days=args.dashboard_days - 1))
        load = time.perf_counter() - t0
        # A warehouse read the morning after its load has been vacuumed and analyzed by
        # autovacuum; measured right after loading a year, the queries would race it.
        admin = create_engine(normalize_url(db.url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
        admin.dispose()
        out = dashboard_queries(db.url)
        out.update(availability_size(db.url), **enriched)
        first_paint, charts = (None, None) if args.no_first_paint else dashboard_first_paint(db.url)
        out.update(
            first_paint_s=first_paint,
            charts_drawn_s=charts,
            history_synthesized_s=round(synth, 1),
            derived_backfill_s=round(load, 1),
            movies=args.movies,
        )
        return out
    finally:
        sim.stop()
        with db.admin.connect() as conn:
            conn.execute(text("DROP ROLE IF EXISTS tmdb_bench_dashboard"))
        db.close(keep=args.keep)


def measure_export(args: argparse.Namespace, day1: dt.date) -> dict[str, Any]:
    """TMDb's daily ID export of --export-lines lines (the simulator's catalogue plus its long
    tail). Day 1 as the catalogue job runs it on a fresh warehouse (first_day_run_s: capture,
    load, summary, checks), then day 2 (single_day_run_s: a day after a loaded one, compared
    with it, as every day of a backfill); day 1's file streamed into raw again (download_s); its fact
    load into an empty table (load_s, the median of --load-repeats) against the same rows
    COPY'd from a file into a table of the same definition (copy_floor_s, interleaved); then
    the --export-backfill-days days after those in one run of the job (backfill_s), against that
    many single days. Run in a process of its own (`--only-export`): peak_rss_mb is this
    section's."""
    from tmdb_assets.capture.export import capture_export, file_name

    n = max(1, args.export_backfill_days)
    # Day 1 (every id new), day 2 (the single day: a day after a loaded one, as every day of
    # a backfill but its first), then the backfill's n days.
    days = [day1 + dt.timedelta(days=k) for k in range(n + 2)]
    db = ScratchDatabase("tmdb_bench_export")
    # The clock just after the last day's file was built: every file of the range is there.
    sim = Simulator(
        args.movies, 7, 0, "--date", (days[-1] + dt.timedelta(days=1)).isoformat(),
        "--export-tail", str(max(0, args.export_lines - args.movies)),
    )  # fmt: skip
    exports_url = sim.base_url.removesuffix("/3") + "/p/exports"
    # The timed runs ask no tail details (budget 0): the export's own figures. The tail is
    # measured on its own after them (tail_*).
    resources = {
        "tmdb": TMDbResource(
            api_token="bench",
            base_url=sim.base_url,
            exports_base_url=exports_url,
            rate_limit_per_second=args.rate_limit,
            tail_details_per_day=0,
        ),
        "warehouse": WarehouseResource(database_url=db.url),
        "quality": QualityResource(freshness_hours=1e9),
    }
    steps: dict[str, dict[str, float]] = {}
    peaks: dict[str, float] = {}  # the process's peak RSS after each named run (what raised it)

    def catalogue_run(
        start: dt.date, end: dt.date, selection=None, run_config=None, name: str = ""
    ) -> float:
        clear_cache()
        instance = dg.DagsterInstance.ephemeral()
        t0 = time.perf_counter()
        tags = {
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat(),
        }
        run = dg.materialize(
            all_assets,
            # The movies' catalogue job (TV's export is the tv section's).
            selection=CATALOGUE - TV_SELECTION if selection is None else selection,
            resources=resources,
            instance=instance,
            run_config=run_config,
            tags=tags,
        )
        assert run.success
        took = time.perf_counter() - t0
        if name:
            peaks[name] = peak_rss_mb()
            steps[name] = {
                s.step_key: round(s.end_time - s.start_time, 2)
                for s in instance.get_run_step_stats(run.run_id)
                if s.end_time and s.start_time
            }
        return took

    try:
        # Not timed: the simulator builds each file on first request.
        for day in days:
            with urllib.request.urlopen(f"{exports_url}/{file_name(day)}", timeout=600) as r:
                r.read()
        wh = WarehouseResource(database_url=db.url).get()
        first = catalogue_run(day1, day1, name="first_day")
        single = catalogue_run(days[1], days[1], name="single_day")
        t0 = time.perf_counter()
        info = capture_export(wh, exports_url, day1, recapture=True)
        download = time.perf_counter() - t0
        table = REGISTRY["fact_movie_popularity_daily"]
        loads, floors, result = export_load_vs_floor(wh, table, info, day1, args.load_repeats)
        load_table_day(wh, table, days[1])  # the floor's TRUNCATEs took day 2's rows too
        peaks["loads"] = peak_rss_mb()
        backfill = catalogue_run(days[2], days[-1], name="backfill")
        peaks["backfill"] = peak_rss_mb()
        load_s, floor_s = median(loads), median(floors)
        # The long tail on the last day: TMDB_TAIL_DETAILS_PER_DAY's default of details
        # requests (the pending movies, the most popular first) and their load into dim_movie,
        # the dimensions and the bridges. The simulator's clock is a day past the schedule's.
        pending_before = wh.scalar(
            "SELECT count(*) FROM warehouse.dim_movie WHERE details_status = 'pending'"
        )
        requests_before = sim.stats()["requests"]
        tail_budget = args.tail_budget
        tail_s = catalogue_run(
            days[-1],
            days[-1],
            selection=[
                dg.AssetKey("raw_movie_tail_details"),
                dg.AssetKey("catalogue_movie_details"),
            ],
            run_config={
                "ops": {
                    "raw_movie_tail_details": {
                        "config": {"budget": tail_budget, "late_grace_hours": 48}
                    }
                }
            },
            name="tail",
        )
        # The month the backfill closed, compacted by its last step (benchmarks/compaction.py).
        compacted = {}
        pipeline_peak = peak_rss_mb()  # before the measurements below, which are not the pipeline
        if wh.scalar("SELECT count(*) FROM warehouse.compacted_month"):
            compacted = measure_compaction(wh, Month.of(day1), steps["backfill"])

        compaction_step = steps["backfill"].get(MOVIE.compact_table, 0.0)
        return {
            **compacted,
            "rows": result["rows"],
            "lines": result["lines"],
            "gzip_mb": round(info.stats["bytes"] / 1e6, 1),
            "first_day_run_s": round(first, 2),
            "single_day_run_s": round(single, 2),
            "download_s": round(download, 2),
            "load_s": round(load_s, 2),
            "copy_floor_s": round(floor_s, 2),
            "load_ratio": round(load_s / floor_s, 2),
            "load_samples_s": [round(x, 2) for x in loads],
            "copy_floor_samples_s": [round(x, 2) for x in floors],
            "backfill_days": n,
            "backfill_s": round(backfill, 1),
            "backfill_vs_days_times_one": round(backfill / (n * single), 2),
            # The backfill closes a month: its compaction (with the month's gate checks) is a
            # step a single day does not run.
            "backfill_vs_days_times_one_without_compaction": round(
                (backfill - compaction_step) / (n * single), 2
            ),
            "learn_first_day_s": steps["first_day"].get("catalogue_movies"),
            "learn_single_day_s": steps["single_day"].get("catalogue_movies"),
            "pending_movies": pending_before,
            "first_day_steps_s": steps["first_day"],
            "single_day_steps_s": steps["single_day"],
            "tail_budget": tail_budget,
            "tail_requests": sim.stats()["requests"] - requests_before,
            "tail_s": round(tail_s, 2),
            "tail_steps_s": steps["tail"],
            "tail_movies_loaded": pending_before
            - wh.scalar(
                "SELECT count(*) FROM warehouse.dim_movie WHERE details_status = 'pending'"
            ),
            "peak_rss_mb": pipeline_peak,
            "peak_rss_after_compaction_measures_mb": peak_rss_mb(),
            "peak_rss_after_mb": peaks,
        }
    finally:
        sim.stop()
        db.close(keep=args.keep)


def export_in_its_own_process(args: argparse.Namespace) -> dict[str, Any]:
    """measure_export in a child process: its peak RSS is the catalogue's alone."""
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_export_{uuid.uuid4().hex[:8]}.json"
    cmd = [
        sys.executable, "-m", "benchmarks", "--only-export",
        "--movies", str(args.movies), "--export-lines", str(args.export_lines),
        "--export-backfill-days", str(args.export_backfill_days),
        "--export-first-day", args.export_first_day.isoformat(),
        "--tail-budget", str(args.tail_budget),
        "--load-repeats", str(args.load_repeats), "--json", str(path),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=7200)
    if done.returncode != 0:
        raise RuntimeError(f"the export section failed:\n{done.stderr[-3000:]}")
    figures = json.loads(path.read_text())["export"]
    path.unlink()
    return figures


def export_load_vs_floor(wh, table, capture, day: dt.date, repeats: int):
    """An export table's load of day `day` (from capture `capture`), `repeats` times, each
    followed by the COPY floor of the same rows: (load seconds, floor seconds, the last load's
    result). Each load into an empty table, as the floor's COPY (TRUNCATE, whose dead rows a
    DELETE would leave to the next load's index), each timing from a checkpoint (neither side
    writes the other's buffers)."""
    floor_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"tmdb_bench_{table.name}.copy"
    flags = bool(table.media.export_flags)
    with open(floor_file, "wb") as f:  # the rows as COPY text, made once (not timed)
        rows = ExportRows(stored_chunks(wh.engine, capture.capture_id), date_id(day), flags=flags)
        while chunk := rows.read(1 << 20):
            f.write(chunk)
    loads, floors, result = [], [], {}
    columns = ", ".join(table.columns)
    for _ in range(repeats):
        with wh.begin() as conn:
            conn.execute(text(f"TRUNCATE {table.qualified}"))
        checkpoint(wh)
        t0 = time.perf_counter()
        _, result = load_table_day(wh, table, day)
        loads.append(time.perf_counter() - t0)
        checkpoint(wh)
        floors.append(export_copy_floor(wh, table.qualified, day, floor_file, columns))
    floor_file.unlink()
    return loads, floors, result


def checkpoint(wh) -> None:
    with wh.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CHECKPOINT"))


def export_copy_floor(
    wh,
    table: str,
    day: dt.date,
    path: Path,
    columns: str = "date_id, movie_id, popularity, adult, video",
) -> float:
    """The same rows (`columns`) COPY'd from a file into an empty table of the same definition
    (month partitions, key, index) in one transaction."""
    with wh.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS bench_export CASCADE"))
        conn.execute(text("CREATE SCHEMA bench_export"))
        conn.execute(
            text(
                f"CREATE TABLE bench_export.t (LIKE {table} INCLUDING ALL) "
                "PARTITION BY RANGE (date_id)"
            )
        )
        month_partition(conn, "bench_export.t", day)  # as the load makes its month
    t0 = time.perf_counter()
    with wh.begin() as conn, open(path, "rb") as f:
        cursor = conn.connection.driver_connection.cursor()
        cursor.copy_expert(f"COPY bench_export.t ({columns}) FROM STDIN", f)
    elapsed = time.perf_counter() - t0
    with wh.begin() as conn:
        conn.execute(text("DROP SCHEMA bench_export CASCADE"))
    return elapsed


def current_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def soak(args: argparse.Namespace) -> dict[str, Any]:
    """N consecutive days in one process, as a nightly schedule would run them, with 5xx faults
    at --soak-fault-rate: every day's ERROR checks must pass and the RSS must stay flat."""
    db = ScratchDatabase("tmdb_soak")
    url = db.url
    day1 = dt.date(2025, 3, 1)
    sim = start_simulator(args.movies, args.rate_limit, args.latency_ms, day1)
    per_day: list[dict[str, Any]] = []
    try:
        sim.post("faults", {"fault_rate": args.soak_fault_rate})
        resources = {
            "tmdb": TMDbResource(
                api_token="bench",
                base_url=sim.base_url,
                discover_pages=args.pages,
                rate_limit_per_second=args.client_rate or round(args.rate_limit * 0.95, 2),
                max_concurrency=args.concurrency,
                max_retries=8,
            ),
            "warehouse": WarehouseResource(database_url=url),
            "quality": QualityResource(freshness_hours=1e9),
        }
        dg.materialize(
            DEFS, resources=resources, selection=dg.AssetSelection.assets("country_continent")
        )
        for i in range(args.soak_days):
            day = day1 + dt.timedelta(days=i)
            sim.set_day(day)
            sim.post("reset", {})
            t0 = time.perf_counter()
            result = dg.materialize(
                DEFS,
                resources=resources,
                partition_key=day.isoformat(),
                selection=PARTITIONED,
                raise_on_error=False,
            )
            stats = sim.stats()
            failed = [
                f"{c.asset_key.path[-1]}:{c.check_name}"
                for c in result.get_asset_check_evaluations()
                if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
            ]
            per_day.append(
                {
                    "day": day.isoformat(),
                    "success": result.success,
                    "wall_s": round(time.perf_counter() - t0, 2),
                    "requests": stats["requests"],
                    "http_5xx": sum(v for k, v in stats["by_status"].items() if k.startswith("5")),
                    "error_checks_failed": failed,
                    "rss_mb": current_rss_mb(),
                }
            )
            print(json.dumps(per_day[-1]), flush=True)
    finally:
        sim.stop()
        db.close()
    rss = [d["rss_mb"] for d in per_day]
    # Flat: the second half's RSS against the first half's (the first days warm caches up).
    half = max(1, len(rss) // 2)
    return {
        "params": {k: v for k, v in vars(args).items() if k != "json"},
        "soak": {
            "days": len(per_day),
            "every_run_succeeded": all(d["success"] for d in per_day),
            "every_error_check_passed": all(not d["error_checks_failed"] for d in per_day),
            "http_5xx_injected": sum(d["http_5xx"] for d in per_day),
            "rss_mb_first_half_max": max(rss[:half]),
            "rss_mb_second_half_max": max(rss[half:]),
            "rss_mb_growth_second_half": round(max(rss[half:]) - max(rss[:half]), 1),
            "per_day": per_day,
        },
        "peak_rss_mb": peak_rss_mb(),
    }


def print_table(out: dict[str, Any]) -> None:
    rows = [
        ("extract", f"{out['extract']['requests']} requests in {out['extract']['wall_s']}s, floor {out['extract']['floor_s']}s, ratio {out['extract']['ratio']}, 429s {out['extract']['http_429']}"),
        ("steady_day", f"{out['steady_day']['detail_requests']} detail requests vs {out['steady_day']['naive_detail_requests']} naive ({out['steady_day']['share']:.1%})"),
        ("load", f"{out['load']['wall_s']}s vs COPY floor {out['load']['copy_floor_s']}s, ratio {out['load']['ratio']}; steady day {out['load']['steady_wall_s']}s, ratio {out['load']['steady_ratio']}; bare-table floor {out['load']['copy_floor_bare_s']}s, ratio {out['load']['ratio_bare']} (medians of {len(out['load']['samples_s'])})"),
        ("backfill", f"{out['backfill']['days']} days: one run {out['backfill']['single_run_s']}s, {out['backfill']['days']} runs {out['backfill']['per_partition_runs_s']}s ({out['backfill']['speedup']}x); in one process {out['backfill']['per_partition_in_process_s']}s ({out['backfill']['speedup_in_process']}x)"),
        ("run", f"day 1 {out['run']['day1_wall_s']}s for {out['run']['day1_requests']} requests (floor {out['run']['day1_floor_s']}s); steady day {out['run']['steady_wall_s']}s for {out['run']['steady_requests']} requests (floor {out['run']['steady_floor_s']}s); {out['run']['steps_per_day']} steps a day"),
        ("dashboard", f"{out['dashboard']['days']} days of {out['dashboard']['movies']} movies: first paint {out['dashboard']['first_paint_s']}s, query p95 {out['dashboard']['query_p95_ms']} ms (max {out['dashboard']['query_max_ms']} ms)"),
        ("export", f"{out['export']['rows']:,} rows: download {out['export']['download_s']}s, load {out['export']['load_s']}s vs COPY floor {out['export']['copy_floor_s']}s (ratio {out['export']['load_ratio']}), peak RSS {out['export']['peak_rss_mb']} MB; {out['export']['backfill_days']} days in one run {out['export']['backfill_s']}s"),
        ("tv", f"{out['tv']['series']} series: extract {out['tv']['extract_requests']} requests in {out['tv']['extract_wall_s']}s, floor {out['tv']['extract_floor_s']}s, ratio {out['tv']['extract_ratio']}; steady day {out['tv']['steady_detail_requests']} detail requests vs {out['tv']['steady_detail_requests_naive']} naive; export {out['tv']['export_rows']:,} rows, load {out['tv']['export_load_s']}s vs COPY floor {out['tv']['export_copy_floor_s']}s (ratio {out['tv']['export_load_ratio']})"),
        ("peak_rss_mb", str(out["peak_rss_mb"])),
        ("machine", ", ".join(f"{k} {v}" for k, v in out["machine"].items() if k != "platform")),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    print()
    for k, v in rows:
        print(f"{k.ljust(width)}  {v}")


def _measure_tv(args: argparse.Namespace, day1: dt.date) -> dict[str, Any]:
    from benchmarks.tv import measure_tv

    return measure_tv(args, day1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--movies", type=int, default=2000)
    p.add_argument("--pages", type=int, default=100)
    p.add_argument("--days", type=int, default=5, help="days of the backfill comparison (>= 2)")
    p.add_argument("--rate-limit", type=float, default=50.0, help="the simulator's requests/s")
    p.add_argument(
        "--client-rate",
        type=float,
        default=None,
        help="the client's requests/s (default 95%% of --rate-limit)",
    )
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument(
        "--load-repeats", type=int, default=5, help="loads and floors measured (medians reported)"
    )
    p.add_argument("--json", help="write the figures to this path")
    p.add_argument("--keep", action="store_true", help="keep the benchmark database")
    p.add_argument(
        "--soak-days",
        type=int,
        default=0,
        help="instead of the benchmark: this many consecutive days in one process (a soak)",
    )
    p.add_argument(
        "--soak-fault-rate", type=float, default=0.02, help="share of requests answered 5xx"
    )
    p.add_argument(
        "--dashboard-days",
        type=int,
        default=365,
        help="days of history the dashboard section loads (default 365)",
    )
    p.add_argument(
        "--only-dashboard", action="store_true", help="only the dashboard section (dashboard.*)"
    )
    p.add_argument(
        "--export-lines", type=int, default=1_000_000, help="lines of the daily ID export"
    )
    p.add_argument(
        "--export-backfill-days",
        type=int,
        default=30,
        help="days of the catalogue backfill (one run of tmdb_catalogue)",
    )
    p.add_argument(
        "--export-first-day",
        type=dt.date.fromisoformat,
        default=dt.date(2025, 3, 1),
        help="the catalogue section's first day (its month is compacted when the backfill "
        "reaches the month's last day: the default's 2 + 30 days cover March)",
    )
    p.add_argument(
        "--tail-budget",
        type=int,
        default=2000,
        help="details requests of the catalogue's long-tail run (TMDB_TAIL_DETAILS_PER_DAY's "
        "default)",
    )
    p.add_argument(
        "--only-export", action="store_true", help="only the catalogue section (export.*)"
    )
    p.add_argument(
        "--no-first-paint",
        action="store_true",
        help="leave out the browser's first paint (dashboard.first_paint_s is then null)",
    )
    p.add_argument(
        "--tv-pages", type=int, default=5, help="TV discover pages a day (TMDB_DISCOVER_TV_PAGES)"
    )
    p.add_argument("--only-tv", action="store_true", help="only the TV section (tv.*)")
    p.add_argument(
        "--only-run",
        action="store_true",
        help="only the end-to-end section (run.*): two days through `tmdb-assets run`",
    )
    args = p.parse_args(argv)
    only = {
        "export": (args.only_export, measure_export),
        "dashboard": (args.only_dashboard, measure_dashboard),
        "run": (args.only_run, measure_cli_runs),
        "tv": (args.only_tv, _measure_tv),
    }
    section = next((name for name, (asked, _) in only.items() if asked), None)
    if section:
        first = args.export_first_day if section == "export" else dt.date(2025, 3, 1)
        out = {section: only[section][1](args, first)}
        print(json.dumps(out, indent=2, default=str))
    elif args.soak_days:
        out = soak(args)
        print(json.dumps({k: v for k, v in out["soak"].items() if k != "per_day"}, indent=2))
    else:
        if args.days < 2:
            p.error("--days must be at least 2")
        out = run(args)
        print_table(out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2, default=str)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
