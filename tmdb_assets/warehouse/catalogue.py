"""The whole catalogue in dim_movie: every movie of TMDb's daily ID export, and the long tail's
details loaded as they arrive.

- `learn_movies` (asset `catalogue_movies`): the day's export ids that dim_movie does not hold
  become rows with what the export says (id, original title, adult, video) and
  `details_status = 'pending'`; `source_date` is the first export day that listed the movie. A
  pending row takes any day's discover or details values (tables.py: the guard's exception).
- `load_tail_day` (asset `catalogue_movie_details`): the tail capture's details
  (capture/tail.py) into dim_movie, the dimensions they name and the bridges, in one
  transaction, through the registry's loaders.
"""

import datetime as dt
import logging
from typing import Any

from sqlalchemy import text

from tmdb_assets.capture.export_read import ExportTitles, stored_chunks
from tmdb_assets.capture.quarantine import record_rejected
from tmdb_assets.capture.read import (
    CaptureInfo,
    apply_details,
    current_capture,
    gc_paused,
    parse_details,
    require_capture,
)
from tmdb_assets.capture.tail import TAIL
from tmdb_assets.db.bulk import upsert
from tmdb_assets.db.queries import query
from tmdb_assets.db.warehouse import Warehouse, lock_day, with_reconnect
from tmdb_assets.transform.day import DayData
from tmdb_assets.transform.days import date_id
from tmdb_assets.transform.media import MOVIE, Media
from tmdb_assets.transform.rows import tail_movie_rows
from tmdb_assets.warehouse.tables import TABLES

log = logging.getLogger(__name__)

# Above this many new ids (a first day: the whole catalogue), every line is sent to PostgreSQL
# and filtered there, rather than held as a set in memory.
WANTED_SET_MAX = 100_000


# --- dim_movie learns the export's movies -----------------------------------------------------


def learn_movies(
    warehouse: Warehouse, day: dt.date, logger: Any = log, media: Media = MOVIE
) -> dict[str, Any]:
    """dim_movie rows (pending) for the day's export movies it does not hold (dim_tv_series
    rows for the series' export: `media`), in one transaction. A pending row learned from a
    later day takes this day's values (a backfill run out of order converges on the first
    export day, as one run in order would)."""
    asset, item = media.learn_asset, media.id_column
    names = {
        "fact": f"warehouse.{media.export_view}",
        "dim": f"warehouse.{media.dim}",
        "id": item,
    }
    title = TABLES[media.dim].columns[2]  # original_title, original_name
    # The flags the dimension holds from the export: the movies' adult and video; a series'
    # export line has none (its adult flag comes with its details).
    flags = list(media.export_flags)
    learned_columns = [title, *flags]

    def learn() -> dict[str, Any]:
        with warehouse.begin() as conn, gc_paused():
            lock_day(conn, asset, day)
            capture = require_capture(conn, media.export_asset, day)
            new = set(
                conn.execute(
                    query("catalogue_new_movies", **names),
                    {"d": date_id(day), "day": day, "cap": WANTED_SET_MAX + 1},
                ).scalars()
            )
            if not new:
                return {"rows": 0, "new_movies": 0, "inserted": 0, "relearned": 0}
            wanted = new if len(new) <= WANTED_SET_MAX else None
            conn.execute(
                text(
                    "CREATE TEMP TABLE stg_export_item (item_id integer, line integer, "
                    "original_title text, adult boolean, video boolean) ON COMMIT DROP"
                )
            )
            titles = ExportTitles(
                stored_chunks(conn.engine, capture.capture_id),
                wanted,
                "original_title" if media is MOVIE else "original_name",
            )
            cursor = conn.connection.driver_connection.cursor()
            cursor.copy_expert(
                "COPY stg_export_item (item_id, line, original_title, adult, video) FROM STDIN",
                titles,
                size=1 << 16,
            )
            fragments = {
                "columns": ", ".join(learned_columns),
                "values": ", ".join(f"s.{c}" for c in ["original_title", *flags]),
                "set": ", ".join(f"{c} = EXCLUDED.{c}" for c in learned_columns),
            }
            inserted, relearned = conn.execute(
                query("catalogue_learn", fragments, **names), {"d": date_id(day), "day": day}
            ).one()
        return {
            "rows": int(inserted) + int(relearned),
            "new_movies": int(inserted),
            "inserted": int(inserted),
            "relearned": int(relearned),
            "lines_read": titles.rows,
        }

    result = with_reconnect(learn, logger=logger, what=f"{asset} {day}")
    logger.info(
        f"{asset} {day}: {result['inserted']:,} {media.noun} learned from the export "
        f"(pending details), {result['relearned']:,} re-dated to this earlier day"
    )
    return result


def pending_movies(warehouse: Warehouse, media: Media = MOVIE) -> int:
    with warehouse.begin() as conn:
        return conn.execute(
            text(f"SELECT count(*) FROM warehouse.{media.dim} WHERE details_status = 'pending'")
        ).scalar_one()


# --- loading the tail's details ---------------------------------------------------------------

# In the daily run's order: the dimensions the details name (loaded before dim_movie), then the
# bridges (after it: they replace the sets of movies whose latest state is the day's).
TAIL_TABLES = (
    "dim_collection",
    "dim_genre",
    "dim_company",
    "dim_country",
    "dim_language",
    "dim_person",
    "dim_keyword",
    "dim_watch_provider",
    "bridge_movie_genre",
    "bridge_movie_company",
    "bridge_movie_country",
    "bridge_movie_language",
    "bridge_movie_cast",
    "bridge_movie_crew",
    "bridge_movie_keyword",
    "bridge_movie_release",
    "fact_watch_observation",
    "fact_watch_availability",
)


def read_tail_day(conn: Any, day: dt.date, capture: CaptureInfo) -> DayData:
    """The tail capture's details as a DayData of details alone (no discover items)."""
    data = DayData(day, None, [], [], 0)
    rows = conn.execute(
        text(
            "SELECT movie_id, http_status, payload, body, fetched_at FROM raw.movie_details "
            "WHERE capture_id = :c ORDER BY movie_id"
        ),
        {"c": capture.capture_id},
        execution_options={"stream_results": True, "yield_per": 500},
    )
    for movie_id, status, payload, body, fetched_at in rows:
        data.fetched_at[movie_id] = fetched_at
        data.details_day[movie_id] = day
        if status == 404:
            data.details_status[movie_id] = "not_found"
        else:
            apply_details(data, movie_id, parse_details(movie_id, payload, body))
    return data


def load_tail_day(warehouse: Warehouse, day: dt.date, logger: Any = log) -> dict[str, Any]:
    """The day's tail details into dim_movie, the dimensions and the bridges (one transaction;
    a rerun gives the same rows). A day without a tail capture loads nothing."""

    def load() -> dict[str, Any]:
        with warehouse.begin() as conn, gc_paused():
            capture = current_capture(conn, TAIL, day)
            if capture is None:
                return {"rows": 0, "movies": 0, "tail_capture": "none"}
            data = read_tail_day(conn, day, capture)
            out: dict[str, Any] = {"tail_capture_version": capture.version}
            for name in TAIL_TABLES[:5]:
                table = TABLES[name]
                out[name] = _inserted(table.load(conn, table, data))
            movie = TABLES["dim_movie"]
            lock_day(conn, "dim_movie", day)
            result = upsert(
                conn,
                movie.qualified,
                movie.columns,
                tail_movie_rows(data),
                movie.key,
                guard=movie.guard,
                merge=dict(movie.merge),
                unless=movie.guard_unless,
            )
            without = [(m, s) for m, s in data.details_status.items() if m not in data.details]
            flagged = _flag_without_details(conn, day, data, without)
            record_rejected(conn, day, data.rejected)
            for name in TAIL_TABLES[5:]:
                table = TABLES[name]
                out[name] = _inserted(table.load(conn, table, data))
            out.update(
                rows=len(data.details_status),
                movies=len(data.details_status),
                details_ok=len(data.details),
                details_not_found=sum(1 for _, s in without if s == "not_found"),
                details_invalid=sum(1 for _, s in without if s == "invalid"),
                dim_movie_inserted=result.inserted,
                dim_movie_updated=result.updated + flagged,
                quarantined=len(data.rejected),
            )
            return out

    return with_reconnect(load, logger=logger, what=f"catalogue_movie_details {day}")


def _inserted(result: Any) -> int:
    return int(result["inserted"] if isinstance(result, dict) else result.inserted)


def _flag_without_details(
    conn: Any, day: dt.date, data: DayData, movies: list[tuple[int, str]]
) -> int:
    """Movies whose details are gone (404) or unreadable keep what dim_movie knows, flagged by
    details_status (a row last set from a later day is left alone)."""
    if not movies:
        return 0
    return conn.execute(
        text(
            "UPDATE warehouse.dim_movie t SET details_status = s.status, "
            "details_fetched_at = s.fetched_at, source_date = :day "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:statuses AS text[]), "
            "CAST(:fetched AS timestamptz[])) AS s(movie_id, status, fetched_at) "
            "WHERE t.movie_id = s.movie_id "
            "AND (t.source_date <= :day OR t.details_status = 'pending')"
        ),
        {
            "day": day,
            "ids": [m for m, _ in movies],
            "statuses": [s for _, s in movies],
            "fetched": [data.fetched_at.get(m) for m, _ in movies],
        },
    ).rowcount
