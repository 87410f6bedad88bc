"""Rebuild the warehouse from raw: drop the schema, recreate it, replay every captured day.

Raw history is the only copy of the past and is never touched; everything in `warehouse` is a
pure function of it, so the rebuilt tables equal the originals.
"""

import datetime as dt

from sqlalchemy import text

from tmdb_assets.capture.read import DISCOVER
from tmdb_assets.db.migrations import discover_migrations
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.warehouse.compaction import Month
from tmdb_assets.warehouse.views import apply_views


def captured_ranges(warehouse: Warehouse, asset: str = DISCOVER) -> list[tuple[dt.date, dt.date]]:
    """Contiguous ranges of days that have a complete capture of `asset` (the discover pages;
    raw_movie_id_export for the catalogue)."""
    days = [
        r[0]
        for r in warehouse.rows(
            "SELECT partition_date FROM raw.capture WHERE asset = :a AND is_current ORDER BY 1",
            a=asset,
        )
    ]
    ranges: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if ranges and day == ranges[-1][1] + dt.timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def by_month(ranges: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """`ranges` cut at the end of each month: a catalogue range replayed a month a run is
    compacted at each month's end (its last step), so a rebuild never holds more than a month
    of the catalogue in daily rows (a year of them would need 34 GB of disk for a while)."""
    out: list[tuple[dt.date, dt.date]] = []
    for start, end in ranges:
        while start <= end:
            last = min(end, Month.of(start).last)
            out.append((start, last))
            start = last + dt.timedelta(days=1)
    return out


def recreate_warehouse_schema(warehouse: Warehouse) -> None:
    """DROP SCHEMA warehouse and re-run the migration files (each is idempotent by design:
    IF NOT EXISTS / CREATE OR REPLACE), then every view's current file (sql/views/), leaving
    raw and the migrations record as they are."""
    with warehouse.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS warehouse CASCADE"))
        cursor = conn.connection.driver_connection.cursor()
        for migration in discover_migrations():
            if migration.statements:
                cursor.execute(migration.statements)
        apply_views(conn, every=True)
