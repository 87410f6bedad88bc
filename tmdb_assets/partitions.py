"""The one daily partitioning every partitioned asset shares."""

import datetime as dt

import dagster as dg

from tmdb_assets.settings import get_settings


# The first partition a deployment offers (TMDB_PARTITIONS_START). TMDb has no history API: a
# day before a deployment's first capture can only be captured late (today's state, flagged),
# which needs asking for. So the default is recent, and a deployment sets its own first day.
def partitions_start() -> str:
    return get_settings().partitions_start.isoformat()


# Partition D = the state of TMDb at the end of day D (UTC), captured shortly after D ends.
daily_partitions = dg.DailyPartitionsDefinition(start_date=partitions_start(), timezone="UTC")


def partition_days(context: dg.AssetExecutionContext) -> list[dt.date]:
    """The run's dates in order: one for a single partition, all of them for a range."""
    return sorted(dt.date.fromisoformat(k) for k in context.partition_keys)


def parse_partition_key(key: str) -> dt.date:
    """A partition key from a user, validated with a message that says what to type."""
    try:
        day = dt.date.fromisoformat(key.strip())
    except ValueError:
        raise ValueError(
            f"partition key {key!r} is not a date: use YYYY-MM-DD, e.g. 2025-01-31"
        ) from None
    start = dt.date.fromisoformat(partitions_start())
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
