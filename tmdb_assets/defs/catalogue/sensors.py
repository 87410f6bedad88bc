"""`tmdb_export_sensor`: the catalogue run of a day starts when TMDb's file for it exists.

TMDb builds day D's export file around 07:00-08:00 UTC on D+1, some days later. Waiting inside
a run held it STARTED for hours, deaf to a stop. So a sensor waits instead: every
TMDB_EXPORT_SENSOR_INTERVAL_SECONDS it asks the files host (a HEAD request per file, no token,
nothing downloaded) about the days of the last TMDB_EXPORT_SENSOR_LOOKBACK_DAYS whose catalogue
is not loaded, and requests the `tmdb_catalogue` run of each day whose file is there (once: the
run key is the day). It replaces the 09:15 schedule, which started the run at a fixed time and
made it wait.

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

JOB = "tmdb_catalogue"
LOADED = dg.AssetKey("fact_movie_popularity_daily")


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
) -> ExportPlan:
    """The days from `lookback_days` before `now` to the last one that ended, not loaded yet,
    each probed on the files host."""
    today = now.date()
    first = max(partitions_start, today - dt.timedelta(days=lookback_days))
    loaded = instance.get_materialized_partitions(LOADED)
    plan = ExportPlan([], [], {})
    for offset in range((today - first).days):
        day = first + dt.timedelta(days=offset)
        if day.isoformat() in loaded:
            continue
        problem = probe_export(tmdb.exports_base_url, day, tmdb.include_adult)
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


def run_requests(plan: ExportPlan) -> list[dg.RunRequest]:
    requests = [
        dg.RunRequest(
            run_key=f"{JOB}:{day.isoformat()}",
            partition_key=day.isoformat(),
            tags={"tmdb_assets/launched_by": "tmdb_export_sensor"},
        )
        for day in plan.ready
    ]
    requests += [
        dg.RunRequest(
            run_key=f"{JOB}:{day.isoformat()}:overdue",
            partition_key=day.isoformat(),
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
    try:
        plan = plan_exports(
            context.instance,
            tmdb,
            dt.datetime.now(dt.UTC),
            settings.export_sensor_lookback_days,
            settings.partitions_start,
        )
    except ExportUnreachableError as exc:
        return dg.SkipReason(str(exc))
    requests = run_requests(plan)
    if requests:
        return dg.SensorResult(run_requests=requests)
    if plan.waiting:
        return dg.SkipReason(
            "waiting for TMDb's export files: "
            + "; ".join(f"{day}: {why}" for day, why in sorted(plan.waiting.items()))
        )
    return dg.SkipReason("every day of the lookback window is loaded")
