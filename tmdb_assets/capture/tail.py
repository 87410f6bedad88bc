"""The long tail's details (asset `raw_movie_tail_details`): up to TMDB_TAIL_DETAILS_PER_DAY
(default 2,000) `/movie/{id}` requests for movies of the day's export outside the discover
window: the pending ones first (the newest learned, the most popular of those first), then the
ones whose details are the oldest, once older than details_max_age_days. Stored in
raw.movie_details under a capture of its own, with the same versioning, resume and late rules as
the discover window's details (capture/lifecycle.py): a day that ended more than
late_grace_hours ago is skipped unless a late capture is asked for (its details would be
today's). The discover window is untouched: its plan reads only its own captures.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from tmdb_assets.capture.abandoned import CaptureLease, sweep_partition
from tmdb_assets.capture.details import fetch_details_into, held_details
from tmdb_assets.capture.export import EXPORT
from tmdb_assets.capture.lifecycle import make_current, open_or_resume
from tmdb_assets.capture.plan import reason_counts
from tmdb_assets.capture.read import CaptureInfo, current_capture, require_capture
from tmdb_assets.db.queries import query
from tmdb_assets.db.warehouse import Warehouse, lock_day, with_reconnect
from tmdb_assets.tmdb.client import TMDbClient
from tmdb_assets.transform.days import date_id, end_of_day, is_late

log = logging.getLogger(__name__)

TAIL = "raw_movie_tail_details"


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
        existing.stats = {**existing.stats, "abandoned": sweep_partition(warehouse, TAIL, day)}
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
    # The lease marks the version this run fills as in use (abandoned.py).
    with CaptureLease(warehouse) as lease:
        return _fill(
            warehouse, client, plan, lease, budget, now, grace_hours, start_requests, logger
        )


def _fill(warehouse, client, plan, lease, budget, now, grace_hours, start_requests, logger):
    """Open or resume the day's tail version, fetch what it lacks, make it current."""
    day = plan.day
    with warehouse.begin() as conn:
        pending = open_or_resume(
            conn,
            TAIL,
            day,
            {"budget": budget},
            current=current_capture(conn, TAIL, day),
            lease=lease,
            wanted=set(plan.reasons),
        )
    have = pending.held
    todo = [m for m in plan.reasons if m not in have]
    logger.info(
        f"{TAIL} {day}: {len(plan.reasons)} movies planned within the budget of {budget} "
        f"({plan.counts or 'none'})"
        + (
            f"; resuming v{pending.version}: {len(have)} already fetched, {len(todo)} left"
            if have
            else ""
        )
    )
    fetch_details_into(warehouse, client, pending.capture_id, plan, todo, logger)  # type: ignore[arg-type]

    def close() -> CaptureInfo:
        with warehouse.begin() as conn:
            lock_day(conn, TAIL, day)
            rows, not_found, invalid = held_details(conn, f"{TAIL} {day}", pending, plan.reasons)
            stats = {
                "budget": budget,
                "planned": len(plan.reasons),
                "reasons": plan.counts,
                "fetched": len(rows) - not_found - invalid,
                "not_found": not_found,
                "invalid": invalid,
                "resumed": len(have),
                "requests": client.stats.requests - start_requests,
                "abandoned": pending.swept,
            }
            captured_at = min((r[3] for r in rows), default=now)
            return make_current(conn, TAIL, day, pending, captured_at, grace_hours, stats)

    info = with_reconnect(close, logger=logger, what=f"{TAIL} {day}: making the capture current")
    logger.info(
        f"{TAIL} {day}: captured v{info.version}: {info.stats['fetched']} details, "
        f"{info.stats['not_found']} not found, {info.stats['requests']} requests"
    )
    return info
