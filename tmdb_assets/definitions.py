"""The one dg.Definitions of tmdb-assets: assets, checks, jobs, schedules, resources."""

import datetime as dt
import warnings

import dagster as dg

from tmdb_assets.defs.alerts import tmdb_run_failure_alert
from tmdb_assets.defs.analytics import assets as analytics
from tmdb_assets.defs.catalogue import assets as catalogue
from tmdb_assets.defs.catalogue import compaction
from tmdb_assets.defs.catalogue.checks import CATALOGUE_CHECKS
from tmdb_assets.defs.catalogue.sensors import CATALOGUE_ASSETS, tmdb_export_sensor
from tmdb_assets.defs.partitions import daily_partitions
from tmdb_assets.defs.raw import assets as raw
from tmdb_assets.defs.raw.checks import RAW_CHECKS
from tmdb_assets.defs.resources import QualityResource, TMDbResource, WarehouseResource
from tmdb_assets.defs.warehouse import assets as warehouse
from tmdb_assets.defs.warehouse import seeds
from tmdb_assets.defs.warehouse.checks import WAREHOUSE_CHECKS
from tmdb_assets.defs.warehouse.enrich_checks import ENRICH_CHECKS
from tmdb_assets.settings import Settings, get_settings
from tmdb_assets.transform.media import TV
from tmdb_assets.warehouse.tables import TABLES

SETTINGS = get_settings()
# Every asset check, by domain (each evaluated in its asset's step).
CHECKS = [*RAW_CHECKS, *WAREHOUSE_CHECKS, *CATALOGUE_CHECKS, *ENRICH_CHECKS]
# How fresh a reader may expect the day's numbers: the schedule loads each day at 00:30 UTC.
FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=48), warn_window=dt.timedelta(hours=30)
)


def _describe(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Owner, tags (layer, source, PII) and, for what analysts read, a freshness policy."""
    name = spec.key.path[-1]
    source = "seed_csv" if name == "country_continent" else "tmdb"
    attributes = {
        "owners": [SETTINGS.asset_owner],
        "tags": {**spec.tags, "layer": spec.group_name or "", "source": source, "pii": "none"},
    }
    if name == "fact_movie_daily" or name.startswith("vw_"):
        attributes["freshness_policy"] = FRESHNESS
    return spec.replace_attributes(**attributes)


with warnings.catch_warnings():
    # Code references are a beta API: the warning would print on every command, every run.
    warnings.simplefilter("ignore", category=dg.BetaWarning)
    warnings.simplefilter("ignore", category=dg.PreviewWarning)
    all_assets = dg.with_source_code_references(
        dg.map_asset_specs(
            _describe,
            dg.load_assets_from_modules([raw, seeds, warehouse, catalogue, compaction, analytics]),
        )
    )

# The daily run and backfills: every asset, one run per range (every asset is single-run). The
# unpartitioned country_continent seed rides along: loading 251 rows is idempotent and cheap, and
# a fresh deployment's first scheduled run then needs nothing done by hand.
# The catalogue (TMDb's daily ID export) has its own job, started by tmdb_export_sensor once
# day D's file exists (TMDb builds it around 07:00-08:00 UTC on D+1, hours after the daily run).
CATALOGUE = dg.AssetSelection.assets(*CATALOGUE_ASSETS)
# TV series ride in the daily job: the same schedule and run as the movies, one API budget
# (the tmdb_api pool, one rate limiter), and the dimensions both domains share (genres,
# companies, countries, languages) loaded once a day after both captures. `tmdb-assets run
# --no-tv` leaves them out.
TV_ASSETS = (
    TV.discover_asset,
    TV.details_asset,
    TV.export_asset,
    TV.learn_asset,
    TV.compact_table,
    *(t.name for t in TABLES.values() if t.media is TV),
)
TV_SELECTION = dg.AssetSelection.assets(*TV_ASSETS) | dg.AssetSelection.checks_for_assets(
    *TV_ASSETS
)
daily_job = dg.define_asset_job(
    "tmdb_daily",
    selection=dg.AssetSelection.all() - CATALOGUE,
    description="Capture TMDb for a day and load the star schema and views for it.",
)
catalogue_job = dg.define_asset_job(
    "tmdb_catalogue",
    selection=CATALOGUE,
    description="Capture TMDb's daily ID export of a day (every movie's popularity, one "
    "download) and load fact_movie_popularity_daily from it; dim_movie learns every movie in it, "
    "and the long tail's details arrive within TMDB_TAIL_DETAILS_PER_DAY requests. Backfills "
    "within TMDb's three-month retention record each day's true values.",
)
derived_job = dg.define_asset_job(
    "tmdb_derived",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("raw") - CATALOGUE,
    description="Replay captured raw days into the warehouse and views (no TMDb request): for "
    "backfills of derived assets and for rebuilding the warehouse from raw.",
)
seed_job = dg.define_asset_job(
    "tmdb_seeds",
    selection=dg.AssetSelection.assets("country_continent"),
    description="Load data/country_continent.csv (run after the CSV changes).",
)

# Shortly after each UTC day ends, materialize the day that just ended.
daily_schedule = dg.build_schedule_from_partitioned_job(
    daily_job,
    hour_of_day=0,
    minute_of_hour=30,
    default_status=dg.DefaultScheduleStatus.RUNNING
    if SETTINGS.schedule_default == "running"
    else dg.DefaultScheduleStatus.STOPPED,
)

# The views are recorded again after each load of what they read (eager condition): in the
# daily run itself, and after a backfill by this sensor (on by default, unlike Dagster's own).
views_automation = dg.AutomationConditionSensorDefinition(
    "tmdb_views_automation",
    target=dg.AssetSelection.groups("analytics"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=SETTINGS.views_automation_interval_seconds,
    description="Records the analytics views after the tables they read were loaded.",
)


def resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """The resources, from the settings. The token and a database URL from the environment go
    through EnvVar, so the UI shows their names, never their values."""
    token = (
        dg.EnvVar("TMDB_API_TOKEN")
        if settings.api_token.get_secret_value() == get_settings().api_token.get_secret_value()
        else settings.api_token.get_secret_value()
    )
    database_url = (
        dg.EnvVar("TMDB_DATABASE_URL")
        if settings.database_url and settings.database_url == get_settings().database_url
        else settings.database_url
    )
    return {
        "tmdb": TMDbResource(
            api_token=token,
            base_url=settings.api_base_url,
            exports_base_url=settings.exports_base_url,
            discover_pages=settings.discover_pages,
            discover_tv_pages=settings.discover_tv_pages,
            max_concurrency=settings.max_concurrency,
            rate_limit_per_second=settings.rate_limit_per_second,
            details_max_age_days=settings.details_max_age_days,
            tail_details_per_day=settings.tail_details_per_day,
            language=settings.language,
            include_adult=settings.include_adult,
            region=settings.region,
        ),
        "warehouse": WarehouseResource(database_url=database_url),
        "quality": QualityResource(
            max_details_failure_share=settings.check_max_details_failure_share,
            movie_count_band=settings.check_movie_count_band,
            catalogue_count_band=settings.check_catalogue_count_band,
            vote_drop_tolerance=settings.check_vote_drop_tolerance,
            vote_drop_min=settings.check_vote_drop_min,
            release_future_days=settings.check_release_future_days,
            freshness_hours=settings.check_freshness_hours,
        ),
    }


def build_defs(settings: Settings) -> dg.Definitions:
    """The Definitions with resources built from `settings` (the CLI passes its flags so)."""
    return dg.Definitions(
        assets=all_assets,
        jobs=[daily_job, catalogue_job, derived_job, seed_job],
        schedules=[daily_schedule],
        sensors=[tmdb_run_failure_alert, views_automation, tmdb_export_sensor],
        resources=resources(settings),
        # The steps are I/O-bound, sequential by their dependencies, and share parsed raw data
        # in memory: one process per step would only add start-up time (about 0.5 s a step).
        executor=dg.in_process_executor,
    )


defs = build_defs(SETTINGS)


def daily_assets(defs: dg.Definitions, tv: bool = True) -> list[dg.AssetKey] | None:
    """The daily job's assets (None: all of them), without TV's when `tv` is False."""
    if tv:
        return None
    selection = dg.AssetSelection.all() - CATALOGUE - TV_SELECTION
    return sorted(selection.resolve(defs.resolve_asset_graph()), key=lambda k: k.to_string())


__all__ = ["build_defs", "daily_assets", "daily_partitions", "defs"]
