"""The catalogue's closed months, compacted: a year of a million movies a day in under 4 GB.

An export fact (fact_movie_popularity_daily, fact_tv_popularity_daily) holds a row per item per
day: 97 bytes a movie-day with its keys. A month whose last day is loaded (and whose checks
passed: the asset's gate, defs/catalogue/compaction.py) is compacted by `compact_month` into
the fact's monthly table (fact_movie_popularity_monthly): one row per item, the month's values
in an array (day d at [d]), popularity times 10^4 as integers (exact: TMDb's export gives at most 4
decimals; a row with any other value keeps its doubles), the flags as one bit per day. About 7
bytes a movie-day. Why this form: docs/catalogue.md.

Each change of form is one transaction under the month's lock, verified before it commits: the
month's rows are read back through the view analysts read (vw_catalogue_popularity), and each
day's count and checksum (warehouse.popularity_hash over id, value bits and flags) must equal
the daily rows'; only then is the daily partition dropped. A day loaded after its month was
compacted (a backfill: TMDb keeps files for three months) is merged into the month by
late_day.merge_late_day, in the load's transaction, verified the same way against the day's file and
the checksums the month was compacted with (warehouse.compacted_month).
"""

import calendar
import dataclasses
import datetime as dt
import time
from typing import Any

from sqlalchemy import Connection, text

from tmdb_assets.db.queries import query
from tmdb_assets.db.warehouse import WarehouseError, partition_lock
from tmdb_assets.transform.days import date_id
from tmdb_assets.transform.media import Media


class CompactionError(WarehouseError):
    """A month that cannot be compacted, or whose compacted form does not read back equal."""


@dataclasses.dataclass(frozen=True)
class Month:
    """One calendar month of an export fact."""

    first: dt.date

    @classmethod
    def of(cls, day: dt.date) -> "Month":
        return cls(day.replace(day=1))

    @property
    def id(self) -> int:
        return self.first.year * 100 + self.first.month

    @property
    def days(self) -> int:
        return calendar.monthrange(self.first.year, self.first.month)[1]

    @property
    def last(self) -> dt.date:
        return self.first.replace(day=self.days)

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"

    def suffix(self) -> str:
        return f"{self.first:%Y_%m}"

    def date_ids(self) -> tuple[int, int]:
        return date_id(self.first), date_id(self.last)


def month_lock(conn: Connection, media: Media, month: Month) -> None:
    """Serialise every writer of one month of `media`'s export fact (a day's load, the
    compaction, a late day's merge) until the transaction ends."""
    partition_lock(conn, f"{media.export_table}:month:{month.id}")


def is_compacted(conn: Connection, media: Media, month: Month) -> bool:
    return bool(
        conn.execute(
            text("SELECT 1 FROM warehouse.compacted_month WHERE fact = :f AND month_id = :m"),
            {"f": media.export_table, "m": month.id},
        ).first()
    )


def record_day(conn: Connection, media: Media, day: dt.date, rows: int) -> None:
    """export_day_loaded's row of the day (in the load's transaction)."""
    conn.execute(
        text(
            "INSERT INTO warehouse.export_day_loaded (fact, date_id, rows) VALUES (:f, :d, :r) "
            "ON CONFLICT (fact, date_id) DO UPDATE SET rows = EXCLUDED.rows, loaded_at = now()"
        ),
        {"f": media.export_table, "d": date_id(day), "r": rows},
    )


def loaded_days(conn: Connection, media: Media, month: Month) -> dict[int, int]:
    """{day of the month: rows} of the month's loaded days with rows."""
    first, last = month.date_ids()
    return {
        int(d) % 100: int(r)
        for d, r in conn.execute(
            text(
                "SELECT date_id, rows FROM warehouse.export_day_loaded WHERE fact = :f "
                "AND date_id BETWEEN :a AND :b AND rows > 0 ORDER BY 1"
            ),
            {"f": media.export_table, "a": first, "b": last},
        ).all()
    }


# --- the SQL of one domain --------------------------------------------------------------------


def checksums(
    conn: Connection, media: Media, source: str, month: Month, only: dt.date | None = None
) -> dict[int, tuple]:
    """{day of the month: (rows, checksum)} of `source` (the daily partition, the staged day or
    the view) over the month's days (`only`: that day)."""
    flags = " + ".join(
        f"{flag}::integer * {2 ** (len(media.export_flags) - 1 - i)}"
        for i, flag in enumerate(media.export_flags)
    )
    first, last = (date_id(only), date_id(only)) if only else month.date_ids()
    rows = conn.execute(
        text(
            f"SELECT date_id, count(*), sum(warehouse.popularity_hash({media.id_column}, "
            f"popularity, {flags or '0'})) FROM {source} WHERE date_id BETWEEN :a AND :b "
            "GROUP BY date_id"
        ),
        {"a": first, "b": last},
    ).all()
    return {int(d) % 100: (int(n), int(h)) for d, n, h in rows}


def flag_fragments(media: Media) -> dict[str, str]:
    flags = media.export_flags
    return {
        "flag_columns": "".join(f", {f}_days" for f in flags),
        "flag_values": "".join(f", a.{f}_days" for f in flags),
        "flag_aggregates": "".join(
            f",\n           bit_or(CASE WHEN s.{f} THEN 1 << (s.date_id - :base - 1) ELSE 0 END)"
            f" AS {f}_days"
            for f in flags
        ),
        "flag_merge": "".join(
            f",\n           (coalesce(o.{f}_days, 0) & ~(1 << (:k - 1))) | "
            f"CASE WHEN s.{f} THEN 1 << (:k - 1) ELSE 0 END AS {f}_days"
            for f in flags
        ),
    }


def _placed(month: Month, loaded: list[int]) -> str:
    """The month's array of an item with a row on each loaded day, from its values in day
    order (a.scaled): itself when every day of the month is loaded, else with NULL for the days
    not loaded."""
    if loaded == list(range(1, month.days + 1)):
        return "a.scaled"
    position = {day: i + 1 for i, day in enumerate(loaded)}
    items = [
        f"a.scaled[{position[d]}]" if d in position else "NULL::integer"
        for d in range(1, month.days + 1)
    ]
    return f"ARRAY[{', '.join(items)}]"


def new_table(conn: Connection, media: Media, name: str, scratch: bool = False) -> str:
    """An empty table shaped like the monthly table, not attached. A `scratch` table (a merge's
    build) replaces any leftover of that name; a month's own name must be free."""
    qualified = f"warehouse.{name}"
    if scratch:
        conn.execute(text(f"DROP TABLE IF EXISTS {qualified}"))
    elif conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": qualified}).scalar_one():
        raise CompactionError(
            f"{qualified} exists although warehouse.compacted_month does not list its month: "
            "look at it before compacting (it is not dropped here)."
        )
    conn.execute(
        text(f"CREATE TABLE {qualified} (LIKE warehouse.{media.compact_table} INCLUDING DEFAULTS)")
    )
    return qualified


def attach(conn: Connection, media: Media, month: Month, qualified: str) -> dict[str, int]:
    """Key, statistics and attach `qualified` as the month's partition; returns its rows_out,
    exact_rows (rows holding popularity_exact) and bytes_after."""
    conn.execute(
        text(
            f"ALTER TABLE {qualified} ADD CONSTRAINT {qualified.split('.')[1]}_pkey "
            f"PRIMARY KEY ({media.id_column}, month_id)"
        )
    )
    conn.execute(text(f"ANALYZE {qualified}"))
    conn.execute(
        text(
            f"ALTER TABLE warehouse.{media.compact_table} ATTACH PARTITION {qualified} "
            f"FOR VALUES FROM ({month.id}) TO ({month.id + 1})"
        )
    )
    rows, exact, size = conn.execute(
        text(
            "SELECT count(*), count(*) FILTER (WHERE popularity IS NULL), "
            f"pg_total_relation_size('{qualified}') FROM {qualified}"
        )
    ).one()
    return {"rows_out": int(rows), "exact_rows": int(exact), "bytes_after": int(size)}


def verify(
    conn: Connection, media: Media, month: Month, expected: dict[int, tuple], what: str
) -> dict[int, tuple]:
    """The month read back through the view equals `expected`, day by day; returns it."""
    got = checksums(conn, media, f"warehouse.{media.export_view}", month)
    if got != expected:
        wrong = sorted(d for d in set(got) | set(expected) if got.get(d) != expected.get(d))
        examples = [
            f"{month.first.replace(day=d)}: {expected.get(d, (0, 0))[0]:,} rows expected, "
            f"{got.get(d, (0, 0))[0]:,} read back"
            for d in wrong[:3]
        ]
        raise CompactionError(
            f"{media.compact_table} {month.label}: {what} does not read back equal to its "
            f"daily rows on {len(wrong)} day(s) ({'; '.join(examples)}); nothing was changed "
            "(rolled back). Report it with these figures; the daily rows stay as they were."
        )
    return got


def checksum_array(month: Month, sums: dict[int, tuple]) -> list[int | None]:
    return [sums[d][1] if d in sums else None for d in range(1, month.days + 1)]


# --- compaction -------------------------------------------------------------------------------


def compact_month(conn: Connection, media: Media, month: Month) -> dict[str, Any]:
    """Compact `month` of `media`'s export fact in the caller's transaction: the monthly
    partition built from the daily one, read back through the view and compared day by day
    with the daily rows, then the daily partition dropped and the month recorded
    (warehouse.compacted_month). A month already compacted is left as it is."""
    t0 = time.monotonic()
    month_lock(conn, media, month)
    if is_compacted(conn, media, month):
        return {"compacted": False, "already_compacted": True}
    loaded = loaded_days(conn, media, month)
    daily = f"warehouse.{media.export_table}_{month.suffix()}"
    exists = conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": daily}).scalar_one()
    if not loaded or not exists:
        raise CompactionError(
            f"{media.export_table} holds no day of {month.label}: nothing to compact. Load "
            f"the month's days (materialize {media.export_table}) first."
        )
    expected = checksums(conn, media, daily, month)
    counts = {d: n for d, (n, _) in expected.items()}
    if counts != loaded:
        raise CompactionError(
            f"{media.export_table} {month.label}: the daily partition's rows per day "
            f"({sum(counts.values()):,} on {len(counts)} days) differ from what the loads "
            f"recorded in export_day_loaded ({sum(loaded.values()):,} on {len(loaded)} days): "
            f"rematerialize {media.export_table} for the month's days, then compact again."
        )
    bytes_before = int(
        conn.execute(text("SELECT pg_total_relation_size(:t)"), {"t": daily}).scalar_one()
    )
    target = new_table(conn, media, f"{media.compact_table}_{month.suffix()}")
    days = sorted(loaded)
    first = date_id(month.first)
    conn.execute(
        query(
            "compact_month",
            {**flag_fragments(media), "placed": _placed(month, days)},
            target=target,
            source=daily,
            id=media.id_column,
        ),
        {"month": month.id, "loaded": days, "n": month.days, "base": first - 1},
    )
    written = attach(conn, media, month, target)
    # The month is read from the monthly partition alone once its daily one is detached.
    conn.execute(text(f"ALTER TABLE warehouse.{media.export_table} DETACH PARTITION {daily}"))
    sums = verify(conn, media, month, expected, "the compacted month")
    conn.execute(text(f"DROP TABLE {daily}"))
    seconds = time.monotonic() - t0
    figures = {
        "month": month.label,
        "days": len(days),
        "rows_in": sum(loaded.values()),
        **written,
        "bytes_before": bytes_before,
        "seconds": round(seconds, 2),
    }
    conn.execute(
        text(
            "INSERT INTO warehouse.compacted_month (fact, month_id, days, rows_in, rows_out, "
            "exact_rows, bytes_before, bytes_after, seconds, day_checksums) VALUES (:f, :m, "
            ":days, :rows_in, :rows_out, :exact_rows, :bytes_before, :bytes_after, :seconds, "
            "CAST(:sums AS numeric[]))"
        ),
        {"f": media.export_table, "m": month.id, "sums": checksum_array(month, sums), **figures},
    )
    return {"compacted": True, **figures}


def compacted_months(conn: Connection, media: Media) -> list[dict[str, Any]]:
    """Every compacted month of `media`'s fact with its figures, oldest first."""
    rows = conn.execute(
        text(
            "SELECT month_id, days, rows_in, rows_out, bytes_before, bytes_after, late_days "
            "FROM warehouse.compacted_month WHERE fact = :f ORDER BY month_id"
        ),
        {"f": media.export_table},
    ).mappings()
    return [dict(r) for r in rows]


def read_back(conn: Connection, media: Media, day: dt.date) -> dict[str, Any] | None:
    """Day `day` of a compacted month as the view reads it against what was recorded when the
    month was compacted (or the day merged): None when its month is not compacted."""
    month = Month.of(day)
    recorded = conn.execute(
        text(
            "SELECT c.day_checksums[:k], l.rows FROM warehouse.compacted_month c "
            "LEFT JOIN warehouse.export_day_loaded l ON l.fact = c.fact AND l.date_id = :d "
            "WHERE c.fact = :f AND c.month_id = :m"
        ),
        {"f": media.export_table, "m": month.id, "k": day.day, "d": date_id(day)},
    ).first()
    if recorded is None:
        return None
    got = checksums(conn, media, f"warehouse.{media.export_view}", month, day).get(day.day)
    return {
        "rows_loaded": int(recorded[1] or 0),
        "rows_read": got[0] if got else 0,
        "checksum_recorded": None if recorded[0] is None else int(recorded[0]),
        "checksum_read": got[1] if got else None,
    }
