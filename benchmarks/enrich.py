"""Benchmark pieces of issue 24: what the appended details parts cost to load, and a year of
availability history for the dashboard section.

- `measure_enrich`: day 1's enrichment tables (keywords, release calendar, collections,
  providers, availability observations and history) loaded from raw after the rest of the
  day, each timed: rows written per second of their loads (`enrich.rows_per_details_s`).
- `synthesize_enrich_history`: beside the cloned discover days, each day's trending capture
  (day 1's lists) and the details a steady day refetches (every movie once in 30 days, its
  details max age) with the watch providers the simulator would serve that day (its deals last
  about a month), so the availability history grows as it would in a year.
"""

import datetime as dt
import time
from typing import Any

import orjson
from sqlalchemy import create_engine, text

from tmdb_assets.capture.read import clear_cache
from tmdb_assets.db.embedded import normalize_url
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.settings import data_dir
from tmdb_assets.transform.media import MOVIE
from tmdb_assets.warehouse.load import load_table_day
from tmdb_assets.warehouse.rebuild import recreate_warehouse_schema
from tmdb_assets.warehouse.seeds import load_country_continent
from tmdb_assets.warehouse.tables import TABLES
from tmdb_simulator import enrich

ENRICH_TABLES = (
    "dim_collection",
    "dim_keyword",
    "bridge_movie_keyword",
    "bridge_movie_release",
    "dim_watch_provider",
    "fact_watch_observation",
    "fact_watch_availability",
)
SIMULATOR_SEED = 7  # benchmarks/run.start_simulator's
REFETCH_DAYS = 30  # TMDB_DETAILS_MAX_AGE_DAYS's default: a steady day refetches 1/30 of them


def measure_enrich(warehouse: Warehouse, day: dt.date) -> dict[str, Any]:
    """Day `day` into an empty warehouse: the other tables first, then each enrichment table
    timed. Rows counted in the tables afterwards."""
    recreate_warehouse_schema(warehouse)
    with warehouse.begin() as conn:
        load_country_continent(conn, data_dir() / "country_continent.csv")
    clear_cache()
    seconds: dict[str, float] = {}
    for table in TABLES.values():  # the day's other tables, as benchmarks/run.load_day
        if table.rows and table.name not in ENRICH_TABLES and table.media is MOVIE:
            load_table_day(warehouse, table, day)
    for name in ENRICH_TABLES:
        t0 = time.perf_counter()
        load_table_day(warehouse, TABLES[name], day)
        seconds[name] = time.perf_counter() - t0
    rows = {n: int(warehouse.scalar(f"SELECT count(*) FROM warehouse.{n}")) for n in ENRICH_TABLES}
    details = int(
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.fact_watch_observation WHERE observed_date = :d",
            d=day,
        )
    )
    total_s = sum(seconds.values())
    return {
        "rows_per_details_s": round(sum(rows.values()) / total_s, 1),
        "rows": sum(rows.values()),
        "load_s": round(total_s, 3),
        "details": details,
        "rows_per_movie": round(sum(rows.values()) / details, 1) if details else None,
        "rows_by_table": rows,
        "load_s_by_table": {n: round(s, 3) for n, s in seconds.items()},
    }


def synthesize_enrich_history(warehouse: Warehouse, day1: dt.date, days: int) -> dict[str, int]:
    """Days 2..N: day 1's trending lists, and 1/30 of the movies' details refetched a day with
    that day's watch providers. Returns what was written."""
    with warehouse.begin() as conn:
        trending = conn.execute(
            text(
                "SELECT capture_id FROM raw.capture WHERE asset = 'raw_trending' "
                "AND partition_date = :d AND is_current"
            ),
            {"d": day1},
        ).scalar_one()
        details = conn.execute(
            text(
                "SELECT md.movie_id, md.payload->>'release_date' FROM raw.movie_details md "
                "JOIN raw.capture c USING (capture_id) WHERE c.asset = 'raw_movie_details' "
                "AND c.partition_date = :d AND c.is_current AND md.http_status = 200"
            ),
            {"d": day1},
        ).all()
        source = conn.execute(
            text(
                "SELECT capture_id FROM raw.capture WHERE asset = 'raw_movie_details' "
                "AND partition_date = :d AND is_current"
            ),
            {"d": day1},
        ).scalar_one()
    written = 0
    for k in range(1, days):
        day = day1 + dt.timedelta(days=k)
        at = dt.datetime.combine(day, dt.time(23, 30), dt.UTC)
        parts = [
            {
                "m": movie_id,
                "w": orjson.dumps(
                    enrich.watch_providers(
                        movie_id, {"release_date": released}, day, SIMULATOR_SEED
                    )
                ).decode(),
            }
            for movie_id, released in details
            if (movie_id + k) % REFETCH_DAYS == 0
        ]
        with warehouse.begin() as conn:
            for src in (trending, source):
                conn.execute(
                    text(
                        "INSERT INTO raw.capture (asset, partition_date, version, is_current, "
                        "completed_at, captured_at, request_params, stats) SELECT asset, :d, 1, "
                        "true, now(), :at, request_params, stats FROM raw.capture "
                        "WHERE capture_id = :src"
                    ),
                    {"d": day, "at": at, "src": src},
                )
            conn.execute(
                text(
                    "INSERT INTO raw.trending_page (capture_id, time_window, page, captured_at, "
                    "payload) SELECT c.capture_id, p.time_window, p.page, :at, p.payload "
                    "FROM raw.trending_page p, raw.capture c WHERE p.capture_id = :src "
                    "AND c.asset = 'raw_trending' AND c.partition_date = :d AND c.is_current"
                ),
                {"d": day, "at": at, "src": trending},
            )
            written += conn.execute(
                text(
                    "INSERT INTO raw.movie_details (capture_id, movie_id, http_status, fetched_at, "
                    "fetch_reason, payload) SELECT c.capture_id, md.movie_id, 200, :at, 'stale', "
                    "jsonb_set(md.payload, '{watch/providers}', CAST(w.w AS jsonb)) "
                    "FROM raw.movie_details md "
                    "JOIN jsonb_to_recordset(CAST(:parts AS jsonb)) AS w(m integer, w text) "
                    "ON w.m = md.movie_id, raw.capture c WHERE md.capture_id = :src "
                    "AND c.asset = 'raw_movie_details' AND c.partition_date = :d AND c.is_current"
                ),
                {"d": day, "at": at, "src": source, "parts": orjson.dumps(parts).decode()},
            ).rowcount
    return {"details_refetched": written}


def availability_size(url: str) -> dict[str, Any]:
    """fact_watch_availability after the year: rows, open rows, and its size with its indexes
    as the loads left it, then after VACUUM FULL (what a vacuumed table settles to: the loads
    rewrite the open rows each observation, and autovacuum reuses that space)."""
    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    size = (
        "SELECT pg_total_relation_size('warehouse.fact_watch_availability'), "
        "pg_relation_size('warehouse.fact_watch_availability')"
    )
    try:
        with engine.connect() as conn:
            rows, current = conn.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE valid_to IS NULL) "
                    "FROM warehouse.fact_watch_availability"
                )
            ).one()
            observations = conn.execute(
                text("SELECT count(*) FROM warehouse.fact_watch_observation")
            ).scalar_one()
            total, _heap = conn.execute(text(size)).one()
            conn.execute(text("VACUUM FULL warehouse.fact_watch_availability"))
            compact, heap = conn.execute(text(size)).one()
    finally:
        engine.dispose()
    mb = 2**20
    return {
        "availability_rows": int(rows),
        "availability_open_rows": int(current),
        "availability_table_mb": round(int(total) / mb, 2),
        "availability_table_vacuumed_mb": round(int(compact) / mb, 2),
        "availability_heap_vacuumed_mb": round(int(heap) / mb, 2),
        "availability_bytes_per_row": round(int(compact) / max(int(rows), 1), 1),
        "watch_observations": int(observations),
    }
