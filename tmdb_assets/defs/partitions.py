"""The one daily partitioning every partitioned asset shares."""

import datetime as dt

import dagster as dg

from tmdb_assets.settings import get_settings

# The first partition a deployment offers is TMDB_PARTITIONS_START. TMDb has no history API: a
# day before a deployment's first capture can only be captured late (today's state, flagged),
# which needs asking for. So the default is recent, and a deployment sets its own first day.
# Partition D = the state of TMDb at the end of day D (UTC), captured shortly after D ends.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=get_settings().partitions_start.isoformat(), timezone="UTC"
)


def partition_days(context: dg.AssetExecutionContext) -> list[dt.date]:
    """The run's dates in order: one for a single partition, all of them for a range."""
    return sorted(dt.date.fromisoformat(k) for k in context.partition_keys)
