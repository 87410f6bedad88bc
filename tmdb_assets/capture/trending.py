"""The trending capture: TMDb's trending movies of the day and of the week
(/trending/movie/day and /trending/movie/week, a few pages each) at the day's end, like discover:
fetched whole and validated, then written in one short transaction, reused once current, a late
capture only when asked (TMDb serves only its current trending lists)."""

import datetime as dt
import logging
from typing import Any

from sqlalchemy import Connection, text

from tmdb_assets.capture.discover import late_capture_error
from tmdb_assets.capture.lifecycle import completed_meanwhile, make_current, open_version
from tmdb_assets.capture.read import CaptureInfo, current_capture
from tmdb_assets.db.bulk import copy_into
from tmdb_assets.db.warehouse import Warehouse, lock_day, with_reconnect
from tmdb_assets.tmdb.client import TMDbClient
from tmdb_assets.transform.days import is_late

log = logging.getLogger(__name__)

TRENDING = "raw_trending"
WINDOWS = ("day", "week")


def capture_trending(
    warehouse: Warehouse,
    client: TMDbClient,
    day: dt.date,
    *,
    pages: int,
    language: str | None,
    grace_hours: float,
    recapture: bool = False,
    allow_late: bool = False,
    logger: Any = log,
) -> CaptureInfo:
    """Capture `pages` pages of each trending list for `day`, or reuse the day's capture."""
    with warehouse.begin() as conn:
        existing = current_capture(conn, TRENDING, day)
    if existing and not recapture:
        existing.reused = True
        logger.info(f"{TRENDING} {day}: reusing capture v{existing.version} (recapture=false)")
        return existing
    start = client.stats.requests
    fetched = {w: client.trending(w, pages, language) for w in WINDOWS}
    captured_at = min(r.date for pages_ in fetched.values() for r in pages_)
    if is_late(day, captured_at, grace_hours) and not allow_late:
        state = "is to be captured again" if existing else "was never captured"
        raise late_capture_error(TRENDING, day, state, captured_at, grace_hours, "trending lists")
    stats: dict[str, Any] = {"pages_requested": pages, "requests": client.stats.requests - start}
    for window, responses in fetched.items():
        stats[f"{window}_pages"] = len(responses)
        stats[f"{window}_results"] = sum(len(r.data["results"]) for r in responses)
        stats[f"{window}_total_pages"] = responses[0].data.get("total_pages") if responses else 0

    def write() -> CaptureInfo:
        with warehouse.begin() as conn:
            lock_day(conn, TRENDING, day)
            done = None if recapture else completed_meanwhile(conn, TRENDING, day, lambda c: True)
            if done is not None:
                return done
            pending = open_version(conn, TRENDING, day, {"pages": pages, "language": language})
            copy_into(
                conn,
                "raw.trending_page",
                ["capture_id", "time_window", "page", "captured_at", "payload"],
                (
                    (pending.capture_id, window, r.params["page"], r.date, r.data)
                    for window, responses in fetched.items()
                    for r in responses
                ),
            )
            return make_current(conn, TRENDING, day, pending, captured_at, grace_hours, stats)

    info = with_reconnect(write, logger=logger, what=f"{TRENDING} {day}: writing the capture")
    if not info.reused:
        logger.info(
            f"{TRENDING} {day}: captured v{info.version}: "
            + ", ".join(f"{w} {stats[f'{w}_results']} movies" for w in WINDOWS)
            + (" (LATE capture)" if info.late_capture else "")
        )
    return info


def trending_pages(conn: Connection, capture_id: int) -> list[tuple[str, int, Any]]:
    """(window, page, payload) of a trending capture, in order."""
    rows = conn.execute(
        text(
            "SELECT time_window, page, payload FROM raw.trending_page WHERE capture_id = :c "
            "ORDER BY time_window, page"
        ),
        {"c": capture_id},
    ).all()
    return [tuple(r) for r in rows]
