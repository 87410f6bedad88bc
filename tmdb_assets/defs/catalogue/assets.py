"""The long tail of the catalogue: dim_movie learns every movie of the daily ID export, and
their details arrive over time within a daily request budget (capture/tail.py, warehouse/catalogue.py)."""

import functools

import dagster as dg
from pydantic import Field

from tmdb_assets.capture import tail
from tmdb_assets.defs.catalogue.checks import CATALOGUE_CHECKS
from tmdb_assets.defs.checks import evaluate_checks
from tmdb_assets.defs.common import (
    abandoned_metadata,
    client_metadata,
    partitioned_asset,
    per_day_events,
)
from tmdb_assets.defs.partitions import partition_days
from tmdb_assets.defs.raw.assets import RawCaptureConfig
from tmdb_assets.defs.resources import QualityResource, TMDbResource, WarehouseResource
from tmdb_assets.transform.media import MOVIE, TV, Media
from tmdb_assets.warehouse import catalogue


def learn_asset(media: Media, group: str, description: str) -> dg.AssetsDefinition:
    """The asset that makes a domain's dimension hold every id of its export (catalogue_movies,
    catalogue_tv_series)."""
    name = media.learn_asset

    @partitioned_asset(
        name,
        checks=CATALOGUE_CHECKS.of(name),
        group=group,
        deps=[media.export_table],
        description=description,
    )
    def _learn(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, quality: QualityResource
    ):
        wh = warehouse.get()
        if context.selected_asset_keys:
            learn = functools.partial(catalogue.learn_movies, media=media)
            yield from _each_day(context, wh, name, learn, media)
        yield from evaluate_checks(context, CATALOGUE_CHECKS.of(name), wh, quality)

    return _learn


catalogue_movies = learn_asset(
    MOVIE,
    "warehouse",
    "dim_movie learns every movie of the day's daily ID export that it does not hold: id, "
    "original title, adult and video flags, details_status 'pending' (their details come from "
    "raw_movie_tail_details within TMDB_TAIL_DETAILS_PER_DAY). About a million rows the first "
    "day, the day's new ids after.",
)
catalogue_tv_series = learn_asset(
    TV,
    "tv",
    "dim_tv_series learns every series of the day's daily TV export that it does not hold: "
    "id and original name, details_status 'pending' (known from the export only). About two "
    "hundred thousand rows the first day, the day's new ids after.",
)


def _each_day(context: dg.AssetExecutionContext, wh, name: str, load_one, media: Media = MOVIE):
    """`load_one(wh, day, logger)` for the run's days in order: each day's figures on its own
    partition, the dimension's rows still pending on the run."""
    days = partition_days(context)
    per_day = {}
    for day in days:
        figures = load_one(wh, day, context.log)
        figures["dagster/row_count"] = figures["rows"]
        per_day[day] = figures
        context.log.info(
            f"{name} {day}: " + ", ".join(f"{k} {v}" for k, v in figures.items() if type(v) is int)
        )
    yield from per_day_events(
        context, days, per_day, {f"pending_{media.noun}": catalogue.pending_movies(wh, media)}
    )


class TailCaptureConfig(RawCaptureConfig):
    budget: int | None = Field(
        default=None,
        ge=0,
        description="Details requests for the day's long tail (default: the resource's "
        "tail_details_per_day / TMDB_TAIL_DETAILS_PER_DAY; 0: none).",
    )


@partitioned_asset(
    tail.TAIL,
    checks=CATALOGUE_CHECKS.of(tail.TAIL),
    group="raw",
    deps=["catalogue_movies"],
    pool="tmdb_api",
    description="TMDb details (/movie/{id}, with credits) of the long tail: movies of the day's "
    "export outside the discover window, at most TMDB_TAIL_DETAILS_PER_DAY (default 2,000) a "
    "day: pending movies first (newest learned, most popular first), then the oldest-fetched "
    "once older than details_max_age_days. Stored whole, never overwritten; a day that ended "
    "more than late_grace_hours ago is skipped unless a late capture is asked for.",
)
def raw_movie_tail_details(
    context: dg.AssetExecutionContext,
    config: TailCaptureConfig,
    tmdb: TMDbResource,
    warehouse: WarehouseResource,
):
    wh = warehouse.get()
    client = tmdb.client(context.log)
    budget = tmdb.tail_details_per_day if config.budget is None else config.budget
    days = partition_days(context)
    per_day = {}
    try:
        for day in days:
            info = tail.capture_tail(
                wh,
                client,
                day,
                budget=budget,
                max_age_days=tmdb.details_max_age_days,
                grace_hours=config.late_grace_hours,
                recapture=config.recapture,
                allow_late=config.allow_late_capture,
                logger=context.log,
            )
            if isinstance(info, str):
                per_day[day] = {"captured": False, "skipped": info, "dagster/row_count": 0}
                continue
            st = info.stats
            rows = st.get("fetched", 0) + st.get("not_found", 0) + st.get("invalid", 0)
            per_day[day] = {
                "captured": True,
                "reused": info.reused,
                "capture_version": info.version,
                "late_capture": bool(info.late_capture),
                "budget": st.get("budget", budget),
                "planned": st.get("planned", 0),
                "fetch_reasons": dg.MetadataValue.json(st.get("reasons") or {}),
                "details_fetched": st.get("fetched", 0),
                "details_not_found": st.get("not_found", 0),
                "details_invalid": st.get("invalid", 0),
                "details_resumed": 0 if info.reused else st.get("resumed", 0),
                "requests": 0 if info.reused else st.get("requests", 0),
                **abandoned_metadata(st),
                "dagster/row_count": rows,
            }
    finally:
        client.close()
    yield from per_day_events(context, days, per_day, client_metadata(client))


@partitioned_asset(
    "catalogue_movie_details",
    checks=CATALOGUE_CHECKS.of("catalogue_movie_details"),
    group="warehouse",
    deps=[tail.TAIL],
    description="The long tail's details of the day into dim_movie (details_status from "
    "'pending' to 'ok', or 'not_found' for a 404), the genres, companies, countries, languages "
    "and people they name, and the bridges, in one transaction. A day without a tail capture "
    "loads nothing.",
)
def catalogue_movie_details(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, quality: QualityResource
):
    wh = warehouse.get()
    if context.selected_asset_keys:
        yield from _each_day(context, wh, "catalogue_movie_details", catalogue.load_tail_day)
    yield from evaluate_checks(context, CATALOGUE_CHECKS.of("catalogue_movie_details"), wh, quality)
