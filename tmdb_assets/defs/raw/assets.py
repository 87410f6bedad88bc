"""Raw captures of TMDb: discover pages (with reference lists) and details, of movies and of TV
series (one asset factory each, parameterized by the domain), trending lists, the ID export."""

import dagster as dg
from pydantic import Field

from tmdb_assets.capture import details, discover, export, trending
from tmdb_assets.capture.read import CaptureInfo
from tmdb_assets.defs.checks import evaluate_checks
from tmdb_assets.defs.common import (
    abandoned_metadata,
    client_metadata,
    partitioned_asset,
    per_day_events,
)
from tmdb_assets.defs.partitions import partition_days
from tmdb_assets.defs.raw.checks import RAW_CHECKS
from tmdb_assets.defs.resources import QualityResource, TMDbResource, WarehouseResource
from tmdb_assets.settings import get_settings
from tmdb_assets.transform.media import MOVIE, TV, Media


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
    allow_late_capture: bool = Field(
        default_factory=lambda: get_settings().allow_late_capture,
        description="Capture a day that ended more than late_grace_hours ago (TMDb has no "
        "history: the capture records TMDb as it is now, flagged late_capture). Off by default "
        "(TMDB_ALLOW_LATE_CAPTURE=1 turns it on) so a backfill never invents history by accident.",
    )


def _capture_days(context, tmdb: TMDbResource, warehouse: WarehouseResource, capture_one):
    """Run `capture_one(warehouse, client, day)` for the run's days in order, with one client."""
    wh = warehouse.get()
    client = tmdb.client(context.log)
    try:
        return [capture_one(wh, client, day) for day in partition_days(context)], client
    finally:
        client.close()


def _capture_and_report(context, tmdb, warehouse, capture_one, describe, run_metadata=None):
    """Capture the run's days (`_capture_days`) and report each day's figures (`describe` of
    its CaptureInfo) with the run's: the client's requests and `run_metadata` of the infos."""
    infos, client = _capture_days(context, tmdb, warehouse, capture_one)
    per_day = {i.partition_date: describe(i) for i in infos}
    extra = run_metadata(infos) if run_metadata else {}
    days = [i.partition_date for i in infos]
    yield from per_day_events(context, days, per_day, {**extra, **client_metadata(client)})


def _discover_day(media: Media, i: CaptureInfo) -> dict:
    st = i.stats
    return {
        "reused": i.reused,
        "capture_version": i.version,
        "captured_at": str(i.captured_at),
        "late_capture": bool(i.late_capture),
        "pages": st.get("pages_captured", 0),
        media.noun: st.get(media.noun, 0),
        "duplicates_across_pages": st.get("duplicates", 0),
        "total_results": st.get("total_results") or 0,
        "quarantined_fields": st.get("quarantined_fields") or 0,
        "rejected_items": st.get("rejected_items") or 0,
        # What this run asked TMDb for the day: nothing when the capture was reused.
        "requests": 0 if i.reused else st.get("requests", 0),
        "short_pages_refetched": 0 if i.reused else st.get("short_pages_refetched") or 0,
        "incomplete_capture_healed": bool(not i.reused and st.get("healed_incomplete_version")),
        "dagster/row_count": st.get("pages_captured", 0),
    }


def raw_asset(name: str, description: str, deps: list[str], pool: str | None = "tmdb_api"):
    """A raw capture asset (group raw, the API's pool unless said otherwise)."""
    return partitioned_asset(name, description, "raw", deps, RAW_CHECKS.of(name), pool)


def capture_asset(
    name: str,
    description: str,
    deps: list[str],
    capture,
    config_type: type[dg.Config] = RawCaptureConfig,
    pool: str | None = "tmdb_api",
) -> dg.AssetsDefinition:
    """A raw capture asset whose step runs `capture(context, config, tmdb, warehouse)` (the
    events it yields) when the asset is selected, then its checks. `config_type`: the run
    config it takes (the API captures' RawCaptureConfig, the export's ExportCaptureConfig)."""

    def _capture(context: dg.AssetExecutionContext, config, tmdb: TMDbResource,
                 warehouse: WarehouseResource, quality: QualityResource):  # fmt: skip
        if context.selected_asset_keys:
            yield from capture(context, config, tmdb, warehouse)
        yield from evaluate_checks(context, RAW_CHECKS.of(name), warehouse.get(), quality)

    _capture.__annotations__["config"] = config_type  # Dagster reads the schema from it
    return raw_asset(name, description, deps, pool)(_capture)


def discover_capture_asset(media: Media, description: str) -> dg.AssetsDefinition:
    """The raw asset of a domain's discover pages (raw_discover_pages, raw_discover_tv_pages)."""
    return capture_asset(
        media.discover_asset,
        description,
        [],
        lambda context, config, tmdb, wh: _capture_discover(context, config, tmdb, wh, media),
    )


raw_discover_pages = discover_capture_asset(
    MOVIE,
    "The day's most popular movies as TMDb lists them (/discover/movie pages), stored whole, "
    "with the genre, country and language lists. Captured once per day and never overwritten.",
)
raw_discover_tv_pages = discover_capture_asset(
    TV,
    "The day's most popular TV series as TMDb lists them (/discover/tv pages, "
    "discover_tv_pages of them: TMDB_DISCOVER_TV_PAGES), stored whole, with the TV genre list. "
    "Captured once per day and never overwritten, as the movies' pages.",
)


def _capture_discover(
    context, config: RawCaptureConfig, tmdb: TMDbResource, warehouse, media: Media
):
    pages = config.pages or tmdb.pages_of(media)
    yield from _capture_and_report(
        context,
        tmdb,
        warehouse,
        lambda wh, client, day: discover.capture_discover(
            wh,
            client,
            day,
            pages=pages,
            params=tmdb.discover_params(media),
            grace_hours=config.late_grace_hours,
            recapture=config.recapture,
            allow_late=config.allow_late_capture,
            logger=context.log,
            media=media,
        ),
        lambda i: _discover_day(media, i),
        lambda infos: {"late_partitions": [str(i.partition_date) for i in infos if i.late_capture]},
    )


def _details_day(media: Media, i: CaptureInfo) -> dict:
    st = i.stats
    rows = st.get("fetched", 0) + st.get("not_found", 0) + (st.get("invalid") or 0)
    return {
        "reused": i.reused,
        "capture_version": i.version,
        "late_capture": bool(i.late_capture),
        media.noun: st.get("discovered", 0),
        "details_fetched": st.get("fetched", 0),
        "details_not_found": st.get("not_found", 0),
        "details_invalid": st.get("invalid") or 0,
        "details_reused": st.get("reused", 0),
        "details_current_copied": st.get("current_copied") or 0,
        "details_resumed": 0 if i.reused else st.get("resumed") or 0,
        "fetch_reasons": dg.MetadataValue.json(st.get("reasons") or {}),
        "requests": 0 if i.reused else st.get("requests", 0),
        **abandoned_metadata(st),
        "dagster/row_count": rows,
    }


def details_capture_asset(media: Media, description: str) -> dg.AssetsDefinition:
    """The raw asset of a domain's details (raw_movie_details, raw_tv_details)."""
    return capture_asset(
        media.details_asset,
        description,
        [media.discover_asset],
        lambda context, config, tmdb, wh: _capture_details(context, config, tmdb, wh, media),
    )


raw_movie_details = details_capture_asset(
    MOVIE,
    "Full TMDb details (/movie/{id}) of the day's discovered movies that are new, changed "
    "(per /movie/changes) or older than details_max_age_days; the others reuse stored details. "
    "A movie whose details are gone (404) is recorded, not fatal.",
)
raw_tv_details = details_capture_asset(
    TV,
    "Full TMDb details (/tv/{id} with aggregate credits, content ratings, external ids, "
    "keywords and watch providers appended: one request a series) of the day's discovered "
    "series that are new, changed (per /tv/changes) or older than details_max_age_days; the "
    "others reuse stored details, as for movies.",
)


def _capture_details(
    context, config: RawCaptureConfig, tmdb: TMDbResource, warehouse, media: Media
):
    yield from _capture_and_report(
        context,
        tmdb,
        warehouse,
        lambda wh, client, day: details.capture_details(
            wh,
            client,
            day,
            max_age_days=tmdb.details_max_age_days,
            grace_hours=config.late_grace_hours,
            recapture=config.recapture,
            logger=context.log,
            media=media,
        ),
        lambda i: _details_day(media, i),
    )


@raw_asset(
    trending.TRENDING,
    "TMDb's trending movies at the end of the day: /trending/movie/day and "
    "/trending/movie/week, trending_pages pages each (TMDB_TRENDING_PAGES), stored whole. "
    "Captured once per day like discover and never overwritten; TMDb keeps no history of them.",
    deps=[],
)
def raw_trending(
    context: dg.AssetExecutionContext,
    config: RawCaptureConfig,
    tmdb: TMDbResource,
    warehouse: WarehouseResource,
    quality: QualityResource,
):
    if context.selected_asset_keys:
        yield from _capture_and_report(
            context,
            tmdb,
            warehouse,
            lambda wh, client, day: trending.capture_trending(
                wh,
                client,
                day,
                pages=tmdb.trending_pages,
                language=tmdb.language,
                grace_hours=config.late_grace_hours,
                recapture=config.recapture,
                allow_late=config.allow_late_capture,
                logger=context.log,
            ),
            _trending_day,
        )
    yield from evaluate_checks(context, RAW_CHECKS.of(trending.TRENDING), warehouse.get(), quality)


def _trending_day(i: CaptureInfo) -> dict:
    st = i.stats
    return {
        "reused": i.reused,
        "capture_version": i.version,
        "captured_at": str(i.captured_at),
        "late_capture": bool(i.late_capture),
        "day_movies": int(st.get("day_results", 0)),
        "week_movies": int(st.get("week_results", 0)),
        "requests": 0 if i.reused else int(st.get("requests", 0)),
        "dagster/row_count": int(st.get("day_pages", 0)) + int(st.get("week_pages", 0)),
    }


class ExportCaptureConfig(dg.Config):
    recapture: bool = Field(
        default=False,
        description="Download the day's file again even if it is captured (the old capture is "
        "kept as an earlier version). Within TMDb's retention the file is the day's own state.",
    )


def export_capture_asset(media: Media, description: str) -> dg.AssetsDefinition:
    """The raw asset of a domain's daily ID export (raw_movie_id_export, raw_tv_id_export):
    TMDb's files host, not the API (no pool: no API budget to share)."""
    return capture_asset(
        media.export_asset,
        description,
        [],
        lambda context, config, tmdb, wh: _capture_export(context, config, tmdb, wh, media),
        ExportCaptureConfig,
        pool=None,
    )


raw_movie_id_export = export_capture_asset(
    MOVIE,
    "TMDb's daily ID export for the day: every movie's id, original title, popularity and "
    "flags (about a million lines), from the file TMDb builds the morning after the day ended "
    "(movie_ids_MM_DD_YYYY.json.gz, no token; with TMDB_INCLUDE_ADULT also the adult ids' "
    "file, adult_movie_ids_MM_DD_YYYY.json.gz). Stored whole as downloaded, never overwritten; "
    "a day within TMDb's three-month retention can be captured at any time with its true values.",
)
raw_tv_id_export = export_capture_asset(
    TV,
    "TMDb's daily TV export for the day: every series' id, original name and popularity "
    "(about two hundred thousand lines), from tv_series_ids_MM_DD_YYYY.json.gz, built the "
    "morning after the day ended (no token). Stored whole, never overwritten, as the movies' "
    "file; within TMDb's three-month retention a day can be captured with its true values.",
)


def _joined(value) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def _capture_export(
    context, config: ExportCaptureConfig, tmdb: TMDbResource, warehouse, media: Media
):
    wh = warehouse.get()
    infos = []
    for day in partition_days(context):
        try:
            infos.append(
                export.capture_export(
                    wh,
                    tmdb.exports_base_url,
                    day,
                    recapture=config.recapture,
                    include_adult=tmdb.include_adult,
                    logger=context.log,
                    media=media,
                )
            )
        except (export.ExportNotYetError, export.ExportGoneError) as exc:
            # The run never sleeps waiting for a file: tmdb_export_sensor starts it once the
            # file is there. A missing file fails at once, saying why; it is never taken as
            # an empty catalogue.
            raise dg.Failure(str(exc), allow_retries=False) from None
    per_day = {
        i.partition_date: {
            "reused": i.reused,
            "capture_version": i.version,
            "file": str(i.stats.get("file", "")),
            "files": dg.MetadataValue.json(i.stats.get("files") or [i.stats.get("file", "")]),
            "lines": int(i.stats.get("lines", 0)),
            "bytes": int(i.stats.get("bytes", 0)),
            "sha256": _joined(i.stats.get("sha256", "")),
            "download_s": 0.0 if i.reused else float(i.stats.get("download_s", 0.0)),
            "built_at": str(i.captured_at),
            "late_capture": False,
            **abandoned_metadata(i.stats),
            "dagster/row_count": int(i.stats.get("lines", 0)),
        }
        for i in infos
    }
    yield from per_day_events(context, [i.partition_date for i in infos], per_day, {})
