"""A day's details capture: the planned movies (capture/plan.py) fetched outside any transaction
and written as they arrive into a version that is not yet current (every 200 rows or 0.5 s), then
made current in one short transaction once it holds every planned movie. A run that dies
part-way leaves that version pending, and the next run resumes it, asking TMDb only for what is
missing (capture/lifecycle.py)."""

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Connection, text

from tmdb_assets.capture.abandoned import CaptureLease, sweep_partition
from tmdb_assets.capture.lifecycle import (
    PendingCapture,
    completed_meanwhile,
    make_current,
    open_or_resume,
)
from tmdb_assets.capture.plan import DetailsPlan, plan_capture
from tmdb_assets.capture.read import (
    CaptureInfo,
    current_capture,
    details_query,
    follows,
    require_capture,
)
from tmdb_assets.db.bulk import stage
from tmdb_assets.db.warehouse import Warehouse, lock_day, with_reconnect
from tmdb_assets.settings import get_settings
from tmdb_assets.tmdb.client import TMDbClient
from tmdb_assets.transform.media import MEDIA, MOVIE, Media

log = logging.getLogger(__name__)

# Fetched details are written every TMDB_DETAILS_WRITE_BATCH rows (default 200) or
# DETAILS_FLUSH_S seconds, whichever comes first: a run killed part-way loses at most that much
# (at 40 requests a second, 20 responses; a write is one short transaction of a few ms).
DETAILS_FLUSH_S = 0.5
# Appended to every details request of each domain (transform/media.py): each part comes in the
# same response (no request added; TMDb takes up to 20), stored whole in the raw body. Movies:
# the credits, the release calendar, where to watch, the keywords and the outside ids. Tests set
# a domain's parts to fewer to stand for details captured by an older version.
APPEND: dict[str, tuple[str, ...]] = {m.name: m.append for m in MEDIA.values()}


def copy_current_details(warehouse: Warehouse, capture_id: int, plan: DetailsPlan) -> None:
    """Copy the plan's current stored details into the capture (idempotent)."""
    if not plan.copies:
        return

    def write() -> None:
        with warehouse.begin() as conn:
            conn.execute(
                details_query("details_copy", plan.media),
                {
                    "c": capture_id,
                    "keys": orjson.dumps(
                        [{"c": c, "m": m} for m, c in plan.copies.items()]
                    ).decode(),
                },
            )

    with_reconnect(write, what=f"{plan.media.details_asset} {plan.day}: copying current details")


def open_details_capture(
    warehouse: Warehouse,
    plan: DetailsPlan,
    params: dict[str, Any],
    recapture: bool,
    lease: CaptureLease | None = None,
) -> CaptureInfo | PendingCapture:
    """The version this run writes into: a pending one left by a failed run for the same
    discover capture (resumed), or a new one; or the current capture when another run
    completed one for the same discover capture meanwhile. With `lease`, the day's other
    abandoned versions are swept into it (abandoned.py)."""
    day, discover_id, media = plan.day, plan.discover.capture_id, plan.media
    asset = media.details_asset
    with warehouse.begin() as conn:
        lock_day(conn, asset, day)
        if not recapture:
            done = completed_meanwhile(conn, asset, day, lambda c: follows(c, discover_id))
            if done is not None:
                return done
        return open_or_resume(
            conn,
            asset,
            day,
            {**params, "discover_capture_id": discover_id},
            current=current_capture(conn, asset, day),
            discover_capture_id=discover_id,
            lease=lease,
            wanted=set(plan.reasons),
            media=media,
        )


def persist_details(
    warehouse: Warehouse,
    capture_id: int,
    rows: list[tuple[Any, ...]],
    logger: Any = log,
    media: Media = MOVIE,
) -> None:
    """Write fetched details into a pending capture, in a short transaction of its own.
    Idempotent (two runs resuming one capture, or a retry after a lost connection)."""
    table, columns = media.details_table, detail_columns(media)

    def write() -> None:
        with warehouse.begin() as conn:
            stage(conn, "stg_details", table, columns, rows)
            cols = ", ".join(columns)
            conn.execute(
                text(
                    f"INSERT INTO {table} ({cols}) SELECT {cols} FROM stg_details "
                    f"ON CONFLICT (capture_id, {media.id_column}) DO NOTHING"
                )
            )

    with_reconnect(
        write, logger=logger, what=f"{media.details_asset}: writing {len(rows)} fetched details"
    )


class DetailsWriter:
    """What a capture received, written to its pending version: every `batch` rows, every
    `every_s` seconds by a timer of its own (a stalled API holds nothing back), and whatever is
    left when the fetch ends, fails or is interrupted (SIGTERM and SIGINT arrive as exceptions).
    A SIGKILL loses at most the last `every_s` seconds of responses; the rerun asks only for
    what is not stored."""

    def __init__(
        self,
        warehouse: Warehouse,
        capture_id: int,
        logger: Any = log,
        batch: int | None = None,
        every_s: float = DETAILS_FLUSH_S,
        media: Media = MOVIE,
    ):
        self.warehouse, self.capture_id, self.logger = warehouse, capture_id, logger
        self.media = media
        self.batch = batch or get_settings().details_write_batch
        self.every_s = every_s
        self.written = 0
        self._rows: list[tuple[Any, ...]] = []
        self._rows_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._timer = threading.Thread(target=self._tick, name="tmdb-details-writer", daemon=True)
        self._timer_error: BaseException | None = None

    def __enter__(self) -> "DetailsWriter":
        self._timer.start()
        return self

    def __exit__(self, kind, error, tb) -> None:
        self._stop.set()
        self._timer.join()
        try:
            self.flush()
        except Exception:
            if error is None:
                raise
            # Already failing: say what could not be kept, and let the first error through.
            self.logger.exception(
                f"{self.media.details_asset}: the last fetched details could not be written"
            )

    def add(self, row: tuple[Any, ...]) -> None:
        if self._timer_error is not None:
            raise self._timer_error
        with self._rows_lock:
            self._rows.append(row)
            full = len(self._rows) >= self.batch
        if full:
            self.flush()

    def flush(self) -> None:
        with self._write_lock:
            with self._rows_lock:
                rows, self._rows = self._rows, []
            if rows:
                persist_details(self.warehouse, self.capture_id, rows, self.logger, self.media)
                self.written += len(rows)

    def _tick(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.flush()
            except BaseException as exc:  # raised in the fetching thread at its next row
                self._timer_error = exc
                return


def fetch_details_into(
    warehouse: Warehouse,
    client: TMDbClient,
    capture_id: int,
    plan: DetailsPlan,
    todo: list[int],
    logger: Any = log,
    media: Media = MOVIE,
) -> None:
    """Fetch `todo` outside any transaction, writing what arrives as it arrives (DetailsWriter):
    a fetch that fails or is stopped keeps every response it received."""
    logged = 0
    asset = media.details_asset
    fetched = client.fetch_details(todo, APPEND[media.name], media)
    with DetailsWriter(warehouse, capture_id, logger, media=media) as writer:
        for n, (movie_id, resp) in enumerate(fetched, start=1):
            writer.add(
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
                    f"{asset} {plan.day}: {media.name} {movie_id}: the body stayed unreadable "
                    "after the retries; kept as received, it is quarantined"
                )
            if n - logged >= 1000:  # progress every 1,000 movies
                logger.info(f"{asset} {plan.day}: {n}/{len(todo)} fetched")
                logged = n


def held_details(
    conn: Connection,
    what: str,
    pending: PendingCapture,
    planned: Iterable[int],
    media: Media = MOVIE,
) -> tuple[list[Any], int, int]:
    """A pending details capture's rows (id, http_status, unreadable, fetched_at), checked
    to hold every planned movie (or series), and how many are 404s and unreadable bodies."""
    rows = conn.execute(
        text(
            f"SELECT {media.id_column}, http_status, payload IS NULL AND body IS NOT NULL, "
            f"fetched_at FROM {media.details_table} WHERE capture_id = :c"
        ),
        {"c": pending.capture_id},
    ).all()
    held = {r[0] for r in rows}
    missing = [m for m in planned if m not in held]
    if missing:
        raise RuntimeError(
            f"{what}: capture v{pending.version} lacks {len(missing)} planned {media.noun} "
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
    day, asset = plan.day, plan.media.details_asset

    def close() -> CaptureInfo:
        with warehouse.begin() as conn:
            lock_day(conn, asset, day)
            current = current_capture(conn, asset, day)
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
                conn, f"{asset} {day}", pending, [*plan.reasons, *plan.copies], plan.media
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
            return make_current(conn, asset, day, pending, captured_at, grace_hours, stats)

    return with_reconnect(close, what=f"{asset} {day}: making the capture current")


def capture_details(
    warehouse: Warehouse,
    client: TMDbClient,
    day: dt.date,
    *,
    max_age_days: int,
    grace_hours: float,
    recapture: bool = False,
    logger: Any = log,
    media: Media = MOVIE,
) -> CaptureInfo:
    """Details of the day's discovered movies (or series) that are new, changed or stale:
    plan, fetch and persist (resuming what a failed run left), make current."""
    asset = media.details_asset
    with warehouse.begin() as conn:
        existing = current_capture(conn, asset, day)
        discover_info = require_capture(conn, media.discover_asset, day)
    if existing and not recapture:
        if follows(existing, discover_info.capture_id):
            existing.reused = True
            existing.stats = {
                **existing.stats,
                "abandoned": sweep_partition(warehouse, asset, day),
            }
            logger.info(f"{asset} {day}: reusing capture v{existing.version} (recapture=false)")
            return existing
        logger.info(f"{asset} {day}: the discover capture changed; capturing details again")
    start_requests = client.stats.requests
    plan = plan_capture(warehouse, client, day, discover_info, max_age_days, media)
    # The lease marks the version this run fills as in use (abandoned.py).
    with CaptureLease(warehouse) as lease:
        opened = open_details_capture(
            warehouse, plan, {"max_age_days": max_age_days}, recapture, lease
        )
        if isinstance(opened, CaptureInfo):
            logger.info(f"{asset} {day}: another run captured it meanwhile; reusing it")
            return opened
        have = opened.held
        todo = [m for m in plan.reasons if m not in have]
        logger.info(
            f"{asset} {day}: {len(plan.discovered)} discovered, {len(plan.reasons)} to fetch "
            f"({plan.counts or 'none'}), reusing {len(plan.discovered) - len(plan.reasons)}"
            + (
                f"; resuming v{opened.version}: {len(have)} already fetched, {len(todo)} left"
                if have
                else ""
            )
            + (
                f"; abandoned versions: {opened.swept}"
                if opened.swept.get("abandoned_versions_removed")
                else ""
            )
        )
        copy_current_details(warehouse, opened.capture_id, plan)
        fetch_details_into(warehouse, client, opened.capture_id, plan, todo, logger, media)
        return make_details_current(
            warehouse,
            plan,
            opened,
            grace_hours=grace_hours,
            recapture=recapture,
            run_stats={
                "resumed": len(have),
                "requests": client.stats.requests - start_requests,
                "abandoned": opened.swept,
            },
        )


def detail_columns(media: Media) -> list[str]:
    """The columns of a raw details table, in the order a fetched row holds them."""
    return [
        "capture_id", media.id_column, "http_status", "fetched_at", "fetch_reason", "payload",
        "body",
    ]  # fmt: skip
