"""`tmdb_export_sensor`: the catalogue run of a day starts when TMDb's file for it exists.

TMDb builds day D's export file around 07:00-08:00 UTC on D+1, some days later. Waiting inside
a run held it STARTED for hours, deaf to a stop. So a sensor waits instead: every
TMDB_EXPORT_SENSOR_INTERVAL_SECONDS it asks the files host (a HEAD request per file, no token,
nothing downloaded) about the days of the last TMDB_EXPORT_SENSOR_LOOKBACK_DAYS whose catalogue
is not loaded, and requests the `tmdb_catalogue` run of each day whose file is there (once: the
run key is the day). It replaces the 09:15 schedule, which started the run at a fixed time and
made it wait.

Each domain's file is waited for on its own (movies, TV series): a day's run of the movies'
catalogue does not wait for the series' file, nor fail for it, and the other way round; each
run selects its domain's catalogue assets.

A file still missing past noon UTC of the day it is named after (TMDb is hours late) gets one
run anyway, which fails at once saying the file is not built and how late it is: the failure
shows in the UI and goes to the failure alert, so a team hears of a late file without watching
the sensor. When the file comes, the day's own run follows as usual.
"""

import datetime as dt
from dataclasses import dataclass

import dagster as dg

from tmdb_assets.capture.export import (
    OVERDUE_AFTER,
    ExportNotYetError,
    ExportUnreachableError,
    file_day,
    probe_export,
)
from tmdb_assets.defs.resources import TMDbResource
from tmdb_assets.settings import get_settings
from tmdb_assets.transform.media import MEDIA, MOVIE, TV, Media

JOB = "tmdb_catalogue"
LOADED = dg.AssetKey(MOVIE.export_table)
# The catalogue job's assets, each domain's: the movies' export, its fact, its daily summary and
# movers, dim_movie learning it, the long tail's details, the compaction of its closed months;
# the series' export (from the same files host at the same hour), its fact, dim_tv_series
# learning it, its compaction.
CATALOGUE_BY_MEDIA = {
    MOVIE.name: (
        MOVIE.export_asset,
        MOVIE.export_table,
        "fact_catalogue_daily",
        MOVIE.learn_asset,
        "fact_catalogue_movers",
        "raw_movie_tail_details",
        "catalogue_movie_details",
        MOVIE.compact_table,
    ),
    TV.name: (TV.export_asset, TV.export_table, TV.learn_asset, TV.compact_table),
}
CATALOGUE_ASSETS = tuple(a for names in CATALOGUE_BY_MEDIA.values() for a in names)


@dataclass
class ExportPlan:
    """What the sensor does for the days it looks at."""

    ready: list[dt.date]  # files there: run the day
    overdue: list[dt.date]  # not built, past OVERDUE_AFTER of their build day: one failing run
    waiting: dict[dt.date, str]  # not built yet, or missing for good: why (for the skip reason)


def plan_exports(
    instance: dg.DagsterInstance,
    tmdb: TMDbResource,
    now: dt.datetime,
    lookback_days: int,
    partitions_start: dt.date,
    media: Media = MOVIE,
) -> ExportPlan:
    """The days from `lookback_days` before `now` to the last one that ended whose export of
    `media` is not loaded yet, each probed on the files host."""
    today = now.date()
    first = max(partitions_start, today - dt.timedelta(days=lookback_days))
    loaded = instance.get_materialized_partitions(dg.AssetKey(media.export_table))
    plan = ExportPlan([], [], {})
    for offset in range((today - first).days):
        day = first + dt.timedelta(days=offset)
        if day.isoformat() in loaded:
            continue
        problem = probe_export(tmdb.exports_base_url, day, tmdb.include_adult, media=media)
        if problem is None:
            plan.ready.append(day)
        elif isinstance(problem, ExportNotYetError) and now >= dt.datetime.combine(
            file_day(day), OVERDUE_AFTER, dt.UTC
        ):
            plan.overdue.append(day)
            plan.waiting[day] = str(problem)
        else:
            plan.waiting[day] = str(problem)
    return plan


def run_requests(
    plan: ExportPlan, media: Media = MOVIE, assets: list[dg.AssetKey] | None = None
) -> list[dg.RunRequest]:
    """The runs of `plan`'s days: `assets` (the domain's catalogue assets; None: the job's),
    keyed by day (the series' by "tv:" and the day)."""
    key = JOB if media is MOVIE else f"{JOB}:{media.name}"
    requests = [
        dg.RunRequest(
            run_key=f"{key}:{day.isoformat()}",
            partition_key=day.isoformat(),
            tags={"tmdb_assets/launched_by": "tmdb_export_sensor"},
            asset_selection=assets,
        )
        for day in plan.ready
    ]
    requests += [
        dg.RunRequest(
            run_key=f"{key}:{day.isoformat()}:overdue",
            partition_key=day.isoformat(),
            asset_selection=assets,
            # It fails at once by design (to be seen): no run retry.
            tags={
                "tmdb_assets/launched_by": "tmdb_export_sensor (overdue)",
                "dagster/max_retries": "0",
            },
        )
        for day in plan.overdue
    ]
    return requests


@dg.sensor(
    name="tmdb_export_sensor",
    job_name=JOB,
    minimum_interval_seconds=get_settings().export_sensor_interval_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING
    if get_settings().schedule_default == "running"
    else dg.DefaultSensorStatus.STOPPED,
    description="Starts the tmdb_catalogue run of each of the last "
    "TMDB_EXPORT_SENSOR_LOOKBACK_DAYS days once TMDb's export file for it is there (HEAD "
    "requests to the files host, no token); a file hours late gets one run that fails saying so.",
)
def tmdb_export_sensor(context: dg.SensorEvaluationContext, tmdb: TMDbResource):
    settings = get_settings()
    now = dt.datetime.now(dt.UTC)
    requests: list[dg.RunRequest] = []
    waiting: list[str] = []
    for media in MEDIA.values():
        try:
            plan = plan_exports(
                context.instance,
                tmdb,
                now,
                settings.export_sensor_lookback_days,
                settings.partitions_start,
                media,
            )
        except ExportUnreachableError as exc:
            return dg.SkipReason(str(exc))
        assets = [dg.AssetKey(a) for a in CATALOGUE_BY_MEDIA[media.name]]
        requests += run_requests(plan, media, assets)
        waiting += [f"{day} {media.noun}: {why}" for day, why in sorted(plan.waiting.items())]
    if requests:
        return dg.SensorResult(run_requests=requests)
    if waiting:
        return dg.SkipReason("waiting for TMDb's export files: " + "; ".join(waiting))
    return dg.SkipReason("every day of the lookback window is loaded")
