"""The raw layer: atomic, versioned captures of TMDb responses per partition date.

A capture is written in one transaction (all pages or nothing) and, once complete, is never
overwritten: materialising the partition again reuses it unless a recapture is asked for, and
a recapture adds a new version beside the old one.
"""

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, text

from tmdb_assets.resources.tmdb import TMDbClient
from tmdb_assets.resources.warehouse import Warehouse, copy_into, partition_lock
from tmdb_assets.transform import discover_items

log = logging.getLogger(__name__)

DISCOVER = "raw_discover_pages"
DETAILS = "raw_movie_details"
DETAILS_BATCH = 500


class MissingRawDataError(RuntimeError):
    """A derived asset needs a raw partition that was never captured."""


@dataclass
class CaptureInfo:
    capture_id: int
    asset: str
    partition_date: dt.date
    version: int
    captured_at: dt.datetime | None
    late_capture: bool
    stats: dict[str, Any] = field(default_factory=dict)
    reused: bool = False


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), dt.UTC)


def is_late(day: dt.date, captured_at: dt.datetime, grace_hours: float) -> bool:
    """Captured after the day ended plus the grace period: the state is not that day's."""
    return captured_at > end_of_day(day) + dt.timedelta(hours=grace_hours)


def current_capture(conn: Connection, asset: str, day: dt.date) -> CaptureInfo | None:
    row = conn.execute(
        text(
            "SELECT capture_id, version, captured_at, late_capture, stats FROM raw.capture "
            "WHERE asset = :a AND partition_date = :d AND is_current"
        ),
        {"a": asset, "d": day},
    ).one_or_none()
    if row is None:
        return None
    return CaptureInfo(row[0], asset, day, row[1], row[2], row[3], dict(row[4] or {}))


def _open_capture(
    conn: Connection,
    asset: str,
    day: dt.date,
    params: dict[str, Any],
    reusable: Callable[[CaptureInfo], bool] | None = None,
) -> tuple[int, int] | CaptureInfo:
    """Insert a new (not yet current) capture version; returns (capture_id, version).

    Writers of one partition serialise on an advisory lock. When a capture that `reusable`
    accepts completed while this run was fetching (the schedule and a backfill racing on one
    day), that capture is returned instead, so the race leaves one capture, not two.
    """
    partition_lock(conn, f"{asset}:{day.isoformat()}")
    done = current_capture(conn, asset, day) if reusable else None
    if done is not None and reusable(done):
        done.reused = True
        return done
    version = conn.execute(
        text(
            "SELECT coalesce(max(version), 0) + 1 FROM raw.capture WHERE asset = :a AND partition_date = :d"
        ),
        {"a": asset, "d": day},
    ).scalar_one()
    capture_id = conn.execute(
        text(
            "INSERT INTO raw.capture (asset, partition_date, version, request_params) "
            "VALUES (:a, :d, :v, CAST(:p AS jsonb)) RETURNING capture_id"
        ),
        {"a": asset, "d": day, "v": version, "p": json.dumps(params)},
    ).scalar_one()
    return capture_id, version


def _close_capture(conn: Connection, info: CaptureInfo, stats: dict[str, Any]) -> None:
    conn.execute(
        text(
            "UPDATE raw.capture SET is_current = false "
            "WHERE asset = :a AND partition_date = :d AND is_current"
        ),
        {"a": info.asset, "d": info.partition_date},
    )
    conn.execute(
        text(
            "UPDATE raw.capture SET is_current = true, completed_at = now(), captured_at = :c, "
            "late_capture = :l, stats = CAST(:s AS jsonb) WHERE capture_id = :id"
        ),
        {
            "c": info.captured_at,
            "l": info.late_capture,
            "s": json.dumps(stats, default=str),
            "id": info.capture_id,
        },
    )


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
    logger: Any = log,
) -> CaptureInfo:
    """Capture `pages` discover pages plus the reference lists for `day`, or reuse the capture."""
    with warehouse.begin() as conn:
        existing = current_capture(conn, DISCOVER, day)
    if existing and not recapture:
        existing.reused = True
        logger.info(f"{DISCOVER} {day}: reusing capture v{existing.version} (recapture=false)")
        return existing
    start_requests = client.stats.requests
    # Fetch everything before writing: a failure part-way leaves the partition untouched.
    references = {
        "genres": client.genre_list(params.get("language")),
        "countries": client.countries(),
        "languages": client.languages(),
    }
    fetched = []
    for resp in client.iter_discover(pages, params):
        fetched.append(resp)
        if len(fetched) % 25 == 0:
            logger.info(f"{DISCOVER} {day}: {len(fetched)}/{pages} pages")
    captured_at = min(r.date for r in fetched) if fetched else references["genres"].date
    items, rejected, duplicates = discover_items((r.params["page"], r.data) for r in fetched)
    stats = {
        "pages_requested": pages,
        "pages_captured": len(fetched),
        "total_pages": fetched[0].data.get("total_pages") if fetched else 0,
        "total_results": fetched[0].data.get("total_results") if fetched else 0,
        "movies": len(items),
        "duplicates": duplicates,
        "rejected_items": len(rejected),
        "requests": client.stats.requests - start_requests,
    }
    with warehouse.begin() as conn:
        opened = _open_capture(
            conn, DISCOVER, day, {**params, "pages": pages}, None if recapture else lambda c: True
        )
        if isinstance(opened, CaptureInfo):
            logger.info(f"{DISCOVER} {day}: another run captured it meanwhile; reusing it")
            return opened
        capture_id, version = opened
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
        info = CaptureInfo(
            capture_id,
            DISCOVER,
            day,
            version,
            captured_at,
            is_late(day, captured_at, grace_hours),
            stats,
        )
        _close_capture(conn, info, stats)
    logger.info(
        f"{DISCOVER} {day}: captured v{version}: {len(fetched)} pages, {len(items)} movies"
        f"{' (LATE capture)' if info.late_capture else ''}"
    )
    return info


def require_capture(conn: Connection, asset: str, day: dt.date) -> CaptureInfo:
    info = current_capture(conn, asset, day)
    if info is None:
        raise MissingRawDataError(
            f"{asset} has no capture for {day}: materialize {asset} for partition "
            f"{day} first (a derived asset never calls TMDb)."
        )
    return info


def discover_pages(conn: Connection, info: CaptureInfo) -> list[tuple[int, Any]]:
    """(page number, payload) of a discover capture, in page order."""
    rows = conn.execute(
        text("SELECT page, payload FROM raw.discover_page WHERE capture_id = :c ORDER BY page"),
        {"c": info.capture_id},
    ).all()
    return [(r[0], r[1]) for r in rows]


def reference_lists(conn: Connection, capture_id: int) -> dict[str, Any]:
    rows = conn.execute(
        text("SELECT list_name, payload FROM raw.reference_list WHERE capture_id = :c"),
        {"c": capture_id},
    ).all()
    return {r[0]: r[1] for r in rows}


# --- details ----------------------------------------------------------------------------------


def last_fetches(conn: Connection, day: dt.date, movie_ids: list[int]) -> dict[int, dt.date]:
    """For each movie, the partition date of its latest details capture before `day`."""
    rows = conn.execute(
        text(
            "SELECT md.movie_id, max(c.partition_date) FROM raw.movie_details md "
            "JOIN raw.capture c ON c.capture_id = md.capture_id "
            "WHERE c.is_current AND c.asset = :a AND c.partition_date < :d "
            "AND md.movie_id = ANY(:ids) GROUP BY md.movie_id"
        ),
        {"a": DETAILS, "d": day, "ids": movie_ids},
    ).all()
    return {r[0]: r[1] for r in rows}


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
        elif any(
            movie_id in changes.get(last + dt.timedelta(days=k), ())
            for k in range(1, (day - last).days + 1)
        ):
            plan[movie_id] = "changed"
    return plan


def capture_details(
    warehouse: Warehouse,
    client: TMDbClient,
    day: dt.date,
    *,
    max_age_days: int,
    grace_hours: float,
    append: list[str] | None = None,
    recapture: bool = False,
    logger: Any = log,
) -> CaptureInfo:
    """Fetch details of the day's discovered movies that are new, changed or stale."""
    with warehouse.begin() as conn:
        existing = current_capture(conn, DETAILS, day)
        discover_info = require_capture(conn, DISCOVER, day)

        def follows_discover(capture: CaptureInfo) -> bool:
            # Details follow their discover capture: a recaptured discover gets new details.
            return capture.stats.get("discover_capture_id") == discover_info.capture_id

        if existing and not recapture:
            if follows_discover(existing):
                existing.reused = True
                logger.info(
                    f"{DETAILS} {day}: reusing capture v{existing.version} (recapture=false)"
                )
                return existing
            logger.info(f"{DETAILS} {day}: the discover capture changed; capturing details again")
        # The pages are read only when details are to be captured, not on every reuse.
        pages = discover_pages(conn, discover_info)
        items, _, _ = discover_items(pages)
        discovered = [i.movie_id for i in items]
        last = last_fetches(conn, day, discovered)
    start_requests = client.stats.requests
    change_days = {
        last[m] + dt.timedelta(days=k)
        for m in discovered
        if m in last and (day - last[m]).days < max_age_days
        for k in range(1, (day - last[m]).days + 1)
    }
    changes = changes_by_day(warehouse, client, change_days)
    plan = plan_details(day, discovered, last, changes, max_age_days)
    reasons: dict[str, int] = {}
    for reason in plan.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    logger.info(
        f"{DETAILS} {day}: {len(discovered)} discovered, fetching {len(plan)} "
        f"({reasons or 'none'}), reusing {len(discovered) - len(plan)}"
    )
    fetched = not_found = 0
    earliest: dt.datetime | None = None
    with warehouse.begin() as conn:
        opened = _open_capture(
            conn,
            DETAILS,
            day,
            {"max_age_days": max_age_days, "append": append or []},
            None if recapture else follows_discover,
        )
        if isinstance(opened, CaptureInfo):
            logger.info(f"{DETAILS} {day}: another run captured it meanwhile; reusing it")
            return opened
        capture_id, version = opened
        batch: list[tuple[Any, ...]] = []
        ids = list(plan)
        for n, (movie_id, resp) in enumerate(client.fetch_details(ids, append or []), start=1):
            when = resp.date if resp is not None else dt.datetime.now(dt.UTC)
            earliest = when if earliest is None or when < earliest else earliest
            if resp is None:
                not_found += 1
                batch.append((capture_id, movie_id, 404, when, plan[movie_id], None))
            else:
                fetched += 1
                batch.append((capture_id, movie_id, 200, when, plan[movie_id], resp.data))
            if len(batch) >= DETAILS_BATCH:
                copy_into(conn, "raw.movie_details", _DETAIL_COLUMNS, batch)
                batch = []
                logger.info(f"{DETAILS} {day}: {n}/{len(ids)} fetched")
        copy_into(conn, "raw.movie_details", _DETAIL_COLUMNS, batch)
        captured_at = earliest or discover_info.captured_at or dt.datetime.now(dt.UTC)
        stats = {
            "discover_capture_id": discover_info.capture_id,
            "discovered": len(discovered),
            "fetched": fetched,
            "not_found": not_found,
            "reused": len(discovered) - len(plan),
            "reasons": reasons,
            "change_days_checked": len(change_days),
            "requests": client.stats.requests - start_requests,
        }
        info = CaptureInfo(
            capture_id,
            DETAILS,
            day,
            version,
            captured_at,
            is_late(day, captured_at, grace_hours),
            stats,
        )
        _close_capture(conn, info, stats)
    return info


_DETAIL_COLUMNS = ["capture_id", "movie_id", "http_status", "fetched_at", "fetch_reason", "payload"]


def details_refs_as_of(
    conn: Connection, day: dt.date, movie_ids: list[int]
) -> list[tuple[int, int, int, dt.datetime]]:
    """Where each movie's latest details captured on or before `day` are:
    (movie id, capture id, HTTP status, fetched_at), without the payloads."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT ON (md.movie_id) md.movie_id, md.capture_id, md.http_status, "
            "md.fetched_at FROM raw.movie_details md "
            "JOIN raw.capture c ON c.capture_id = md.capture_id "
            "WHERE c.is_current AND c.asset = :a AND c.partition_date <= :d "
            "AND md.movie_id = ANY(:ids) "
            "ORDER BY md.movie_id, c.partition_date DESC"
        ),
        {"a": DETAILS, "d": day, "ids": movie_ids},
    ).all()
    return [tuple(r) for r in rows]


def details_payloads(
    conn: Connection, keys: list[tuple[int, int]]
) -> Iterator[tuple[int, int, Any]]:
    """(capture id, movie id, payload) of the given (capture id, movie id) details rows.

    Streamed from a server-side cursor: a 10,000-movie day never sits in memory as raw JSON.
    """
    if not keys:
        return
    # Per statement: Connection.execution_options() would switch the whole connection (and the
    # caller's later statements on it) to server-side cursors.
    result = conn.execute(
        text(
            "SELECT md.capture_id, md.movie_id, md.payload FROM raw.movie_details md "
            "JOIN jsonb_to_recordset(CAST(:keys AS jsonb)) AS k(c bigint, m integer) "
            "ON md.capture_id = k.c AND md.movie_id = k.m"
        ),
        {"keys": orjson.dumps([{"c": c, "m": m} for c, m in keys]).decode()},
        execution_options={"stream_results": True, "yield_per": 500},
    )
    for row in result:
        yield tuple(row)


def details_capture_signature(conn: Connection, day: dt.date) -> tuple[int, ...]:
    """Ids of the current details captures on or before `day` (changes when any is recaptured)."""
    rows = conn.execute(
        text(
            "SELECT capture_id FROM raw.capture WHERE asset = :a AND is_current "
            "AND partition_date <= :d ORDER BY capture_id"
        ),
        {"a": DETAILS, "d": day},
    ).all()
    return tuple(r[0] for r in rows)
