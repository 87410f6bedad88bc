"""Pending versions nobody is filling any more: found by lease, resumed or removed.

A run fills a pending version (details, the long tail, an export's chunks) over minutes. A run
that is killed leaves it pending; the next run of the same asset and day resumes it when it
can (the same discover capture's details). What it cannot resume stayed forever: an export
download cut after its first chunk, details made for a discover capture that was captured
again.

Which pending versions are abandoned is known exactly, not guessed from their age: a run
filling a version holds a **lease** on it, a session-level advisory lock (LEASE_CLASS,
capture_id) on a connection of its own, which PostgreSQL releases when that session ends,
however the process ended. So a pending version whose lease is free is abandoned. The next run
of the asset and day, holding the partition's lock (so no one else picks a version meanwhile):
- resumes the newest abandoned version it can (lifecycle.open_or_resume), under its lease;
- moves into its own version the responses of the others that it still wants (details of
  movies it plans to fetch: each one a request saved), and
- removes the rest with their rows, reporting what it removed in its metadata.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from tmdb_assets.db.warehouse import Warehouse, lock_day
from tmdb_assets.transform.media import MEDIA, MOVIE, Media

LEASE_CLASS = 7331  # the advisory lock class of "a capture version being filled"
# The tables that hold a capture version's rows.
CAPTURE_ROWS = (
    *(m.details_table for m in MEDIA.values()),
    "raw.discover_page",
    "raw.reference_list",
    "raw.export_chunk",
)


class CaptureLease:
    """The lease of the version this run fills, on a connection of its own (released with
    `release()`, or by PostgreSQL when the process dies). One lease at a time."""

    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse
        self._conn = None
        self.capture_id: int | None = None

    def _connection(self):
        if self._conn is None:
            self._conn = self.warehouse.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
        return self._conn

    def take(self, capture_id: int) -> bool:
        """Lease `capture_id` if no other session does; False when one does (a live run)."""
        if self.capture_id == capture_id:
            return True
        taken = (
            self._connection()
            .execute(
                text("SELECT pg_try_advisory_lock(:k, :c)"), {"k": LEASE_CLASS, "c": capture_id}
            )
            .scalar()
        )
        if taken:
            self.release_lock()
            self.capture_id = capture_id
        return bool(taken)

    def is_free(self, capture_id: int) -> bool:
        """Whether no session leases `capture_id` (probed: taken and given back at once)."""
        if capture_id == self.capture_id:
            return False
        conn = self._connection()
        params = {"k": LEASE_CLASS, "c": capture_id}
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k, :c)"), params).scalar():
            return False
        conn.execute(text("SELECT pg_advisory_unlock(:k, :c)"), params)
        return True

    def release_lock(self) -> None:
        if self.capture_id is not None and self._conn is not None:
            self._conn.execute(
                text("SELECT pg_advisory_unlock(:k, :c)"),
                {"k": LEASE_CLASS, "c": self.capture_id},
            )
        self.capture_id = None

    def release(self) -> None:
        """Give the lease back and the connection to the pool (errors: the session is gone,
        and the lease with it)."""
        try:
            self.release_lock()
        except Exception:
            pass
        finally:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> "CaptureLease":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass
class Swept:
    """What a sweep of a partition's abandoned versions did (for the asset's metadata)."""

    removed_versions: list[int] = field(default_factory=list)
    removed_rows: int = 0
    adopted_rows: int = 0
    adopted: set[int] = field(default_factory=set)  # movies whose responses were moved in

    def metadata(self) -> dict[str, Any]:
        return {
            "abandoned_versions_removed": len(self.removed_versions),
            "abandoned_rows_removed": self.removed_rows,
            "abandoned_rows_resumed": self.adopted_rows,
        }


def abandoned_versions(
    conn: Connection, lease: CaptureLease, asset: str, day: dt.date, keep: int | None
) -> list[int]:
    """The partition's pending versions that nobody leases, but `keep` (call under the
    partition's lock)."""
    ids = conn.execute(
        text(
            "SELECT capture_id FROM raw.capture WHERE asset = :a AND partition_date = :d "
            "AND completed_at IS NULL AND NOT is_current ORDER BY capture_id"
        ),
        {"a": asset, "d": day},
    ).scalars()
    return [c for c in ids if c != keep and lease.is_free(c)]


def sweep(
    conn: Connection,
    lease: CaptureLease,
    asset: str,
    day: dt.date,
    *,
    keep: int | None = None,
    wanted: set[int] | None = None,
    media: Media = MOVIE,
) -> Swept:
    """Resume into `keep` the responses of abandoned versions for movies (or series: `media`)
    in `wanted` (details only), then remove every abandoned version of the partition with its
    rows. Under the partition's lock, in the caller's transaction."""
    table, key = media.details_table, media.id_column
    done = Swept()
    for capture_id in abandoned_versions(conn, lease, asset, day, keep):
        if keep is not None and wanted:
            moved = conn.execute(
                text(
                    f"UPDATE {table} m SET capture_id = :keep WHERE m.capture_id = :c "
                    f"AND m.{key} = ANY(:wanted) AND NOT EXISTS (SELECT 1 FROM "
                    f"{table} k WHERE k.capture_id = :keep AND k.{key} = m.{key}) "
                    f"RETURNING m.{key}"
                ),
                {"keep": keep, "c": capture_id, "wanted": sorted(wanted)},
            ).scalars()
            ids = set(moved)
            done.adopted |= ids
            done.adopted_rows += len(ids)
        for table in CAPTURE_ROWS:
            done.removed_rows += conn.execute(
                text(f"DELETE FROM {table} WHERE capture_id = :c"), {"c": capture_id}
            ).rowcount
        conn.execute(text("DELETE FROM raw.capture WHERE capture_id = :c"), {"c": capture_id})
        done.removed_versions.append(capture_id)
    return done


def sweep_partition(
    warehouse: Warehouse, asset: str, day: dt.date, lease: CaptureLease | None = None
) -> dict[str, Any]:
    """Remove the partition's abandoned versions (a run that reuses the current capture, or
    one that cannot resume: the export); returns what it removed, for the metadata. `lease`:
    the run's own (its connection probes the others), else one for the sweep alone."""
    if lease is None:
        with CaptureLease(warehouse) as own:
            return sweep_partition(warehouse, asset, day, own)
    with warehouse.begin() as conn:
        lock_day(conn, asset, day)
        return sweep(conn, lease, asset, day).metadata()
