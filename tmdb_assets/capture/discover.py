"""The discover capture: a day's pages fetched whole, validated (every page complete; see
transform/discover.discover_problems) and written in one short transaction, never while TMDb is
being asked. Once current it is reused unless it fails validation or a recapture is asked for;
a recapture adds a version beside the old one. A day that ended long ago is captured only when
asked (a late capture: TMDb's state now, flagged)."""

import datetime as dt
import logging
from typing import Any

from tmdb_assets.capture.lifecycle import (
    completed_meanwhile,
    make_current,
    open_version,
)
from tmdb_assets.capture.read import (
    CaptureInfo,
    capture_problems,
    current_capture,
)
from tmdb_assets.db.bulk import copy_into
from tmdb_assets.db.warehouse import Warehouse, lock_day, with_reconnect
from tmdb_assets.tmdb.client import TMDbClient
from tmdb_assets.transform.days import end_of_day, is_late
from tmdb_assets.transform.discover import discover_items
from tmdb_assets.transform.media import MOVIE, Media

log = logging.getLogger(__name__)


class LateCaptureError(RuntimeError):
    """Capturing the day now would record today's TMDb as that day's, and it was not asked for."""


def late_capture_error(
    asset: str, day: dt.date, state: str, now: dt.datetime, grace_hours: float, what: str
) -> LateCaptureError:
    """What a refused late capture says: the partition's `state`, how late it is by TMDb's
    clock (`now`), that `what` of TMDb now would be recorded as the day's, and how to allow it."""
    age_days = (now - end_of_day(day)).total_seconds() / 86400
    return LateCaptureError(
        f"{asset} {day} {state}, and the day ended {age_days:.1f} days ago (TMDb's clock: "
        f"{now:%Y-%m-%d %H:%M} UTC), more than late_grace_hours={grace_hours:g}. "
        f"Capturing it now would record TMDb's {what} of {now:%Y-%m-%d} as {day}'s, flagged "
        "late_capture (TMDb has no history). To do that on purpose, set allow_late_capture: "
        "true in the run config of the raw assets (tmdb-assets run --allow-late-capture, or "
        "TMDB_ALLOW_LATE_CAPTURE=1); nothing was written."
    )


def capture_discover(
    warehouse: Warehouse,
    client: TMDbClient,
    day: dt.date,
    *,
    pages: int,
    params: dict[str, Any],
    grace_hours: float,
    recapture: bool = False,
    allow_late: bool = False,
    logger: Any = log,
    media: Media = MOVIE,
) -> CaptureInfo:
    """Capture `pages` discover pages (of movies, or of series: `media`) plus the reference
    lists for `day`, or reuse the capture.

    TMDb serves only its current state: a capture taken more than `grace_hours` after the day
    ended records today's TMDb as that day's (a late capture). It is made only when
    `allow_late` says so; otherwise LateCaptureError says what it would record and how to allow
    it (one request spent: TMDb's own clock, its Date header, decides what "now" is).

    A stored capture that fails validation (pages missing or short: kept by a version of this
    pipeline that did not validate) is not reused: it is captured again as a new version, and
    the incomplete one is kept as an earlier version.
    """
    asset = media.discover_asset
    with warehouse.begin() as conn:
        existing = current_capture(conn, asset, day)
        # Validated only when it would be reused: a recapture replaces it anyway.
        problems = capture_problems(conn, existing) if existing and not recapture else []
    if existing and not recapture:
        if not problems:
            existing.reused = True
            logger.info(f"{asset} {day}: reusing capture v{existing.version} (recapture=false)")
            return existing
        logger.warning(
            f"{asset} {day}: the current capture v{existing.version} is incomplete "
            f"({'; '.join(problems[:3])}); capturing the day again (v{existing.version} is kept "
            "as an earlier version)"
        )
        recapture = True
    start_requests = client.stats.requests
    # Fetch and validate everything before writing: an incomplete list never becomes current.
    genres = client.genre_list(params.get("language"), media)
    if is_late(day, genres.date, grace_hours) and not allow_late:
        state = (
            "holds an incomplete capture"
            if problems
            else "is to be captured again"
            if existing
            else "was never captured"
        )
        raise late_capture_error(asset, day, state, genres.date, grace_hours, "state")
    others = {"countries": client.countries, "languages": client.languages}
    references = {name: genres if name == "genres" else others[name]() for name in media.references}
    fetched = client.discover(pages, params, media=media)
    logger.info(f"{asset} {day}: {len(fetched)} pages fetched and complete")
    captured_at = min(r.date for r in fetched) if fetched else references["genres"].date
    items, rejected, duplicates = discover_items(
        ((r.params["page"], r.data) for r in fetched), media
    )
    stats = {
        "pages_requested": pages,
        "pages_captured": len(fetched),
        "total_pages": fetched[0].data.get("total_pages") if fetched else 0,
        "total_results": fetched[0].data.get("total_results") if fetched else 0,
        "results": sum(len(r.data["results"]) for r in fetched),
        media.noun: len(items),
        "duplicates": duplicates,
        "rejected_items": sum(1 for r in rejected if r.field is None),
        "quarantined_fields": sum(1 for r in rejected if r.field is not None),
        "requests": client.stats.requests - start_requests,
        "short_pages_refetched": client.stats.short_pages,
        "healed_incomplete_version": existing.version if existing and problems else None,
    }

    def write() -> CaptureInfo:
        with warehouse.begin() as conn:
            lock_day(conn, asset, day)
            done = None if recapture else completed_meanwhile(conn, asset, day, lambda c: True)
            if done is not None:
                logger.info(f"{asset} {day}: another run captured it meanwhile; reusing it")
                return done
            pending = open_version(conn, asset, day, {**params, "pages": pages})
            capture_id = pending.capture_id
            copy_into(
                conn,
                "raw.discover_page",
                ["capture_id", "page", "captured_at", "request_params", "payload"],
                ((capture_id, r.params["page"], r.date, r.params, r.data) for r in fetched),
            )
            copy_into(
                conn,
                "raw.reference_list",
                ["capture_id", "list_name", "captured_at", "payload"],
                ((capture_id, name, r.date, r.data) for name, r in references.items()),
            )
            return make_current(conn, asset, day, pending, captured_at, grace_hours, stats)

    # The write is one transaction: a connection lost during it commits nothing, so it is
    # simply tried again (the pages are still in memory: no request is repeated).
    info = with_reconnect(write, logger=logger, what=f"{asset} {day}: writing the capture")
    if not info.reused:
        logger.info(
            f"{asset} {day}: captured v{info.version}: {len(fetched)} pages, {len(items)} "
            f"{media.noun}{' (LATE capture)' if info.late_capture else ''}"
        )
    return info
