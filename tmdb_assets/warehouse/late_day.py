"""A day loaded after its month was compacted (a backfill within TMDb's three months, a
recaptured file): merged into the month in the day's load transaction (warehouse/load.py's
load_export_day), verified as a compaction is (warehouse/compaction.py)."""

import datetime as dt
import time
from typing import Any

from sqlalchemy import Connection, text

from tmdb_assets.db.queries import query
from tmdb_assets.transform.media import Media
from tmdb_assets.warehouse.compaction import (
    Month,
    attach,
    checksum_array,
    checksums,
    flag_fragments,
    loaded_days,
    new_table,
    verify,
)

STAGED = "stg_export_day"


def stage_late_day(conn: Connection, media: Media) -> str:
    """The temporary table a late day's file is copied into (dropped at commit)."""
    columns = ", ".join(
        [
            "date_id integer NOT NULL",
            f"{media.id_column} integer PRIMARY KEY",
            "popularity double precision NOT NULL",
            *(f"{f} boolean NOT NULL" for f in media.export_flags),
        ]
    )
    conn.execute(text(f"CREATE TEMP TABLE {STAGED} ({columns}) ON COMMIT DROP"))
    return STAGED


def merge_late_day(conn: Connection, media: Media, day: dt.date) -> dict[str, Any]:
    """Replace day `day` of its compacted month with the rows staged in stg_export_day, in the
    caller's transaction (the load's, which holds the month's lock): the month's partition is
    built again from the old one and the day's rows, read back through the view and compared
    with the month's recorded checksums (the other days) and the staged rows (this day), then
    swapped in whole."""
    t0 = time.monotonic()
    month = Month.of(day)
    k = day.day
    recorded = conn.execute(
        text(
            "SELECT day_checksums FROM warehouse.compacted_month WHERE fact = :f AND month_id = :m"
        ),
        {"f": media.export_table, "m": month.id},
    ).scalar_one()
    expected = {
        d: (n, int(recorded[d - 1]))
        for d, n in loaded_days(conn, media, month).items()
        if d != k and recorded[d - 1] is not None
    }
    staged = checksums(conn, media, STAGED, month)
    expected.update(staged)
    old = f"warehouse.{media.compact_table}_{month.suffix()}"
    target = new_table(conn, media, f"{media.compact_table}_{month.suffix()}_merge", True)
    conn.execute(
        query("merge_late_day", flag_fragments(media), target=target, old=old, id=media.id_column),
        {"month": month.id, "k": k, "n": month.days},
    )
    conn.execute(text(f"ALTER TABLE warehouse.{media.compact_table} DETACH PARTITION {old}"))
    conn.execute(text(f"DROP TABLE {old}"))
    conn.execute(text(f"ALTER TABLE {target} RENAME TO {old.split('.')[1]}"))
    written = attach(conn, media, month, old)
    sums = verify(conn, media, month, expected, f"the month with {day} merged")
    seconds = time.monotonic() - t0
    conn.execute(
        text(
            "UPDATE warehouse.compacted_month SET days = :days, rows_in = :rows_in, "
            "rows_out = :rows_out, exact_rows = :exact_rows, bytes_after = :bytes_after, "
            "seconds = :seconds, day_checksums = CAST(:sums AS numeric[]), "
            "late_days = late_days + 1, compacted_at = now() WHERE fact = :f AND month_id = :m"
        ),
        {
            "f": media.export_table,
            "m": month.id,
            "days": len(sums),
            "rows_in": sum(n for n, _ in sums.values()),
            **written,
            "seconds": seconds,
            "sums": checksum_array(month, sums),
        },
    )
    return {
        "merged_into_compacted_month": month.label,
        "month_rows": written["rows_out"],
        "merge_seconds": round(seconds, 2),
    }
