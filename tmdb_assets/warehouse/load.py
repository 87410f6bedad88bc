"""Warehouse loading: one table, one partition date, one transaction, replayed from raw only.

`load_table_day` reads the day (capture/read.read_day, memoised per run), builds the table's rows
(its registry entry's pure builder, transform/rows.py) and hands them to the table's loader, all in one
transaction that takes an advisory lock (per table and date; per table for bridges). Each
loader is one set-based statement whose batch travels as a single JSONB parameter (see
db/warehouse.py). Every load is a pure function of the raw partitions up to its date,
so rerunning it gives the same rows; a connection lost during it rolls it back and it runs
again (with_reconnect).
"""

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from tmdb_assets.capture.export_read import ExportRows, stored_chunks
from tmdb_assets.capture.quarantine import record_rejected
from tmdb_assets.capture.read import (
    MissingRawDataError,
    gc_paused,
    read_captured_day_on,
    read_day_on,
    require_capture,
)
from tmdb_assets.db.bulk import UpsertResult, batch_rows, batch_source, upsert
from tmdb_assets.db.queries import query
from tmdb_assets.db.warehouse import Warehouse, lock_day, partition_lock, with_reconnect
from tmdb_assets.transform.day import DayData
from tmdb_assets.transform.days import date_id
from tmdb_assets.transform.rows import bridge_pairs, dim_country_rows
from tmdb_assets.warehouse.compaction import Month, is_compacted, month_lock, record_day
from tmdb_assets.warehouse.late_day import merge_late_day, stage_late_day
from tmdb_assets.warehouse.seeds import continents

if TYPE_CHECKING:
    from tmdb_assets.warehouse.table import Table

log = logging.getLogger(__name__)

TABLES_POPULARITY = "fact_movie_popularity_daily"


def load_table_day(
    warehouse: Warehouse, table: "Table", day: dt.date, logger: Any = None
) -> tuple[DayData, Any]:
    """Load one table for one date in one transaction; returns (the day's data, load result)."""

    media = table.media

    def load() -> tuple[DayData, Any]:
        with warehouse.begin() as conn, gc_paused():
            if not table.reads_raw:
                data = DayData.without_raw(day)
            elif not media.optional:
                data = read_day_on(conn, warehouse.url, day, media)
            elif (captured := read_captured_day_on(conn, warehouse.url, day, media)) is None:
                (logger or log).warning(
                    f"{table.name} {day}: {media.discover_asset} holds no capture of the day "
                    f"({media.noun} were not captured that day): nothing loaded"
                )
                return DayData.without_raw(day), {"rows": 0, "day_not_captured": 1}
            else:
                data = captured
            # A shared dimension also takes the other domains' days that were captured.
            also = [
                d
                for m in table.also_media
                if (d := read_captured_day_on(conn, warehouse.url, day, m)) is not None
            ]
            if also:
                data = dataclasses.replace(data, also=also)  # the parsed day is shared: a copy
            return data, table.load(conn, table, data)

    return with_reconnect(load, logger=logger or log, what=f"{table.name} {day}")


# --- dimensions -------------------------------------------------------------------------------


def upsert_rows(conn: Connection, table: "Table", data: DayData) -> UpsertResult:
    """A dimension: the day's rows upserted on the table's key. A row last set from a later day
    keeps its values (guarded by source_date: SCD type 1 that never regresses)."""
    lock_day(conn, table.name, data.day)
    return upsert(
        conn,
        table.qualified,
        table.columns,
        table.rows(data),
        table.key,
        guard=table.guard,
        merge=dict(table.merge),
        unless=table.guard_unless,
    )


def load_item_dim(conn: Connection, table: "Table", data: DayData) -> UpsertResult:
    """dim_movie (or dim_tv_series), and the day's quarantine (what its parse set aside, with
    the reasons)."""
    lock_day(conn, table.name, data.day)
    record_rejected(conn, data.day, data.rejected)
    return upsert_rows(conn, table, data)


def load_dim_country(conn: Connection, table: "Table", data: DayData) -> UpsertResult:
    """dim_country with each country's continent from the country_continent seed."""
    lock_day(conn, table.name, data.day)
    return upsert(
        conn,
        table.qualified,
        table.columns,
        dim_country_rows(data, continents(conn)),
        table.key,
        guard=table.guard,
        merge=dict(table.merge),
        unless=table.guard_unless,
    )


# --- bridges ----------------------------------------------------------------------------------


def load_bridge(conn: Connection, table: "Table", data: DayData) -> dict[str, int]:
    """Replace the set of each movie whose latest state is this day's (dim_movie.source_date).

    A movie last set from a later day keeps its newer set: out-of-order backfills never regress.
    One statement (sql/queries/bridge_replace.sql) unpacks the day's rows, deletes the rows
    that left a set, inserts the ones that joined it and updates the attributes that changed (a
    credit's character or job). Only rows whose movie and dimension rows exist are inserted: the
    loader is what keeps the bridge's references whole (checked after every load by the
    blocking `foreign_keys` check).
    """
    fk = table.bridge_key
    item, key = table.key
    owner = table.media.dim
    # One writer per bridge at a time, whatever the day: two days replacing the same movie's set
    # at once could otherwise both insert a row.
    partition_lock(conn, table.name)
    assert table.bridge_keys is not None
    movies, pairs = bridge_pairs(data, table.bridge_keys, table.bridge_discover_keys)
    with_keys = {p[0] for p in pairs}
    # A row of NULLs stands for "this movie's set is empty today".
    empty = (None,) * (len(table.columns) - 1)
    rows = pairs + [(m, *empty) for m in movies - with_keys]
    attributes = [c for c in table.columns if c not in table.key]
    on_conflict = "DO NOTHING"
    if attributes:
        listed = ", ".join(attributes)
        excluded = ", ".join(f"EXCLUDED.{c}" for c in attributes)
        on_conflict = (
            f"DO UPDATE SET ({listed}) = ROW({excluded}) "
            f"WHERE (b.{', b.'.join(attributes)}) IS DISTINCT FROM ({excluded})"
        )
    # The dimension side: only rows whose dimension row exists are written (and the others
    # counted); a set of the item's own rows (seasons) has none.
    dim_join, unknown = "", "0"
    if fk is not None:
        dim, ref = f"warehouse.{fk.table}", fk.column
        dim_join = f"JOIN {dim} d ON d.{fk.table_column} = s.{ref}"
        unknown = (
            f"(SELECT count(*) FROM s WHERE s.{ref} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {dim} d WHERE d.{fk.table_column} = s.{ref}))"
        )
    statement = query(
        "bridge_replace",
        {
            "source": batch_source(conn, table.qualified, table.columns),
            "columns": ", ".join(table.columns),
            "s_columns": ", ".join(f"s.{c}" for c in table.columns),
            "on_conflict": on_conflict,
            "dim_join": dim_join,
            "unknown": unknown,
        },
        table=table.qualified,
        key=key,
        id=item,
        owner=f"warehouse.{owner}",
    )
    counts = conn.execute(statement, {"d": data.day, "rows": batch_rows(rows)}).one()
    asserted, deleted, inserted, updated, wanted, unknown = (int(c) for c in counts)
    return {
        "rows": wanted,  # the day's rows (of movies whose latest state is this day)
        "movies": len(movies),
        "movies_replaced": asserted,
        "movies_skipped_newer": len(movies) - asserted,
        "inserted": inserted,
        "updated": updated,
        "deleted": deleted,
        "unchanged": wanted - inserted - updated,
        "unknown_keys_skipped": unknown,
    }


# --- facts ------------------------------------------------------------------------------------


def replace_day(conn: Connection, table: "Table", data: DayData) -> dict[str, int]:
    """Replace the date's fact rows as a whole (one transaction: readers see old or new).

    The old rows come back from the DELETE (to count what the replay left unchanged) and the new
    ones go straight into the table in one INSERT: no staging copy of the day.
    """
    lock_day(conn, table.name, data.day)
    rows = table.rows(data)
    cols = ", ".join(table.columns)
    old = conn.execute(
        text(f"DELETE FROM {table.qualified} WHERE date_id = :d RETURNING {cols}"),
        {"d": data.date_id},
    ).all()
    conn.execute(
        text(
            f"INSERT INTO {table.qualified} ({cols}) "
            f"{batch_source(conn, table.qualified, table.columns)}"
        ),
        {"rows": batch_rows(rows)},
    )
    before = {tuple(r) for r in old}
    unchanged = sum(1 for r in rows if r in before)
    return {
        "rows": len(rows),
        "replaced": len(old),
        "unchanged": unchanged,
        "changed_or_new": len(rows) - unchanged,
    }


# --- the catalogue (daily ID export) --------------------------------------------------------


def month_after(day: dt.date) -> dt.date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def month_partition(conn: Connection, table: str, day: dt.date) -> str:
    """The month partition of `table` (a RANGE-on-date_id table) holding `day`, created when
    missing; returns its name."""
    first, after = day.replace(day=1), month_after(day)
    schema, name = table.split(".")
    partition = f"{name}_{first:%Y_%m}"
    exists = conn.execute(
        text("SELECT to_regclass(:p) IS NOT NULL"), {"p": f"{schema}.{partition}"}
    ).scalar_one()
    if not exists:
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {schema}.{partition} PARTITION OF {table} "
                f"FOR VALUES FROM ({date_id(first)}) TO ({date_id(after)})"
            )
        )
    return partition


def load_export_day(conn: Connection, table: "Table", data: DayData) -> dict[str, Any]:
    """Replace the day's rows with the current export capture's, in one transaction: the
    file's lines are decompressed and parsed into compact arrays (export_read.ExportRows), then fed
    to COPY in movie id order (no staging table). Lines that cannot be read are quarantined with
    their line numbers; the rest loads. The day's month partition and the next are created
    ahead. The movies' file and the series' (`table.media`) alike.

    A day of a month already compacted (a backfill) is copied into a temporary table and merged
    into its month (late_day.merge_late_day), in this same transaction: readers see the
    month before or after, never half of it."""
    media = table.media
    capture = require_capture(conn, media.export_asset, data.day)
    month = Month.of(data.day)
    month_lock(conn, media, month)
    lock_day(conn, table.name, data.day)
    compacted = is_compacted(conn, media, month)
    if not compacted:
        month_partition(conn, table.qualified, data.day)
    following = month_after(data.day)
    if not is_compacted(conn, media, Month.of(following)):
        month_partition(conn, table.qualified, following)
    if compacted:
        target = stage_late_day(conn, media)
        replaced = conn.execute(
            text("SELECT rows FROM warehouse.export_day_loaded WHERE fact = :f AND date_id = :d"),
            {"f": table.name, "d": data.date_id},
        ).scalar()
    else:
        target = table.qualified
        replaced = conn.execute(
            text(f"DELETE FROM {table.qualified} WHERE date_id = :d"), {"d": data.date_id}
        ).rowcount
    rows = ExportRows(
        stored_chunks(conn.engine, capture.capture_id),
        data.date_id,
        flags=bool(media.export_flags),
        source=media.source("export"),
    )
    cursor = conn.connection.driver_connection.cursor()
    cursor.copy_expert(f"COPY {target} ({', '.join(table.columns)}) FROM STDIN", rows, size=1 << 16)
    # The day's quarantine is the current capture's: a recaptured file's lines replace it.
    conn.execute(
        text("DELETE FROM raw.quarantine WHERE partition_date = :d AND source = :s"),
        {"d": data.day, "s": media.source("export")},
    )
    record_rejected(conn, data.day, rows.rejected)
    record_day(conn, media, data.day, rows.rows)
    merged = merge_late_day(conn, media, data.day) if compacted else {}
    return {
        "rows": rows.rows,
        "replaced": replaced or 0,
        "lines": rows.line_no,
        "duplicate_ids": rows.duplicates,
        "quarantined_lines": rows.rejected_count,
        "capture_version": capture.version,
        "file": str(capture.stats.get("file", "")),
        **merged,
    }


def load_catalogue_day(conn: Connection, table: "Table", data: DayData) -> dict[str, Any]:
    """The day's catalogue summary (sql/queries/catalogue_day.sql), from its export rows."""
    lock_day(conn, table.name, data.day)
    movies, new, removed = conn.execute(query("catalogue_day"), {"d": data.date_id}).one()
    if not movies:
        raise MissingRawDataError(
            f"fact_movie_popularity_daily has no rows for {data.day}: materialize "
            f"raw_movie_id_export and fact_movie_popularity_daily for {data.day} first."
        )
    return {"rows": 1, "movies": movies, "new_movies": new or 0, "removed_movies": removed or 0}


# The whole catalogue's movers of a day: this many rising and this many falling.
MOVERS = 50


def load_catalogue_movers(conn: Connection, table: "Table", data: DayData) -> dict[str, Any]:
    """The day's movers against the export 7 days before (sql/queries/catalogue_movers.sql),
    and the movers of 7 days after against this day when that day is loaded: whatever order the
    days are loaded in, each day's movers end up computed from both of its days."""

    def loaded(day: dt.date) -> bool:
        return bool(
            conn.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM warehouse.export_day_loaded "
                    "WHERE fact = :f AND date_id = :d AND rows > 0)"
                ),
                {"f": TABLES_POPULARITY, "d": date_id(day)},
            ).scalar()
        )

    out: dict[str, Any] = {}
    week = dt.timedelta(days=7)
    for day, name in ((data.day, "rows"), (data.day + week, "rows_of_the_day_7_days_after")):
        lock_day(conn, table.name, day)
        conn.execute(text(f"DELETE FROM {table.qualified} WHERE date_id = :d"), {"d": date_id(day)})
        rows = 0
        if loaded(day) and loaded(day - week):
            rows = conn.execute(
                query("catalogue_movers"),
                {"d": date_id(day), "p": date_id(day - week), "n": MOVERS},
            ).rowcount
        out[name] = rows
    out["compared_with"] = str(data.day - week) if out["rows"] else "none (not loaded)"
    return out
