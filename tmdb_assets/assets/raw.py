"""Raw captures of TMDb: discover pages (with reference lists) and movie details."""

import dagster as dg
from pydantic import Field

from tmdb_assets import capture
from tmdb_assets.assets.common import window_metadata
from tmdb_assets.partitions import daily_partitions, partition_days
from tmdb_assets.resources.tmdb import TMDbResource
from tmdb_assets.resources.warehouse import WarehouseResource


class RawCaptureConfig(dg.Config):
    recapture: bool = Field(
        default=False,
        description="Capture again even if the partition is already captured (the old "
        "capture is kept as an earlier version).",
    )
    pages: int | None = Field(
        default=None,
        ge=1,
        le=500,
        description="Discover pages to capture (default: the resource's discover_pages / TMDB_DISCOVER_PAGES).",
    )
    late_grace_hours: float = Field(
        default=24.0,
        ge=0,
        description="A capture later than the end of its day plus this is flagged late_capture.",
    )


def _capture_days(context, tmdb: TMDbResource, warehouse: WarehouseResource, capture_one):
    """Run `capture_one(warehouse, client, day)` for the run's days in order, with one client."""
    wh = warehouse.get()
    client = tmdb.client(context.log)
    try:
        return [capture_one(wh, client, day) for day in partition_days(context)], client
    finally:
        client.close()


def _client_metadata(client) -> dict:
    s = client.stats.as_dict()
    return {
        "requests": s["requests"],
        "retries": s["retries"],
        "http_429": s["http_429"],
        "http_5xx": s["http_5xx"],
        "not_found": s["not_found"],
        "rate_limit_wait_s": s["rate_wait_s"],
    }


@dg.asset(
    partitions_def=daily_partitions,
    group_name="raw",
    kinds={"python", "postgres"},
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="tmdb_api",
)
def raw_discover_pages(
    context: dg.AssetExecutionContext,
    config: RawCaptureConfig,
    tmdb: TMDbResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """The day's most popular movies as TMDb lists them (/discover/movie pages), stored whole,
    with the genre, country and language lists. Captured once per day and never overwritten."""
    pages = config.pages or tmdb.discover_pages
    infos, client = _capture_days(
        context,
        tmdb,
        warehouse,
        lambda wh, client, day: capture.capture_discover(
            wh,
            client,
            day,
            pages=pages,
            params=tmdb.discover_params(),
            grace_hours=config.late_grace_hours,
            recapture=config.recapture,
            logger=context.log,
        ),
    )
    last = infos[-1]
    return dg.MaterializeResult(
        metadata={
            **window_metadata([i.partition_date for i in infos]),
            "reused": all(i.reused for i in infos),
            "reused_partitions": sum(i.reused for i in infos),
            "captured_partitions": sum(not i.reused for i in infos),
            "late_capture": any(i.late_capture for i in infos),
            "late_partitions": [str(i.partition_date) for i in infos if i.late_capture],
            "capture_version": last.version,
            "captured_at": str(last.captured_at),
            "pages": sum(i.stats.get("pages_captured", 0) for i in infos),
            "movies": sum(i.stats.get("movies", 0) for i in infos),
            "duplicates_across_pages": sum(i.stats.get("duplicates", 0) for i in infos),
            "quarantined_fields": sum(i.stats.get("quarantined_fields") or 0 for i in infos),
            "rejected_items": sum(i.stats.get("rejected_items") or 0 for i in infos),
            "short_pages_refetched": sum(
                (i.stats.get("short_pages_refetched") or 0) for i in infos if not i.reused
            ),
            "incomplete_captures_healed": sum(
                1 for i in infos if i.stats.get("healed_incomplete_version") and not i.reused
            ),
            "total_results": last.stats.get("total_results", 0),
            "dagster/row_count": sum(i.stats.get("pages_captured", 0) for i in infos),
            **_client_metadata(client),
        }
    )


@dg.asset(
    partitions_def=daily_partitions,
    group_name="raw",
    kinds={"python", "postgres"},
    deps=[raw_discover_pages],
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="tmdb_api",
)
def raw_movie_details(
    context: dg.AssetExecutionContext,
    config: RawCaptureConfig,
    tmdb: TMDbResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """Full TMDb details (/movie/{id}) of the day's discovered movies that are new, changed
    (per /movie/changes) or older than details_max_age_days; the others reuse stored details.
    A movie whose details are gone (404) is recorded, not fatal."""
    infos, client = _capture_days(
        context,
        tmdb,
        warehouse,
        lambda wh, client, day: capture.capture_details(
            wh,
            client,
            day,
            max_age_days=tmdb.details_max_age_days,
            grace_hours=config.late_grace_hours,
            recapture=config.recapture,
            logger=context.log,
        ),
    )
    reasons: dict[str, int] = {}
    for i in infos:
        for k, v in (i.stats.get("reasons") or {}).items():
            reasons[k] = reasons.get(k, 0) + v
    return dg.MaterializeResult(
        metadata={
            **window_metadata([i.partition_date for i in infos]),
            "reused": all(i.reused for i in infos),
            "reused_partitions": sum(i.reused for i in infos),
            "late_capture": any(i.late_capture for i in infos),
            "movies": sum(i.stats.get("discovered", 0) for i in infos),
            "details_fetched": sum(i.stats.get("fetched", 0) for i in infos),
            "details_not_found": sum(i.stats.get("not_found", 0) for i in infos),
            "details_invalid": sum(i.stats.get("invalid") or 0 for i in infos),
            "details_resumed": sum((i.stats.get("resumed") or 0) for i in infos if not i.reused),
            "details_reused": sum(i.stats.get("reused", 0) for i in infos),
            "fetch_reasons": dg.MetadataValue.json(reasons),
            "dagster/row_count": sum(
                i.stats.get("fetched", 0)
                + i.stats.get("not_found", 0)
                + (i.stats.get("invalid") or 0)
                for i in infos
            ),
            **_client_metadata(client),
        }
    )
