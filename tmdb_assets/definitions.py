"""The one dg.Definitions of tmdb-assets: assets, checks, jobs, schedules, resources."""

import datetime as dt
import os
import warnings

import dagster as dg

from tmdb_assets.alerts import tmdb_run_failure_alert
from tmdb_assets.assets import analytics, catalogue, raw, seeds, warehouse
from tmdb_assets.catalogue import tail_budget
from tmdb_assets.export import DEFAULT_EXPORTS_BASE_URL
from tmdb_assets.partitions import daily_partitions
from tmdb_assets.resources.quality import QualityResource
from tmdb_assets.resources.tmdb import TMDbResource
from tmdb_assets.resources.warehouse import WarehouseResource
from tmdb_assets.settings import DEFAULT_BASE_URL, env_float, env_int

OWNER = os.environ.get("TMDB_ASSET_OWNER", "").strip() or "team:data-engineering"
# How fresh a reader may expect the day's numbers: the schedule loads each day at 00:30 UTC.
FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=48), warn_window=dt.timedelta(hours=30)
)


def _describe(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Owner, tags (layer, source, PII) and, for what analysts read, a freshness policy."""
    name = spec.key.path[-1]
    source = "seed_csv" if name == "country_continent" else "tmdb"
    attributes = {
        "owners": [OWNER],
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
            dg.load_assets_from_modules([raw, seeds, warehouse, catalogue, analytics]),
        )
    )

# The daily run and backfills: every asset, one run per range (every asset is single-run). The
# unpartitioned country_continent seed rides along: loading 251 rows is idempotent and cheap, and
# a fresh deployment's first scheduled run then needs nothing done by hand.
# The catalogue (TMDb's daily ID export) has its own job and schedule: TMDb builds day D's file
# around 07:00-08:00 UTC on D+1, hours after the daily run.
CATALOGUE_ASSETS = (
    "raw_movie_id_export",
    "fact_movie_popularity_daily",
    "fact_catalogue_daily",
    "catalogue_movies",
    "raw_movie_tail_details",
    "catalogue_movie_details",
)
CATALOGUE = dg.AssetSelection.assets(*CATALOGUE_ASSETS)
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
    if (os.environ.get("TMDB_SCHEDULE_DEFAULT", "").strip().lower() or "running") == "running"
    else dg.DefaultScheduleStatus.STOPPED,
)

# Day D's export file is built about 07:00-08:00 UTC on D+1; a file not there yet is retried.
catalogue_schedule = dg.build_schedule_from_partitioned_job(
    catalogue_job,
    hour_of_day=9,
    minute_of_hour=15,
    default_status=daily_schedule.default_status,
)


# The views are recorded again after each load of what they read (eager condition): in the
# daily run itself, and after a backfill by this sensor (on by default, unlike Dagster's own).
views_automation = dg.AutomationConditionSensorDefinition(
    "tmdb_views_automation",
    target=dg.AssetSelection.groups("analytics"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=env_int("TMDB_VIEWS_AUTOMATION_INTERVAL_SECONDS", 30, minimum=5),
    description="Records the analytics views after the tables they read were loaded.",
)


def tmdb_resource() -> TMDbResource:
    """Settings from the environment so operators tune without code; the token via EnvVar."""
    return TMDbResource(
        api_token=dg.EnvVar("TMDB_API_TOKEN"),
        base_url=os.environ.get("TMDB_API_BASE_URL", "").strip() or DEFAULT_BASE_URL,
        exports_base_url=os.environ.get("TMDB_EXPORTS_BASE_URL", "").strip()
        or DEFAULT_EXPORTS_BASE_URL,
        discover_pages=env_int("TMDB_DISCOVER_PAGES", 5, minimum=1, maximum=500),
        max_concurrency=env_int("TMDB_MAX_CONCURRENCY", 8, minimum=1, maximum=20),
        rate_limit_per_second=env_float("TMDB_RATE_LIMIT_PER_SECOND", 40.0, minimum=0.1),
        details_max_age_days=env_int("TMDB_DETAILS_MAX_AGE_DAYS", 30, minimum=1),
        tail_details_per_day=tail_budget(),
        language=os.environ.get("TMDB_LANGUAGE", "").strip() or "en-US",
        # Adult movies: in discover, and the daily export's adult ids' file (kept apart by TMDb).
        include_adult=os.environ.get("TMDB_INCLUDE_ADULT", "").strip().lower()
        in ("1", "true", "yes"),
        region=os.environ.get("TMDB_REGION", "").strip(),
    )


def warehouse_resource() -> WarehouseResource:
    # An EnvVar keeps a password in the URL out of the UI; unset means the embedded server.
    if os.environ.get("TMDB_DATABASE_URL", "").strip():
        return WarehouseResource(database_url=dg.EnvVar("TMDB_DATABASE_URL"))
    return WarehouseResource()


def quality_resource() -> QualityResource:
    return QualityResource(
        max_details_failure_share=env_float("TMDB_CHECK_MAX_DETAILS_FAILURE_SHARE", 0.05),
        movie_count_band=env_float("TMDB_CHECK_MOVIE_COUNT_BAND", 0.5),
        catalogue_count_band=env_float("TMDB_CHECK_CATALOGUE_COUNT_BAND", 0.05),
        vote_drop_tolerance=env_float("TMDB_CHECK_VOTE_DROP_TOLERANCE", 0.01),
        release_future_days=env_int("TMDB_CHECK_RELEASE_FUTURE_DAYS", 365, minimum=0),
        freshness_hours=env_float("TMDB_CHECK_FRESHNESS_HOURS", 36.0),
    )


defs = dg.Definitions(
    assets=all_assets,
    jobs=[daily_job, catalogue_job, derived_job, seed_job],
    schedules=[daily_schedule, catalogue_schedule],
    sensors=[tmdb_run_failure_alert, views_automation],
    resources={
        "tmdb": tmdb_resource(),
        "warehouse": warehouse_resource(),
        "quality": quality_resource(),
    },
    # The steps are I/O-bound, sequential by their dependencies, and share parsed raw data in
    # memory: one process per step would only add start-up time (about 0.5 s a step).
    executor=dg.in_process_executor,
)

__all__ = ["daily_partitions", "defs"]
