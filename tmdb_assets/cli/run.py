"""`tmdb-assets run` and `rebuild`: days of the pipeline in date order, then a summary."""

import argparse
import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from pydantic import SecretStr

from tmdb_assets.cli.common import (
    EXIT_CHECKS_FAILED,
    EXIT_OK,
    CliError,
    Interrupted,
    RunFailed,
    get_instance,
    keep_instance_connections,
    prepare_dagster_home,
)
from tmdb_assets.cli.failures import (
    CONFIGURATION_ERRORS,
    INTERRUPTS,
    failure_report,
    interrupted_report,
    step_failure,
    step_failure_message,
)
from tmdb_assets.cli.simulator import SIMULATOR_TOKEN, Simulator
from tmdb_assets.settings import get_settings

log = logging.getLogger("tmdb_assets")
TAIL_STEP = "raw_movie_tail_details"


def pick_days(args: argparse.Namespace) -> list[dt.date]:
    from tmdb_assets.transform.days import parse_partition_key

    if args.date:
        return sorted({parse_partition_key(d) for d in args.date})
    if args.start or args.end:
        if not (args.start and args.end):
            raise CliError("--start and --end go together (YYYY-MM-DD, inclusive)")
        start, end = parse_partition_key(args.start), parse_partition_key(args.end)
        if end < start:
            raise CliError(f"--end {end} is before --start {start}")
        return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    today = dt.datetime.now(dt.UTC).date()
    days = args.days if args.days is not None else (3 if args.simulator else 1)
    if days < 1:
        raise CliError(f"--days {days}: give 1 or more (the last N complete UTC days)")
    return [parse_partition_key(str(today - dt.timedelta(days=k))) for k in range(days, 0, -1)]


def logger_config(args: argparse.Namespace) -> dict:
    """A run's console log level (--log-level)."""
    return {"loggers": {"console": {"config": {"log_level": args.log_level}}}}


def run_config_for(args: argparse.Namespace) -> dict:
    config: dict = logger_config(args)
    raw = {}
    if args.recapture:
        raw["recapture"] = True
    if getattr(args, "allow_late_capture", False):
        raw["allow_late_capture"] = True
    if raw:
        names = ["raw_discover_pages", "raw_movie_details", "raw_trending"]
        if not getattr(args, "no_tv", False):
            names += ["raw_discover_tv_pages", "raw_tv_details"]
        config["ops"] = {name: {"config": raw} for name in names}
    return config


# The demo's tail budget (the simulator's long tail): a few requests, not TMDb's 2,000 a day.
SIMULATOR_TAIL_DETAILS = 100


@dataclass
class Outcome:
    """What the runs of one command found, for its last lines and its exit code."""

    last_checks: list = field(default_factory=list)  # the last day's check evaluations
    error_checks_failed: list[str] = field(default_factory=list)
    catalogue_skipped: list[str] = field(default_factory=list)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    if args.pages is not None and not 1 <= args.pages <= 500:
        raise CliError(f"--pages {args.pages} is outside 1..500 (20 movies a page)")
    days = pick_days(args)  # before anything starts: a bad key costs nothing
    simulator = None
    settings = get_settings()
    if args.pages:
        settings = settings.model_copy(update={"discover_pages": args.pages})
    if args.simulator:
        simulator = Simulator(
            args.movies,
            args.seed,
            args.rate_limit,
            "--export-tail",
            str(args.export_tail),
            "--tv-series",
            str(0 if args.no_tv else args.tv_series),
        )
        update = {
            "api_base_url": simulator.base_url,
            "exports_base_url": simulator.base_url.removesuffix("/3") + "/p/exports",
            "api_token": SecretStr(SIMULATOR_TOKEN),
        }
        if "tail_details_per_day" not in settings.model_fields_set:
            update["tail_details_per_day"] = SIMULATOR_TAIL_DETAILS
        settings = settings.model_copy(update=update)
        print(
            f"TMDb simulator: {simulator.base_url} ({args.movies} movies"
            + ("" if args.no_tv else f", {args.tv_series} TV series")
            + f", seed {args.seed}; {args.movies + args.export_tail} movies in its daily export)"
        )
    elif not settings.api_token.get_secret_value():
        raise CliError(
            "TMDB_API_TOKEN is not set: export your TMDb v4 API Read Access Token, or pass "
            "--simulator to run against the local TMDb simulator."
        )
    exit_code = EXIT_OK
    try:
        home = prepare_dagster_home()

        from tmdb_assets.definitions import build_defs, daily_assets
        from tmdb_assets.defs.resources import WarehouseResource
        from tmdb_assets.defs.runs import close_dead_runs

        defs = build_defs(settings)
        instance = get_instance()
        keep_instance_connections(instance)
        warehouse = WarehouseResource(database_url=settings.database_url).get()
        print(f"warehouse: {warehouse.display_url}\nDagster home: {home}")
        for run_id in close_dead_runs(instance, logger=log):
            print(f"closed a dead run left STARTED by a killed process: {run_id}")
        run_config = run_config_for(args)
        selection = daily_assets(defs, tv=not args.no_tv)
        outcome = Outcome()
        for day in days:
            last = day == days[-1]
            if not args.catalogue_only:
                if simulator:
                    simulator.set_day(day)
                job = defs.resolve_job_def("tmdb_daily")
                _run_day(job, day, instance, run_config, last, outcome, selection)
            if not args.no_catalogue:
                if simulator:
                    simulator.set_day(day, "09:00")  # the morning its export file is built
                _run_catalogue_day(defs, settings, day, instance, args, last, outcome)
        from tmdb_assets.warehouse.summary import print_summary

        print_summary(warehouse, days, time.monotonic() - started)
        checks = outcome.last_checks
        failed = [f"{c.asset_key.path[-1]}:{c.check_name}" for c in checks if not c.passed]
        verdict = "every check passed" if not failed else f"FAILED checks: {', '.join(failed)}"
        print(f"Checks on the final state: {len(checks) - len(failed)}/{len(checks)}, {verdict}")
        print(
            "Dashboard on what was loaded: tmdb-assets viz (make viz), then http://127.0.0.1:8501"
        )
        if outcome.error_checks_failed:
            print(
                f"ERROR-severity checks failed: {', '.join(outcome.error_checks_failed)} "
                f"(exit code {EXIT_CHECKS_FAILED}; their metadata in the Dagster UI says what)"
            )
            exit_code = EXIT_CHECKS_FAILED
        if args.catalogue_only and outcome.catalogue_skipped:
            raise RunFailed(
                f"the catalogue of {', '.join(outcome.catalogue_skipped)} could not run (above: "
                "why); rerun once TMDb's file is there"
            )
        if simulator:
            stats = simulator.stats()
            print(
                f"simulator: {stats['requests']} requests, by status {stats['by_status']}, "
                f"max {stats['max_requests_in_1s']} in any second"
            )
    finally:
        if simulator:
            simulator.stop()
    return exit_code


def _run_catalogue_day(defs, settings, day, instance, args, last: bool, outcome: Outcome) -> None:
    """The catalogue job for `day`, each domain's part when its export file is there (a HEAD
    request); else say why not (not built yet, missing, gone), as tmdb_export_sensor would. The
    movies' file missing skips the day (the series' part alone is not run either)."""
    import dagster as dg

    from tmdb_assets.capture.export import ExportUnreachableError, probe_export
    from tmdb_assets.defs.catalogue.sensors import CATALOGUE_BY_MEDIA
    from tmdb_assets.transform.media import MEDIA, TV

    selection: list = []
    for media in MEDIA.values():
        if media is TV and args.no_tv:
            continue
        try:
            problem = probe_export(
                settings.exports_base_url, day, settings.include_adult, media=media
            )
        except ExportUnreachableError as exc:
            problem = exc
        if problem is not None:
            why = str(problem).split(": ", 1)[-1].split(". ")[0]
            label = "catalogue" if media is not TV else "TV catalogue"
            print(f"{day} {label}: not run: {why}")
            if media is not TV:
                outcome.catalogue_skipped.append(str(day))
                return
            continue
        selection += [dg.AssetKey(a) for a in CATALOGUE_BY_MEDIA[media.name]]
    config = logger_config(args)
    if getattr(args, "allow_late_capture", False):
        config["ops"] = {TAIL_STEP: {"config": {"allow_late_capture": True}}}
    _run_day(
        defs.resolve_job_def("tmdb_catalogue"), day, instance, config, last, outcome, selection
    )


def _run_day(job, day, instance, run_config, last: bool, outcome: Outcome, selection=None) -> None:
    """One job for one day (its `selection` of assets, None: all), reported in one line; a
    failure stops the command."""
    import dagster as dg

    label = "" if job.name == "tmdb_daily" else " catalogue"
    t0 = time.monotonic()
    result = job.execute_in_process(
        partition_key=day.isoformat(),
        instance=instance,
        run_config=run_config,
        tags={"tmdb_assets/launched_by": "tmdb-assets run"},
        asset_selection=selection,
        raise_on_error=False,
    )
    stopped = not result.success and step_failure(result)[0] in INTERRUPTS
    status = "ok" if result.success else "STOPPED" if stopped else "FAILED"
    steps = sum(1 for e in result.all_events if e.event_type_value == "STEP_START")
    checks = result.get_asset_check_evaluations()
    failed = [f"{c.asset_key.path[-1]}:{c.check_name}" for c in checks if not c.passed]
    # `fresh` fails on every day but the last of a catch-up: expected, not a failure.
    expected = [k for k in failed if k == "fact_movie_daily:fresh" and not last]
    unexpected = [k for k in failed if k not in expected]
    outcome.error_checks_failed += [
        f"{day} {c.asset_key.path[-1]}:{c.check_name}"
        for c in checks
        if not c.passed
        and c.severity == dg.AssetCheckSeverity.ERROR
        and not (c.check_name == "fresh" and not last)
    ]
    if last:
        outcome.last_checks += checks
    print(
        f"{day}{label}: {status} in {time.monotonic() - t0:.1f}s (run {result.run_id[:8]}, "
        f"{steps} steps); checks: {len(checks) - len(failed)}/{len(checks)} passed"
        + (
            f", catching up: {', '.join(expected)} (expected: a later day is still to load)"
            if expected
            else ""
        )
        + (f", failed: {', '.join(unexpected)}" if unexpected else "")
    )
    if not result.success:
        if stopped:
            raise Interrupted(interrupted_report(result, day))
        if step_failure(result)[0] in CONFIGURATION_ERRORS:
            raise CliError(failure_report(result, day))
        raise RunFailed(failure_report(result, day))


def rebuild(args: argparse.Namespace) -> int:
    """Drop the warehouse schema and replay every captured day from raw."""
    from tmdb_assets.defs.resources import WarehouseResource
    from tmdb_assets.warehouse.rebuild import by_month, captured_ranges, recreate_warehouse_schema

    if not args.yes:
        raise CliError("rebuild drops schema `warehouse` (raw is kept): pass --yes to go ahead")
    prepare_dagster_home()

    from tmdb_assets.definitions import defs

    warehouse = WarehouseResource(database_url=get_settings().database_url).get()
    ranges = captured_ranges(warehouse)
    if not ranges:
        raise CliError("raw holds no captured day: nothing to rebuild from")
    started = time.monotonic()
    recreate_warehouse_schema(warehouse)
    print(f"dropped and recreated schema warehouse at {warehouse.display_url}")
    instance = get_instance()
    keep_instance_connections(instance)
    run_config = logger_config(args)
    # The discover days by the derived job (a day without a TV capture loads no TV); each
    # domain's catalogue days (its export files, the movies' tail details) by the catalogue job
    # without its raw assets, a month a run (each closed month compacted at its end): nothing
    # is asked again.
    import dagster as dg

    from tmdb_assets.capture.tail import TAIL
    from tmdb_assets.defs.catalogue.sensors import CATALOGUE_BY_MEDIA
    from tmdb_assets.transform.media import MEDIA

    replays = [(defs.resolve_job_def("tmdb_derived"), None, r) for r in ranges]
    raw = {TAIL, *(m.export_asset for m in MEDIA.values())}
    for media in MEDIA.values():
        catalogue = [dg.AssetKey(a) for a in CATALOGUE_BY_MEDIA[media.name] if a not in raw]
        replays += [
            (defs.resolve_job_def("tmdb_catalogue"), catalogue, r)
            for r in by_month(captured_ranges(warehouse, media.export_asset))
        ]
    for job, selection, (start, end) in replays:
        result = job.execute_in_process(
            instance=instance,
            run_config=run_config,
            tags={
                "dagster/asset_partition_range_start": start.isoformat(),
                "dagster/asset_partition_range_end": end.isoformat(),
            },
            asset_selection=selection,
            raise_on_error=False,
        )
        print(
            f"{job.name} {start}..{end}: {'ok' if result.success else 'FAILED'} "
            f"(one run: {result.run_id[:8]})"
        )
        if not result.success:
            raise RunFailed(
                f"rebuilding {start}..{end} failed: {step_failure_message(result)}; rerun "
                "`tmdb-assets rebuild --yes`"
            )
    days = [
        d for s, e in ranges for d in (s + dt.timedelta(days=i) for i in range((e - s).days + 1))
    ]
    from tmdb_assets.warehouse.summary import print_summary

    print_summary(warehouse, days, time.monotonic() - started)
    return 0
