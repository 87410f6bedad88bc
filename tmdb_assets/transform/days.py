"""Partition days as dates: what a day key means, when a day ends, when a capture is late."""

import datetime as dt
from typing import Any

from tmdb_assets.settings import get_settings


def parse_partition_key(key: str) -> dt.date:
    """A partition key from a user, validated with a message that says what to type."""
    try:
        day = dt.date.fromisoformat(key.strip())
    except ValueError:
        raise ValueError(
            f"partition key {key!r} is not a date: use YYYY-MM-DD, e.g. 2025-01-31"
        ) from None
    start = get_settings().partitions_start
    last = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    if not start <= day <= last:
        raise ValueError(
            f"partition {day} is outside {start}..{last}: a day can be captured once it has "
            "ended (UTC), and not before TMDB_PARTITIONS_START"
        )
    return day


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), dt.UTC)


def is_late(day: dt.date, captured_at: dt.datetime, grace_hours: float) -> bool:
    """Captured after the day ended plus the grace period: the state is not that day's."""
    return captured_at > end_of_day(day) + dt.timedelta(hours=grace_hours)


# --- dates ------------------------------------------------------------------------------------


def date_id(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def dim_date_row(day: dt.date) -> tuple[Any, ...]:
    iso = day.isocalendar()
    return (
        date_id(day),
        day,
        day.year,
        (day.month - 1) // 3 + 1,
        day.month,
        day.day,
        iso.week,
        iso.weekday,
        day.strftime("%A"),
        iso.weekday >= 6,
    )
