"""A failed run says so where a team looks: a clear log line, and a webhook when configured.

`TMDB_ALERT_WEBHOOK_URL` (Slack/Teams incoming webhooks, or any endpoint that takes JSON): each
failed run of this code location is posted there as {"text": ..., "run_id", "job", "partition",
"error", "run_url"}. The message never holds a secret: it is built from the run's job,
partition tags and the failing step's error message, which name settings, never their values.
"""

import json
import logging
import urllib.request

import dagster as dg

from tmdb_assets.settings import get_settings

log = logging.getLogger(__name__)


def failure_summary(run: dg.DagsterRun, error: str | None) -> dict:
    tags = run.tags
    partition = tags.get("dagster/partition") or (
        f"{tags['dagster/asset_partition_range_start']}..{tags['dagster/asset_partition_range_end']}"
        if "dagster/asset_partition_range_start" in tags
        else ""
    )
    base = get_settings().dagster_ui_url.rstrip("/")
    first_line = (error or "no error message").strip().splitlines()[0][:500]
    text = (
        f"tmdb-assets: run {run.run_id[:8]} of {run.job_name}"
        + (f" for {partition}" if partition else "")
        + f" failed: {first_line}"
    )
    return {
        "text": text,
        "run_id": run.run_id,
        "job": run.job_name,
        "partition": partition,
        "error": first_line,
        "run_url": f"{base}/runs/{run.run_id}",
    }


def post_webhook(url: str, payload: dict, timeout_s: float = 10.0) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        response.read()


@dg.run_failure_sensor(
    name="tmdb_run_failure_alert",
    description="Logs a one-line summary of every failed run and posts it to "
    "TMDB_ALERT_WEBHOOK_URL when that is set.",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
)
def tmdb_run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    error = None
    if context.failure_event and context.failure_event.message:
        error = context.failure_event.message
    step_failures = context.get_step_failure_events()
    if step_failures:
        data = step_failures[0].event_specific_data
        cause = getattr(data, "error", None)
        while cause is not None and cause.cause is not None:  # the error that started it
            cause = cause.cause
        if cause is not None:
            error = f"{step_failures[0].step_key}: {cause.message.strip()}"
    summary = failure_summary(context.dagster_run, error)
    context.log.error(summary["text"])
    url = get_settings().alert_webhook_url
    if url:
        try:
            post_webhook(url, summary)
        except Exception as exc:  # an alert that cannot be sent must not fail the sensor loop
            context.log.warning(f"the failure alert could not be posted: {type(exc).__name__}")
