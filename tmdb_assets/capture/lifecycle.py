"""One capture lifecycle for every raw asset: open (or resume) a pending version, persist into
it in batches, make it current.

A version is pending (`completed_at IS NULL`, not current) while it is being filled; nothing
reads it. Making it current is one short transaction that also retires the version before it.
Writers of one partition serialise on an advisory lock, so two runs racing on one day leave
one capture. Discover, the discover window's details, the long tail and the ID export all go
through these functions.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, text

from tmdb_assets.capture.abandoned import CaptureLease, sweep
from tmdb_assets.capture.read import CaptureInfo, current_capture
from tmdb_assets.db.queries import query
from tmdb_assets.db.warehouse import lock_day
from tmdb_assets.transform.days import is_late
from tmdb_assets.transform.media import MOVIE, Media


@dataclass(frozen=True)
class PendingCapture:
    """A version being filled: its id, its number, and the movies it already holds (resumed)."""

    capture_id: int
    version: int
    held: frozenset[int] = field(default_factory=frozenset)
    swept: dict[str, Any] = field(default_factory=dict)  # abandoned versions resumed, removed

    @property
    def resumed(self) -> bool:
        return bool(self.held)


def completed_meanwhile(
    conn: Connection, asset: str, day: dt.date, reusable: Callable[[CaptureInfo], bool]
) -> CaptureInfo | None:
    """The partition's current capture when `reusable` accepts it (another run completed it
    while this one was fetching); call under `lock_partition`."""
    done = current_capture(conn, asset, day)
    if done is not None and reusable(done):
        done.reused = True
        return done
    return None


def open_version(
    conn: Connection, asset: str, day: dt.date, params: dict[str, Any]
) -> PendingCapture:
    """A new pending version of the partition (the next number), under the partition's lock."""
    lock_day(conn, asset, day)
    version = conn.execute(
        text(
            "SELECT coalesce(max(version), 0) + 1 FROM raw.capture "
            "WHERE asset = :a AND partition_date = :d"
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
    return PendingCapture(capture_id, version)


def resume_pending(
    conn: Connection,
    asset: str,
    day: dt.date,
    *,
    after: int,
    discover_capture_id: int | None = None,
    lease: CaptureLease | None = None,
    media: Media = MOVIE,
) -> PendingCapture | None:
    """The newest version a failed run left pending, newer than capture `after` (never resume
    what is older than the current capture), with the movies (or series) it holds; for
    details captures, only one made for `discover_capture_id`. With `lease`, only one no live
    run is filling (taken under the lease)."""
    rows = conn.execute(
        query("pending_version"),
        {
            "a": asset,
            "d": day,
            "after": after,
            "dc": None if discover_capture_id is None else str(discover_capture_id),
        },
    ).all()
    row = next((r for r in rows if lease is None or lease.take(r[0])), None)
    if row is None:
        return None
    held = conn.execute(
        text(f"SELECT {media.id_column} FROM {media.details_table} WHERE capture_id = :c"),
        {"c": row[0]},
    ).scalars()
    return PendingCapture(row[0], row[1], frozenset(held))


def open_or_resume(
    conn: Connection,
    asset: str,
    day: dt.date,
    params: dict[str, Any],
    *,
    current: CaptureInfo | None,
    discover_capture_id: int | None = None,
    lease: CaptureLease | None = None,
    wanted: set[int] | None = None,
    media: Media = MOVIE,
) -> PendingCapture:
    """The pending version a failed run left (resumed: what it holds is not asked again), or
    a new one. With `lease` (held by this run while it fills the version), the partition's
    other abandoned versions are swept: their responses for movies in `wanted` move into this
    one (not asked again either), the rest is removed (abandoned.py)."""
    lock_day(conn, asset, day)
    after = current.capture_id if current else 0
    pending = resume_pending(
        conn,
        asset,
        day,
        after=after,
        discover_capture_id=discover_capture_id,
        lease=lease,
        media=media,
    )
    pending = pending or open_version(conn, asset, day, params)
    if lease is None:
        return pending
    lease.take(pending.capture_id)
    swept = sweep(conn, lease, asset, day, keep=pending.capture_id, wanted=wanted, media=media)
    return replace(pending, held=pending.held | swept.adopted, swept=swept.metadata())


def make_current(
    conn: Connection,
    asset: str,
    day: dt.date,
    pending: PendingCapture,
    captured_at: dt.datetime,
    grace_hours: float | None,
    stats: dict[str, Any],
) -> CaptureInfo:
    """Make a complete version the partition's current one (late-flagged when it is; never,
    with grace_hours None: a capture that holds the day's own state whenever it is taken)."""
    late = grace_hours is not None and is_late(day, captured_at, grace_hours)
    info = CaptureInfo(pending.capture_id, asset, day, pending.version, captured_at, late, stats)
    conn.execute(
        text(
            "UPDATE raw.capture SET is_current = false "
            "WHERE asset = :a AND partition_date = :d AND is_current"
        ),
        {"a": asset, "d": day},
    )
    conn.execute(
        text(
            "UPDATE raw.capture SET is_current = true, completed_at = now(), captured_at = :c, "
            "late_capture = :l, stats = CAST(:s AS jsonb) WHERE capture_id = :id"
        ),
        {
            "c": captured_at,
            "l": late,
            "s": json.dumps(stats, default=str),
            "id": pending.capture_id,
        },
    )
    return info
