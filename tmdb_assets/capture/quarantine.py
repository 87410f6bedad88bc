"""raw.quarantine: what could not be parsed, kept with its reason, never silently dropped."""

import datetime as dt

from sqlalchemy import Connection, text

from tmdb_assets.db.bulk import stage
from tmdb_assets.db.queries import query
from tmdb_assets.transform.values import Rejected


def record_rejected(conn: Connection, day: dt.date, rejected: list[Rejected]) -> int:
    """Quarantine what could not be parsed, with its reason (idempotent per day and reason)."""
    if not rejected:
        return 0
    stage(
        conn,
        "stg_quarantine",
        "raw.quarantine",
        ["partition_date", "source", "movie_id", "reason", "payload", "field"],
        [(day, r.source, r.movie_id, r.reason, r.payload, r.field) for r in rejected],
    )
    conn.execute(query("quarantine_insert"))
    conn.execute(text("DROP TABLE stg_quarantine"))
    return len(rejected)
