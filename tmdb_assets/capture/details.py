"""The raw layer: validated, versioned captures of TMDb responses per partition date.

No database transaction is open while TMDb is asked anything. A discover capture is fetched
whole, validated (every page complete; see transform.discover_problems) and written in one short
transaction. A details capture is planned, then fetched outside any transaction and written as
it arrives into a version that is not yet current, then made current in one short transaction:
a run that dies part-way leaves that version pending, and the next run resumes it, asking TMDb
only for what is missing. Once current, a capture is never overwritten: materialising the
partition again reuses it (unless it fails validation, or a recapture is asked for), and a
recapture adds a new version beside the old one.
"""

import datetime as dt
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, text

from tmdb_assets.capture.lifecycle import (
    PendingCapture,
    completed_meanwhile,
    make_current,
    open_or_resume,
    open_version,
)
from tmdb_assets.capture.read import (
    DETAILS,
    DISCOVER,
    CaptureInfo,
    capture_problems,
    current_capture,
    discover_pages,
    follows,
    last_fetches,
    require_capture,
)
from tmdb_assets.db.bulk import copy_into, stage
from tmdb_assets.db.queries import query
from tmdb_assets.db.warehouse import Warehouse, lock_day, with_reconnect
from tmdb_assets.settings import get_settings
from tmdb_assets.tmdb.client import TMDbClient
from tmdb_assets.transform.days import end_of_day, is_late
from tmdb_assets.transform.discover import discover_items

log = logging.getLogger(__name__)

# Fetched details are written every TMDB_DETAILS_WRITE_BATCH rows (default 200) or
# DETAILS_FLUSH_S seconds, whichever comes first: a run killed part-way loses at most that much.
DETAILS_FLUSH_S = 2.0
# Appended to every details request: the credits come in the same response (no request added).
DETAILS_APPEND = ("credits",)


class LateCaptureError(RuntimeError):
    """Capturing the day now would record today's TMDb as that day's, and it was not asked for."""


# --- discover ---------------------------------------------------------------------------------


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
) -> CaptureInfo:
    """Capture `pages` discover pages plus the reference lists for `day`, or reuse the capture.

    TMDb serves only its current state: a capture taken more than `grace_hours` after the day
    ended records today's TMDb as that day's (a late capture). It is made only when
    `allow_late` says so; otherwise LateCaptureError says what it would record and how to allow
    it (one request spent: TMDb's own clock, its Date header, decides what "now" is).

    A stored capture that fails validation (pages missing or short: kept by a version of this
    pipeline that did not validate) is not reused: it is captured again as a new version, and
    the incomplete one is kept as an earlier version.
    """
    with warehouse.begin() as conn:
        existing = current_capture(conn, DISCOVER, day)
        # Validated only when it would be reused: a recapture replaces it anyway.
        problems = capture_problems(conn, existing) if existing and not recapture else []
    if existing and not recapture:
        if not problems:
            existing.reused = True
            logger.info(f"{DISCOVER} {day}: reusing capture v{existing.version} (recapture=false)")
            return existing
        logger.warning(
            f"{DISCOVER} {day}: the current capture v{existing.version} is incomplete "
            f"({'; '.join(problems[:3])}); capturing the day again (v{existing.version} is kept "
            "as an earlier version)"
        )
        recapture = True
    start_requests = client.stats.requests
    # Fetch and validate everything before writing: an incomplete list never becomes current.
    genres = client.genre_list(params.get("language"))
    if is_late(day, genres.date, grace_hours) and not allow_late:
        age_days = (genres.date - end_of_day(day)).total_seconds() / 86400
        raise LateCaptureError(
            f"{DISCOVER} {day} "
            + (
                "holds an incomplete capture"
                if problems
                else "is to be captured again"
                if existing
                else "was never captured"
            )
            + f", and the day ended {age_days:.1f} days ago (TMDb's clock: "
            f"{genres.date:%Y-%m-%d %H:%M} UTC), more than late_grace_hours={grace_hours:g}. "
            f"Capturing it now would record TMDb's state of {genres.date:%Y-%m-%d} as {day}'s, "
            "flagged late_capture (TMDb has no history). To do that on purpose, set "
            "allow_late_capture: true in the run config of the raw assets (tmdb-assets run "
            "--allow-late-capture, or TMDB_ALLOW_LATE_CAPTURE=1); nothing was written."
        )
    references = {
        "genres": genres,
        "countries": client.countries(),
        "languages": client.languages(),
    }
    fetched = client.discover(pages, params)
    logger.info(f"{DISCOVER} {day}: {len(fetched)} pages fetched and complete")
    captured_at = min(r.date for r in fetched) if fetched else references["genres"].date
    items, rejected, duplicates = discover_items((r.params["page"], r.data) for r in fetched)
    stats = {
        "pages_requested": pages,
        "pages_captured": len(fetched),
        "total_pages": fetched[0].data.get("total_pages") if fetched else 0,
        "total_results": fetched[0].data.get("total_results") if fetched else 0,
        "results": sum(len(r.data["results"]) for r in fetched),
        "movies": len(items),
        "duplicates": duplicates,
        "rejected_items": sum(1 for r in rejected if r.field is None),
        "quarantined_fields": sum(1 for r in rejected if r.field is not None),
        "requests": client.stats.requests - start_requests,
        "short_pages_refetched": client.stats.short_pages,
        "healed_incomplete_version": existing.version if existing and problems else None,
    }

    def write() -> CaptureInfo:
        with warehouse.begin() as conn:
            lock_day(conn, DISCOVER, day)
            done = None if recapture else completed_meanwhile(conn, DISCOVER, day, lambda c: True)
            if done is not None:
                logger.info(f"{DISCOVER} {day}: another run captured it meanwhile; reusing it")
                return done
            pending = open_version(conn, DISCOVER, day, {**params, "pages": pages})
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
            return make_current(conn, DISCOVER, day, pending, captured_at, grace_hours, stats)

    # The write is one transaction: a connection lost during it commits nothing, so it is
    # simply tried again (the pages are still in memory: no request is repeated).
    info = with_reconnect(write, logger=logger, what=f"{DISCOVER} {day}: writing the capture")
    if not info.reused:
        logger.info(
            f"{DISCOVER} {day}: captured v{info.version}: {len(fetched)} pages, {len(items)} "
            f"movies{' (LATE capture)' if info.late_capture else ''}"
        )
    return info


# --- details ----------------------------------------------------------------------------------


def changes_by_day(
    warehouse: Warehouse, client: TMDbClient, days: Iterable[dt.date]
) -> dict[dt.date, set[int]]:
    """Ids TMDb lists as changed on each day; each day is asked of TMDb once and stored."""
    days = sorted(set(days))
    out: dict[dt.date, set[int]] = {}
    if not days:
        return out
    with warehouse.begin() as conn:
        for d, ids in conn.execute(
            text("SELECT day, movie_ids FROM raw.changes_day WHERE day = ANY(:ds)"), {"ds": days}
        ).all():
            out[d] = set(ids)
    for d in days:
        if d in out:
            continue
        # [d, d+1]: TMDb's window is 24 hours from start_date; a superset is safe.
        ids = set(client.iter_changes(d, d + dt.timedelta(days=1)))
        out[d] = ids
        with warehouse.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO raw.changes_day (day, movie_ids, fetched_at) VALUES (:d, :ids, now()) "
                    "ON CONFLICT (day) DO NOTHING"
                ),
                {"d": d, "ids": sorted(ids)},
            )
    return out


def days_after(since: dt.date, until: dt.date) -> list[dt.date]:
    """The days after `since`, up to and including `until`: those whose change lists say
    whether a movie fetched on `since` changed by `until`."""
    return [since + dt.timedelta(days=k) for k in range(1, (until - since).days + 1)]


def changed_since(
    movie_id: int, since: dt.date, until: dt.date, changes: dict[dt.date, set[int]]
) -> bool:
    return any(movie_id in changes.get(d, ()) for d in days_after(since, until))


def plan_details(
    day: dt.date,
    discovered: list[int],
    last_fetch: dict[int, dt.date],
    changes: dict[dt.date, set[int]],
    max_age_days: int,
) -> dict[int, str]:
    """Which movies need /movie/{id} on `day`, and why: new, stale or changed (others reuse)."""
    plan: dict[int, str] = {}
    for movie_id in discovered:
        last = last_fetch.get(movie_id)
        if last is None:
            plan[movie_id] = "new"
        elif (day - last).days >= max_age_days:
            plan[movie_id] = "stale"
        elif changed_since(movie_id, last, day, changes):
            plan[movie_id] = "changed"
    return plan


@dataclass
class DetailsPlan:
    """What a details capture of one day is to hold, decided before any details request."""

    day: dt.date
    discover: CaptureInfo
    discovered: list[int]
    reasons: dict[int, str]  # movie -> why it is fetched (new, changed, stale); others reuse
    change_days_checked: int
    # A late capture: movies whose stored details, fetched on a later partition, are current
    # (younger than the max age, not changed since): movie -> the capture holding them. Copied
    # into this capture instead of asked again.
    copies: dict[int, int] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return reason_counts(self.reasons)


def reason_counts(reasons: dict[int, str]) -> dict[str, int]:
    """How many movies are fetched for each reason (new, changed, stale)."""
    out: dict[str, int] = {}
    for reason in reasons.values():
        out[reason] = out.get(reason, 0) + 1
    return out


def plan_capture(
    warehouse: Warehouse, client: TMDbClient, day: dt.date, discover: CaptureInfo, max_age_days: int
) -> DetailsPlan:
    """Which of the day's discovered movies need /movie/{id}. Reads raw in short transactions;
    the day's change lists are asked of TMDb (once per day, stored) outside them."""
    with warehouse.begin() as conn:
        items, _, _ = discover_items(discover_pages(conn, discover))
        discovered = [i.movie_id for i in items]
        last = last_fetches(conn, day, discovered)
    change_days = {
        d
        for m in discovered
        if m in last and (day - last[m]).days < max_age_days
        for d in days_after(last[m], day)
    }
    changes = changes_by_day(warehouse, client, change_days)
    plan = DetailsPlan(
        day,
        discover,
        discovered,
        plan_details(day, discovered, last, changes, max_age_days),
        len(change_days),
    )
    if discover.late_capture and discover.captured_at is not None:
        _reuse_current_details(warehouse, client, plan, max_age_days)
    return plan


def _reuse_current_details(
    warehouse: Warehouse, client: TMDbClient, plan: DetailsPlan, max_age_days: int
) -> None:
    """A late capture records TMDb as it is now: details stored from a later partition are as
    current as a new request would be, unless older than the max age or changed since (per
    /movie/changes, asked once per day and stored). Those are copied, not asked again."""
    assert plan.discover.captured_at is not None
    # The partition whose end state TMDb serves now: the last day that ended before capture.
    today = (plan.discover.captured_at - dt.timedelta(days=1)).date()
    wanted = [m for m in plan.reasons if plan.reasons[m] in ("new", "stale")]
    if not wanted:
        return
    with warehouse.begin() as conn:
        rows = conn.execute(
            query("details_after"), {"a": DETAILS, "d": plan.day, "ids": wanted}
        ).all()
    fresh = [(m, c, p) for m, c, p in rows if (today - p).days < max_age_days]
    days = {d for _, _, p in fresh for d in days_after(p, today)}
    changes = changes_by_day(warehouse, client, days)
    plan.change_days_checked += len(days)
    for movie_id, capture_id, fetched_on in fresh:
        if not changed_since(movie_id, fetched_on, today, changes):
            plan.copies[movie_id] = capture_id
            del plan.reasons[movie_id]


def copy_current_details(warehouse: Warehouse, capture_id: int, plan: DetailsPlan) -> None:
    """Copy the plan's current stored details into the capture (idempotent)."""
    if not plan.copies:
        return

    def write() -> None:
        with warehouse.begin() as conn:
            conn.execute(
                query("details_copy"),
                {
                    "c": capture_id,
                    "keys": orjson.dumps(
                        [{"c": c, "m": m} for m, c in plan.copies.items()]
                    ).decode(),
                },
            )

    with_reconnect(write, what=f"{DETAILS} {plan.day}: copying current details")


def open_details_capture(
    warehouse: Warehouse, plan: DetailsPlan, params: dict[str, Any], recapture: bool
) -> CaptureInfo | PendingCapture:
    """The version this run writes into: a pending one left by a failed run for the same
    discover capture (resumed), or a new one; or the current capture when another run
    completed one for the same discover capture meanwhile."""
    day, discover_id = plan.day, plan.discover.capture_id
    with warehouse.begin() as conn:
        lock_day(conn, DETAILS, day)
        if not recapture:
            done = completed_meanwhile(conn, DETAILS, day, lambda c: follows(c, discover_id))
            if done is not None:
                return done
        return open_or_resume(
            conn,
            DETAILS,
            day,
            {**params, "discover_capture_id": discover_id},
            current=current_capture(conn, DETAILS, day),
            discover_capture_id=discover_id,
        )


def persist_details(
    warehouse: Warehouse, capture_id: int, rows: list[tuple[Any, ...]], logger: Any = log
) -> None:
    """Write fetched details into a pending capture, in a short transaction of its own.
    Idempotent (two runs resuming one capture, or a retry after a lost connection)."""

    def write() -> None:
        with warehouse.begin() as conn:
            stage(conn, "stg_movie_details", "raw.movie_details", _DETAIL_COLUMNS, rows)
            cols = ", ".join(_DETAIL_COLUMNS)
            conn.execute(
                text(
                    f"INSERT INTO raw.movie_details ({cols}) SELECT {cols} FROM stg_movie_details "
                    "ON CONFLICT (capture_id, movie_id) DO NOTHING"
                )
            )

    with_reconnect(write, logger=logger, what=f"{DETAILS}: writing {len(rows)} fetched details")


def fetch_details_into(
    warehouse: Warehouse,
    client: TMDbClient,
    capture_id: int,
    plan: DetailsPlan,
    todo: list[int],
    logger: Any = log,
) -> None:
    """Fetch `todo` outside any transaction, persisting as responses arrive."""
    batch: list[tuple[Any, ...]] = []
    batch_size = get_settings().details_write_batch
    flushed = time.monotonic()
    logged = 0
    for n, (movie_id, resp) in enumerate(client.fetch_details(todo, DETAILS_APPEND), start=1):
        batch.append(
            (
                capture_id,
                movie_id,
                resp.status,
                resp.date,
                plan.reasons[movie_id],
                resp.data,
                resp.body,
            )
        )
        if resp.invalid:
            logger.warning(
                f"{DETAILS} {plan.day}: movie {movie_id}: the body stayed unreadable after the "
                "retries; kept as received, the movie is quarantined"
            )
        if len(batch) >= batch_size or time.monotonic() - flushed >= DETAILS_FLUSH_S:
            persist_details(warehouse, capture_id, batch, logger)
            batch, flushed = [], time.monotonic()
            if n - logged >= 1000:  # progress every 1,000 movies, not every write
                logger.info(f"{DETAILS} {plan.day}: {n}/{len(todo)} fetched and written")
                logged = n
    if batch:
        persist_details(warehouse, capture_id, batch, logger)


def held_details(
    conn: Connection, what: str, pending: PendingCapture, planned: Iterable[int]
) -> tuple[list[Any], int, int]:
    """A pending details capture's rows (movie_id, http_status, unreadable, fetched_at), checked
    to hold every planned movie, and how many are 404s and unreadable bodies."""
    rows = conn.execute(
        text(
            "SELECT movie_id, http_status, payload IS NULL AND body IS NOT NULL, "
            "fetched_at FROM raw.movie_details WHERE capture_id = :c"
        ),
        {"c": pending.capture_id},
    ).all()
    held = {r[0] for r in rows}
    missing = [m for m in planned if m not in held]
    if missing:
        raise RuntimeError(
            f"{what}: capture v{pending.version} lacks {len(missing)} planned movies "
            f"(e.g. {missing[:5]}); rerun to fetch them"
        )
    not_found = sum(1 for r in rows if r[1] == 404)
    invalid = sum(1 for r in rows if r[2])
    return list(rows), not_found, invalid


def make_details_current(
    warehouse: Warehouse,
    plan: DetailsPlan,
    pending: PendingCapture,
    *,
    grace_hours: float,
    recapture: bool,
    run_stats: dict[str, Any],
) -> CaptureInfo:
    """Validate the pending capture (every planned movie has its row) and make it current, in
    one short transaction. When another run made a capture of the same discover capture
    current meanwhile, that one stays and this version is closed as superseded."""
    day = plan.day

    def close() -> CaptureInfo:
        with warehouse.begin() as conn:
            lock_day(conn, DETAILS, day)
            current = current_capture(conn, DETAILS, day)
            if current and not recapture and follows(current, plan.discover.capture_id):
                conn.execute(
                    text(
                        "UPDATE raw.capture SET completed_at = now(), stats = CAST(:s AS jsonb) "
                        "WHERE capture_id = :c AND completed_at IS NULL"
                    ),
                    {
                        "c": pending.capture_id,
                        "s": json.dumps({"superseded_by": current.capture_id}),
                    },
                )
                current.reused = True
                return current
            rows, not_found, invalid = held_details(
                conn, f"{DETAILS} {day}", pending, [*plan.reasons, *plan.copies]
            )
            copied = len(plan.copies)
            earliest = min((r[3] for r in rows), default=None)
            captured_at = earliest or plan.discover.captured_at or dt.datetime.now(dt.UTC)
            stats = {
                "discover_capture_id": plan.discover.capture_id,
                "discovered": len(plan.discovered),
                "fetched": len(rows) - not_found - invalid - copied,
                "not_found": not_found,
                "invalid": invalid,
                "reused": len(plan.discovered) - len(plan.reasons) - len(plan.copies),
                "current_copied": len(plan.copies),
                "reasons": plan.counts,
                "change_days_checked": plan.change_days_checked,
                **run_stats,
            }
            return make_current(conn, DETAILS, day, pending, captured_at, grace_hours, stats)

    return with_reconnect(close, what=f"{DETAILS} {day}: making the capture current")


def capture_details(
    warehouse: Warehouse,
    client: TMDbClient,
    day: dt.date,
    *,
    max_age_days: int,
    grace_hours: float,
    recapture: bool = False,
    logger: Any = log,
) -> CaptureInfo:
    """Details of the day's discovered movies that are new, changed or stale: plan, fetch and
    persist (resuming what a failed run left), make current."""
    with warehouse.begin() as conn:
        existing = current_capture(conn, DETAILS, day)
        discover_info = require_capture(conn, DISCOVER, day)
    if existing and not recapture:
        if follows(existing, discover_info.capture_id):
            existing.reused = True
            logger.info(f"{DETAILS} {day}: reusing capture v{existing.version} (recapture=false)")
            return existing
        logger.info(f"{DETAILS} {day}: the discover capture changed; capturing details again")
    start_requests = client.stats.requests
    plan = plan_capture(warehouse, client, day, discover_info, max_age_days)
    opened = open_details_capture(warehouse, plan, {"max_age_days": max_age_days}, recapture)
    if isinstance(opened, CaptureInfo):
        logger.info(f"{DETAILS} {day}: another run captured it meanwhile; reusing it")
        return opened
    have = opened.held
    todo = [m for m in plan.reasons if m not in have]
    logger.info(
        f"{DETAILS} {day}: {len(plan.discovered)} discovered, {len(plan.reasons)} to fetch "
        f"({plan.counts or 'none'}), reusing {len(plan.discovered) - len(plan.reasons)}"
        + (
            f"; resuming v{opened.version}: {len(have)} already fetched, {len(todo)} left"
            if have
            else ""
        )
    )
    copy_current_details(warehouse, opened.capture_id, plan)
    fetch_details_into(warehouse, client, opened.capture_id, plan, todo, logger)
    return make_details_current(
        warehouse,
        plan,
        opened,
        grace_hours=grace_hours,
        recapture=recapture,
        run_stats={
            "resumed": len(have),
            "requests": client.stats.requests - start_requests,
        },
    )


_DETAIL_COLUMNS = [
    "capture_id", "movie_id", "http_status", "fetched_at", "fetch_reason", "payload", "body",
]  # fmt: skip
