"""The catalogue's compacted history (issue 26), measured in the export section's database once
its backfill has loaded and compacted a whole month of the simulator's million-line exports:

- `bytes_per_movie_day`: the compacted month's partition with its key, per movie-day it holds
  (`daily_bytes_per_movie_day`: the same month's daily partition as it was, with its indexes);
- `year_projection_gb`: 365 days of a million movies in the compacted form (GB = 10^9 bytes);
  `year_with_open_month_gb` adds the open month at its largest (30 days still daily, the day
  before it closes);
- `compaction_s`: the month's compaction (build, read back through the view, drop), and
  `compaction_step_s`: its Dagster step, the month's gate checks included;
- `late_day_s`: a day of the compacted month loaded again (its fact load: the file parsed,
  merged into the month, verified);
- `day_read_s`: one compacted day's whole catalogue through vw_catalogue_popularity, every row
  delivered to the client by COPY (`day_read_python_rows_s`: as Python tuples through a
  server-side cursor; `day_read_daily_*`: an open day's, for comparison);
- `movie_year_history_ms`: one movie's 365 days through vw_movie_popularity_history (median over
  movies): the year is the compacted month and 11 months before it made from it (copies with
  their month and length changed: the shape of a real year, 365 partitions probed by day).
"""

import datetime as dt
import random
import time
from statistics import median
from typing import Any

from sqlalchemy import text

from tmdb_assets.transform.days import date_id
from tmdb_assets.transform.media import MOVIE
from tmdb_assets.warehouse.compaction import Month, attach, checksums, loaded_days, new_table
from tmdb_assets.warehouse.load import load_table_day
from tmdb_assets.warehouse.tables import TABLES


def measure_compaction(wh, month: Month, steps: dict[str, float], repeats: int = 3) -> dict:
    with wh.begin() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT days, rows_in, rows_out, exact_rows, bytes_before, bytes_after, "
                    "seconds FROM warehouse.compacted_month WHERE fact = :f AND month_id = :m"
                ),
                {"f": MOVIE.export_table, "m": month.id},
            )
            .mappings()
            .one()
        )
    per_day = row["bytes_after"] / row["rows_in"]
    movies_a_day = row["rows_in"] / row["days"]
    out: dict[str, Any] = {
        "compacted_month": month.label,
        "compacted_days": row["days"],
        "compaction_rows_in": row["rows_in"],
        "compaction_rows_out": row["rows_out"],
        "compaction_exact_rows": row["exact_rows"],
        "daily_month_mb": round(row["bytes_before"] / 1e6, 1),
        "compacted_month_mb": round(row["bytes_after"] / 1e6, 1),
        "daily_bytes_per_movie_day": round(row["bytes_before"] / row["rows_in"], 1),
        "bytes_per_movie_day": round(per_day, 2),
        "year_projection_gb": round(per_day * 1e6 * 365 / 1e9, 2),
        "year_with_open_month_gb": round(
            (per_day * 335 + row["bytes_before"] / row["rows_in"] * 30) * 1e6 / 1e9, 2
        ),
        "compaction_s": round(row["seconds"], 2),
        "compaction_step_s": steps.get(MOVIE.compact_table),
        "movies_a_day": round(movies_a_day),
    }
    # A late day: the first loaded day from the 15th on, loaded again and merged into its month
    # (the same file: nothing changes).
    loaded = _loaded(wh, month)
    late = month.first.replace(day=min(d for d in loaded if d >= min(15, max(loaded))))
    before = _day_sum(wh, late)
    t0 = time.perf_counter()
    _, result = load_table_day(wh, TABLES[MOVIE.export_table], late)
    out["late_day_s"] = round(time.perf_counter() - t0, 2)
    out["late_day_merge_s"] = result.get("merge_seconds")
    out["late_day_unchanged"] = _day_sum(wh, late) == before
    # A whole day read, compacted and open.
    out["day_read_s"] = round(median(_read_day(wh, late) for _ in range(repeats)), 3)
    out["day_read_python_rows_s"] = round(
        median(_read_day(wh, late, python_rows=True) for _ in range(repeats)), 2
    )
    open_day = month.last + dt.timedelta(days=1)
    if _day_sum(wh, open_day)[0]:
        out["day_read_daily_s"] = round(median(_read_day(wh, open_day) for _ in range(repeats)), 2)
        out["day_read_daily_python_rows_s"] = round(
            median(_read_day(wh, open_day, python_rows=True) for _ in range(repeats)), 2
        )
    # A year of history: 11 months before this one, copied from it.
    t0 = time.perf_counter()
    first = _synthesize_year(wh, month)
    out["year_synthesized_s"] = round(time.perf_counter() - t0, 1)
    history = _movie_histories(wh, first, month.last)
    out["movie_year_history_ms"] = round(median(history["ms"]), 2)
    out["movie_year_history_ms_p95"] = round(
        sorted(history["ms"])[int(len(history["ms"]) * 0.95)], 2
    )
    out["movie_year_history_days"] = history["days"]
    # The 12 months as they are on disk (not projected): a cross-check of the projection.
    out["year_compacted_gb"] = round(_monthly_bytes(wh) / 1e9, 2)
    return out


def _loaded(wh, month: Month) -> list[int]:
    """The month's loaded days with rows, in order."""
    with wh.begin() as conn:
        return sorted(loaded_days(conn, MOVIE, month))


def _day_sum(wh, day: dt.date) -> tuple[int, int]:
    """The day's (rows, checksum) through the view, as the compaction verifies it."""
    view = f"warehouse.{MOVIE.export_view}"
    with wh.begin() as conn:
        return checksums(conn, MOVIE, view, Month.of(day), day).get(day.day, (0, 0))


def _read_day(wh, day: dt.date, python_rows: bool = False) -> float:
    """Seconds to deliver a day's whole catalogue to this process: as COPY's text (what a
    client that loads it into a frame or a file receives), or (`python_rows`) as Python tuples
    fetched 10,000 at a time through a server-side cursor (what a plain loop pays)."""
    sql = (
        "SELECT movie_id, popularity, adult, video FROM warehouse.vw_catalogue_popularity "
        f"WHERE date_id = {date_id(day)}"
    )
    t0 = time.perf_counter()
    raw = wh.engine.raw_connection()
    try:
        if python_rows:
            cursor = raw.cursor(name="day_read")
            cursor.itersize = 10_000
            cursor.execute(sql)
            rows = sum(1 for _ in cursor)
        else:
            sink = LineCounter()
            raw.cursor().copy_expert(f"COPY ({sql}) TO STDOUT", sink)
            rows = sink.lines
        raw.rollback()
    finally:
        raw.close()
    assert rows > 0
    return time.perf_counter() - t0


class LineCounter:
    """A file-like sink for COPY TO that counts the lines it receives (and keeps none)."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, data: bytes) -> int:
        self.lines += bytes(data).count(b"\n")
        return len(data)


def _synthesize_year(wh, month: Month) -> dt.date:
    """The 11 months before `month`, each a copy of it (its values cut to the month's length),
    attached and listed in export_day_loaded; returns the year's first day."""
    source = f"warehouse.{MOVIE.compact_table}_{month.suffix()}"
    with wh.begin() as conn:
        rows_by_day = loaded_days(conn, MOVIE, month)
    loaded = sorted(rows_by_day)
    rows_a_day = rows_by_day[loaded[0]]
    current = month
    for _ in range(11):
        current = Month.of(current.first - dt.timedelta(days=1))
        n = current.days
        with wh.begin() as conn:
            table = new_table(conn, MOVIE, f"{MOVIE.compact_table}_{current.suffix()}")
            conn.execute(
                text(
                    f"INSERT INTO {table} SELECT {current.id}, movie_id, popularity[1:{n}], "
                    f"popularity_exact[1:{n}], adult_days & {(1 << n) - 1}, "
                    f"video_days & {(1 << n) - 1} FROM {source} ORDER BY movie_id"
                )
            )
            attach(conn, MOVIE, current, table)
            conn.execute(
                text(
                    "INSERT INTO warehouse.export_day_loaded (fact, date_id, rows) "
                    "SELECT :f, :base + d, :r FROM unnest(CAST(:days AS integer[])) d"
                ),
                {
                    "f": MOVIE.export_table,
                    "base": current.id * 100,
                    "r": rows_a_day,
                    "days": [d for d in loaded if d <= n],
                },
            )
    return current.first


def _movie_histories(wh, first: dt.date, last: dt.date, movies: int = 50) -> dict:
    partition = f"warehouse.{MOVIE.compact_table}_{Month.of(last).suffix()}"
    rows = wh.scalar(f"SELECT count(*) FROM {partition}")
    offsets = random.Random(26).sample(range(rows), min(movies, rows))
    sample = [
        wh.scalar(f"SELECT movie_id FROM {partition} ORDER BY movie_id OFFSET :o LIMIT 1", o=o)
        for o in offsets
    ]
    sql = text(
        "SELECT date_id, popularity, source FROM warehouse.vw_movie_popularity_history "
        "WHERE movie_id = :m AND date_id BETWEEN :a AND :b"
    )
    times, days = [], set()
    with wh.engine.connect() as conn:
        conn.execute(sql, {"m": sample[0], "a": date_id(first), "b": date_id(last)}).all()
        for movie in sample:
            t0 = time.perf_counter()
            rows = conn.execute(sql, {"m": movie, "a": date_id(first), "b": date_id(last)}).all()
            times.append((time.perf_counter() - t0) * 1000)
            days.add(len(rows))
    return {"ms": times, "days": sorted(days)}


def _monthly_bytes(wh) -> int:
    return int(
        wh.scalar(
            "SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i "
            f"WHERE i.inhparent = 'warehouse.{MOVIE.compact_table}'::regclass"
        )
    )
