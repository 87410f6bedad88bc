"""The long tail: dim_movie learns every movie of TMDb's daily ID export, and their details
arrive over time within a daily request budget.

- `learn_movies` (asset `catalogue_movies`): the day's export ids that dim_movie does not hold
  become rows with what the export says (id, original title, adult, video) and
  `details_status = 'pending'`; `source_date` is the first export day that listed the movie. A
  pending row takes any day's discover or details values (tables.py: the guard's exception).
- `capture_tail` (asset `raw_movie_tail_details`): up to TMDB_TAIL_DETAILS_PER_DAY (default
  2,000) `/movie/{id}` requests for movies of the day's export outside the discover window: the
  pending ones first (the newest learned, the most popular of those first), then the ones whose
  details are the oldest, once older than details_max_age_days. Stored in raw.movie_details
  under a capture of its own, with the same versioning, resume and late rules as the discover
  window's details (a day that ended more than late_grace_hours ago is skipped unless a late
  capture is asked for: its details would be today's).
- `load_tail_day` (asset `catalogue_movie_details`): the tail capture's details into dim_movie,
  the dimensions they name and the bridges, in one transaction, through the registry's loaders.

The discover window is untouched: its details plan reads only its own captures, so it keeps
asking for what it needs every day, and its rows replace an older tail row (SCD type 1).
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from tmdb_assets.capture.details import (
    _make_current,
    _open_capture,
    fetch_details_into,
    held_details,
    reason_counts,
)
from tmdb_assets.capture.export import EXPORT, ExportTitles, stored_chunks
from tmdb_assets.capture.read import (
    CaptureInfo,
    _apply_details,
    _parse_details,
    current_capture,
    gc_paused,
    require_capture,
)
from tmdb_assets.db.bulk import upsert
from tmdb_assets.db.queries import query
from tmdb_assets.db.warehouse import Warehouse, partition_lock, with_reconnect
from tmdb_assets.tmdb.client import TMDbClient
from tmdb_assets.transform.days import end_of_day, is_late
from tmdb_assets.transform.payloads import date_id
from tmdb_assets.transform.rows import DayData, tail_movie_rows
from tmdb_assets.warehouse.load import lock_day, record_rejected

log = logging.getLogger(__name__)

TAIL = "raw_movie_tail_details"
# Above this many new ids (a first day: the whole catalogue), every line is sent to PostgreSQL
# and filtered there, rather than held as a set in memory.
WANTED_SET_MAX = 100_000


# --- dim_movie learns the export's movies -----------------------------------------------------


def learn_movies(warehouse: Warehouse, day: dt.date, logger: Any = log) -> dict[str, Any]:
    """dim_movie rows (pending) for the day's export movies it does not hold, in one
    transaction. A pending row learned from a later day takes this day's values (a backfill
    run out of order converges on the first export day, as one run in order would)."""

    def learn() -> dict[str, Any]:
        with warehouse.begin() as conn, gc_paused():
            lock_day(conn, "catalogue_movies", day)
            capture = require_capture(conn, EXPORT, day)
            new = set(
                conn.execute(
                    query("catalogue_new_movies"),
                    {"d": date_id(day), "day": day, "cap": WANTED_SET_MAX + 1},
                ).scalars()
            )
            if not new:
                return {"rows": 0, "new_movies": 0, "inserted": 0, "relearned": 0}
            wanted = new if len(new) <= WANTED_SET_MAX else None
            conn.execute(
                text(
                    "CREATE TEMP TABLE stg_export_movie (movie_id integer, line integer, "
                    "original_title text, adult boolean, video boolean) ON COMMIT DROP"
                )
            )
            titles = ExportTitles(stored_chunks(conn.engine, capture.capture_id), wanted)
            cursor = conn.connection.driver_connection.cursor()
            cursor.copy_expert(
                "COPY stg_export_movie (movie_id, line, original_title, adult, video) FROM STDIN",
                titles,
                size=1 << 16,
            )
            inserted, relearned = conn.execute(
                query("catalogue_learn"), {"d": date_id(day), "day": day}
            ).one()
        return {
            "rows": int(inserted) + int(relearned),
            "new_movies": int(inserted),
            "inserted": int(inserted),
            "relearned": int(relearned),
            "lines_read": titles.rows,
        }

    result = with_reconnect(learn, logger=logger, what=f"catalogue_movies {day}")
    logger.info(
        f"catalogue_movies {day}: {result['inserted']:,} movies learned from the export "
        f"(pending details), {result['relearned']:,} re-dated to this earlier day"
    )
    return result


def pending_movies(warehouse: Warehouse) -> int:
    with warehouse.begin() as conn:
        return conn.execute(
            text("SELECT count(*) FROM warehouse.dim_movie WHERE details_status = 'pending'")
        ).scalar_one()


# --- the tail's details -----------------------------------------------------------------------


@dataclass
class TailPlan:
    """Which movies the day's tail capture asks details for, and why (new or stale)."""

    day: dt.date
    budget: int
    reasons: dict[int, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return reason_counts(self.reasons)


def plan_tail(warehouse: Warehouse, day: dt.date, budget: int, max_age_days: int) -> TailPlan:
    """Up to `budget` movies of the day's export: pending first (newest learned, then most
    popular that day), then those whose details are older than `max_age_days` (oldest first).
    Movies the discover list showed on the day or later keep the discover window's details."""
    plan = TailPlan(day, budget)
    if budget <= 0:
        return plan
    params = {"d": date_id(day), "day": day, "n": budget}
    with warehouse.begin() as conn:
        for movie_id in conn.execute(query("tail_plan_new"), params).scalars():
            plan.reasons[movie_id] = "new"
        left = budget - len(plan.reasons)
        if left > 0:
            cutoff = end_of_day(day) - dt.timedelta(days=max_age_days)
            for movie_id in conn.execute(
                query("tail_plan_stale"), {**params, "n": left, "cutoff": cutoff}
            ).scalars():
                plan.reasons[movie_id] = "stale"
    return plan


def capture_tail(
    warehouse: Warehouse,
    client: TMDbClient,
    day: dt.date,
    *,
    budget: int,
    max_age_days: int,
    grace_hours: float,
    recapture: bool = False,
    allow_late: bool = False,
    logger: Any = log,
) -> CaptureInfo | str:
    """Capture the day's tail details, or reuse the capture; a string says why nothing was
    captured (budget 0, a late day not asked for)."""
    with warehouse.begin() as conn:
        existing = current_capture(conn, TAIL, day)
        require_capture(conn, EXPORT, day)
    if existing and not recapture:
        existing.reused = True
        logger.info(f"{TAIL} {day}: reusing capture v{existing.version} (recapture=false)")
        return existing
    if budget <= 0:
        return "TMDB_TAIL_DETAILS_PER_DAY is 0: no tail details asked"
    start_requests = client.stats.requests
    # TMDb's own clock decides whether the day is over long enough to be late (one request).
    now = client.genre_list(None).date
    if is_late(day, now, grace_hours) and not allow_late:
        reason = (
            f"{day} ended {(now - end_of_day(day)).total_seconds() / 86400:.1f} days ago (more "
            f"than late_grace_hours={grace_hours:g}): its tail details would be today's, so none "
            "are asked (the day's export is still captured and loaded with its true values). "
            "allow_late_capture: true asks them anyway."
        )
        logger.info(f"{TAIL} {day}: skipped: {reason}")
        return reason
    plan = plan_tail(warehouse, day, budget, max_age_days)
    capture_id, version, have = _open_tail_capture(warehouse, plan, recapture)
    todo = [m for m in plan.reasons if m not in have]
    logger.info(
        f"{TAIL} {day}: {len(plan.reasons)} movies planned within the budget of {budget} "
        f"({plan.counts or 'none'})"
        + (f"; resuming v{version}: {len(have)} already fetched, {len(todo)} left" if have else "")
    )
    fetch_details_into(warehouse, client, capture_id, plan, todo, logger)  # type: ignore[arg-type]

    def close() -> CaptureInfo:
        with warehouse.begin() as conn:
            partition_lock(conn, f"{TAIL}:{day.isoformat()}")
            rows, not_found, invalid = held_details(
                conn, f"{TAIL} {day}", capture_id, version, plan.reasons
            )
            stats = {
                "budget": budget,
                "planned": len(plan.reasons),
                "reasons": plan.counts,
                "fetched": len(rows) - not_found - invalid,
                "not_found": not_found,
                "invalid": invalid,
                "resumed": len(have),
                "requests": client.stats.requests - start_requests,
            }
            captured_at = min((r[3] for r in rows), default=now)
            return _make_current(
                conn, TAIL, day, capture_id, version, captured_at, grace_hours, stats
            )

    info = with_reconnect(close, logger=logger, what=f"{TAIL} {day}: making the capture current")
    logger.info(
        f"{TAIL} {day}: captured v{info.version}: {info.stats['fetched']} details, "
        f"{info.stats['not_found']} not found, {info.stats['requests']} requests"
    )
    return info


def _open_tail_capture(
    warehouse: Warehouse, plan: TailPlan, recapture: bool
) -> tuple[int, int, set[int]]:
    """A pending version a failed run left (resumed: its fetched movies are not asked again),
    or a new one."""
    with warehouse.begin() as conn:
        partition_lock(conn, f"{TAIL}:{plan.day.isoformat()}")
        current = current_capture(conn, TAIL, plan.day)
        pending = conn.execute(
            text(
                "SELECT capture_id, version FROM raw.capture WHERE asset = :a "
                "AND partition_date = :d AND completed_at IS NULL AND capture_id > :after "
                "ORDER BY version DESC LIMIT 1"
            ),
            {"a": TAIL, "d": plan.day, "after": current.capture_id if current else 0},
        ).one_or_none()
        if pending is not None:
            have = conn.execute(
                text("SELECT movie_id FROM raw.movie_details WHERE capture_id = :c"),
                {"c": pending[0]},
            ).scalars()
            return pending[0], pending[1], set(have)
        opened = _open_capture(conn, TAIL, plan.day, {"budget": plan.budget}, None)
        assert not isinstance(opened, CaptureInfo)
        return opened[0], opened[1], set()


# --- loading the tail's details ---------------------------------------------------------------

# In the daily run's order: the dimensions the details name (loaded before dim_movie), then the
# bridges (after it: they replace the sets of movies whose latest state is the day's).
TAIL_TABLES = (
    "dim_genre",
    "dim_company",
    "dim_country",
    "dim_language",
    "dim_person",
    "bridge_movie_genre",
    "bridge_movie_company",
    "bridge_movie_country",
    "bridge_movie_language",
    "bridge_movie_cast",
    "bridge_movie_crew",
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
        if status == 404:
            data.details_status[movie_id] = "not_found"
        else:
            _apply_details(data, movie_id, _parse_details(movie_id, payload, body))
    return data


def load_tail_day(warehouse: Warehouse, day: dt.date, logger: Any = log) -> dict[str, Any]:
    """The day's tail details into dim_movie, the dimensions and the bridges (one transaction;
    a rerun gives the same rows). A day without a tail capture loads nothing."""
    from tmdb_assets.warehouse.tables import TABLES

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
