"""What a failed run tells the user: the error that failed it, what was committed, what to do."""

import datetime as dt

OUR_ERRORS = {
    "WarehouseError", "TMDbAuthError", "TMDbUnavailableError", "TMDbRequestError",
    "TMDbPayloadError", "MissingRawDataError", "SeedError", "PayloadError",
    "TMDbRateLimitedError", "TMDbIncompleteError", "LateCaptureError", "TMDbStopped",
}  # fmt: skip
# A run stopped by SIGINT, SIGTERM or the UI.
INTERRUPTS = {"DagsterExecutionInterruptedError", "KeyboardInterrupt", "TMDbStopped"}


def step_failure(result) -> tuple[str, str]:
    """(class name, message) of the error that failed a step: ours when one of ours is in the
    chain, else the deepest cause."""
    failure = next((e for e in result.all_events if e.event_type_value == "STEP_FAILURE"), None)
    if failure is None:
        return "", ""
    error = failure.event_specific_data.error
    deepest = error
    while error is not None:
        if error.cls_name in OUR_ERRORS:
            return error.cls_name, error.message.strip()
        deepest = error
        error = error.cause
    return deepest.cls_name, deepest.message.strip()


def step_failure_message(result) -> str:
    return step_failure(result)[1]


# Failures that no rerun fixes until the configuration changes: exit EXIT_USAGE, not
# EXIT_RUN_FAILED, so a wrapper does not retry them.
CONFIGURATION_ERRORS = {"TMDbAuthError", "SeedError", "LateCaptureError"}


def failure_report(result, day: dt.date) -> str:
    """What a failed run committed, what failed and what did not run."""
    done = sorted({e.asset_key.path[-1] for e in result.get_asset_materialization_events()})
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    skipped = sorted({node.name for node in result.job_def.nodes} - started)
    lines = [
        f"the run for {day} failed in {', '.join(failed) or 'the run'}: {step_failure_message(result)}"
    ]
    if done:
        lines.append(
            f"Committed for {day} before the failure (kept, reused by the rerun): {', '.join(done)}."
        )
    else:
        lines.append(f"Nothing was committed for {day} by this run.")
    if skipped:
        lines.append(f"Not run: {len(skipped)} step(s) downstream of the failure.")
    lines.append(
        "Details fetched before a capture failed are kept (not current) and resumed: fix the "
        "cause and rerun the same command."
    )
    return "\n".join(lines)


def interrupted_report(result, day: dt.date) -> str:
    """What a run stopped part-way kept."""
    done = sorted({e.asset_key.path[-1] for e in result.get_asset_materialization_events()})
    step = next((e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"), "")
    return (
        f"the run for {day} (run {result.run_id[:8]}) was stopped in {step or 'a step'}. "
        + (f"Committed before the stop: {', '.join(done)}. " if done else "")
        + "Every response received was written; rerun the same command to go on from there."
    )
