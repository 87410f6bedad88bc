"""`tmdb-assets`: run the pipeline, open the Dagster UI, migrate, summarise.

`tmdb-assets run --simulator` is the Quickstart: embedded PostgreSQL, the local TMDb simulator
(started as a separate process: the pipeline only sees a base URL), the last 3 complete days in
date order, then a summary read from the views.
"""

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pydantic import SecretStr

from tmdb_assets.settings import get_settings, project_root, state_dir

log = logging.getLogger("tmdb_assets")
SIMULATOR_TOKEN = "simulator-token"


class CliError(RuntimeError):
    """A problem the user can fix; printed without a traceback."""


# --- environment ------------------------------------------------------------------------------


def prepare_dagster_home() -> Path:
    """DAGSTER_HOME with the project's dagster.yaml, and the instance's PostgreSQL URL."""
    home = Path(get_settings().dagster_home or state_dir() / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    source = project_root() / "dagster.yaml"
    if source.exists() and source.resolve() != (home / "dagster.yaml").resolve():
        shutil.copyfile(source, home / "dagster.yaml")
    from tmdb_assets.defs.instance import dagster_postgres_url

    # Dagster's own variables, for this process's instance and the processes it starts (the
    # UI's code server and run workers): the home, and the instance's resolved database.
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["DAGSTER_POSTGRES_URL"] = dagster_postgres_url()
    return home


class Simulator:
    """The TMDb simulator as a child process (`python -m tmdb_simulator`)."""

    def __init__(self, movies: int, seed: int, rate_limit: float, *extra: str):
        cmd = [
            sys.executable, "-m", "tmdb_simulator", "--port", "0",
            "--movies", str(movies), "--seed", str(seed), "--rate-limit", str(rate_limit), *extra,
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if "listening on " not in line:
            self.stop()
            raise CliError(f"the TMDb simulator did not start (it printed {line!r})")
        self.base_url = line.strip().rsplit(" ", 1)[-1]
        self.admin = self.base_url.removesuffix("/3") + "/__admin"

    def post(self, route: str, payload: dict) -> None:
        """An admin call: `date` (the simulated day), `faults`, `reset`."""
        req = urllib.request.Request(
            f"{self.admin}/{route}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(req, timeout=10).read()

    def set_day(self, day: dt.date) -> None:
        self.post("date", {"date": day.isoformat()})

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.admin}/state", timeout=10) as resp:
            return json.loads(resp.read())["stats"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --- run --------------------------------------------------------------------------------------

OUR_ERRORS = {
    "WarehouseError", "TMDbAuthError", "TMDbUnavailableError", "TMDbRequestError",
    "TMDbPayloadError", "MissingRawDataError", "SeedError", "PayloadError",
    "TMDbRateLimitedError", "TMDbIncompleteError", "LateCaptureError",
}  # fmt: skip


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


# Exit codes of `tmdb-assets run` (and `rebuild`), for cron and CI wrappers.
EXIT_OK = 0  # every run succeeded and every ERROR-severity check passed
EXIT_RUN_FAILED = 1  # a run failed: its day is not fully loaded; rerun the same command
EXIT_USAGE = 2  # a usage or configuration error: nothing was run
EXIT_CHECKS_FAILED = 3  # the runs succeeded but an ERROR-severity check failed: look at the data


def run_config_for(args: argparse.Namespace) -> dict:
    config: dict = {"loggers": {"console": {"config": {"log_level": args.log_level}}}}
    raw = {}
    if args.recapture:
        raw["recapture"] = True
    if getattr(args, "allow_late_capture", False):
        raw["allow_late_capture"] = True
    if raw:
        config["ops"] = {
            name: {"config": raw} for name in ("raw_discover_pages", "raw_movie_details")
        }
    return config


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
        simulator = Simulator(args.movies, args.seed, args.rate_limit)
        settings = settings.model_copy(
            update={
                "api_base_url": simulator.base_url,
                "exports_base_url": simulator.base_url.removesuffix("/3") + "/p/exports",
                "api_token": SecretStr(SIMULATOR_TOKEN),
            }
        )
        print(f"TMDb simulator: {simulator.base_url} ({args.movies} movies, seed {args.seed})")
    elif not settings.api_token.get_secret_value():
        raise CliError(
            "TMDB_API_TOKEN is not set: export your TMDb v4 API Read Access Token, or pass "
            "--simulator to run against the local TMDb simulator."
        )
    exit_code = EXIT_OK
    try:
        home = prepare_dagster_home()
        import dagster as dg

        from tmdb_assets.definitions import build_defs
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
        error_checks_failed: list[str] = []
        for day in days:
            if simulator:
                simulator.set_day(day)
            t0 = time.monotonic()
            result = defs.resolve_job_def("tmdb_daily").execute_in_process(
                partition_key=day.isoformat(),
                instance=instance,
                run_config=run_config,
                tags={"tmdb_assets/launched_by": "tmdb-assets run"},
                raise_on_error=False,
            )
            status = "ok" if result.success else "FAILED"
            steps = sum(1 for e in result.all_events if e.event_type_value == "STEP_START")
            checks = result.get_asset_check_evaluations()
            failed = [f"{c.asset_key.path[-1]}:{c.check_name}" for c in checks if not c.passed]
            note = ""
            if failed == ["fact_movie_daily:fresh"] and day != days[-1]:
                note = " (expected while catching up: a later day is still to load)"
            error_checks_failed += [
                f"{day} {c.asset_key.path[-1]}:{c.check_name}"
                for c in checks
                if not c.passed
                and c.severity == dg.AssetCheckSeverity.ERROR
                and not (c.check_name == "fresh" and day != days[-1])
            ]
            print(
                f"{day}: {status} in {time.monotonic() - t0:.1f}s (run {result.run_id[:8]}, {steps} steps); "
                f"checks: {len(checks) - len(failed)}/{len(checks)} passed"
                + (f", failed: {', '.join(failed)}{note}" if failed else "")
            )
            if not result.success:
                if step_failure(result)[0] in CONFIGURATION_ERRORS:
                    raise CliError(failure_report(result, day))
                raise RunFailed(failure_report(result, day))
        from tmdb_assets.warehouse.summary import print_summary

        print_summary(warehouse, days, time.monotonic() - started)
        verdict = "every check passed" if not failed else f"FAILED checks: {', '.join(failed)}"
        print(f"Checks on the final state: {len(checks) - len(failed)}/{len(checks)}, {verdict}")
        print(
            "Dashboard on what was loaded: tmdb-assets viz (make viz), then http://127.0.0.1:8501"
        )
        if error_checks_failed:
            print(
                f"ERROR-severity checks failed: {', '.join(error_checks_failed)} "
                f"(exit code {EXIT_CHECKS_FAILED}; their metadata in the Dagster UI says what)"
            )
            exit_code = EXIT_CHECKS_FAILED
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


def keep_instance_connections(instance) -> None:
    """Reuse connections to the instance's PostgreSQL for the process's lifetime.

    dagster-postgres opens a new connection for every event it stores (it must not hold any in
    long-lived processes that create many instances); a run stores about 150 events a day and
    each event takes several connections. This one-shot process keeps a small pool instead,
    as the Dagster webserver does (the same Dagster call), which saves about 2 s a day.
    """
    instance.optimize_for_webserver(statement_timeout=300_000, pool_recycle=3600, max_overflow=4)


class RunFailed(RuntimeError):
    """A Dagster run failed; the message says what was committed and what to do."""


def get_instance():
    """The Dagster instance, or one clear line when its database cannot be reached."""
    import dagster as dg

    from tmdb_assets.defs.instance import InstanceDatabaseError

    try:
        return dg.DagsterInstance.get()
    except InstanceDatabaseError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:
        cause = exc
        while cause is not None:
            if isinstance(cause, InstanceDatabaseError):
                raise CliError(str(cause)) from None
            cause = cause.__cause__ or cause.__context__
        raise


# --- other commands -----------------------------------------------------------------------


def rebuild(args: argparse.Namespace) -> int:
    """Drop the warehouse schema and replay every captured day from raw."""
    from tmdb_assets.defs.resources import WarehouseResource
    from tmdb_assets.warehouse.rebuild import captured_ranges, recreate_warehouse_schema

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
    run_config = {"loggers": {"console": {"config": {"log_level": args.log_level}}}}
    # The discover days by the derived job; the catalogue's days (their export files and tail
    # details) by the catalogue job without its raw assets: nothing is asked again.
    import dagster as dg

    from tmdb_assets.capture.export import EXPORT
    from tmdb_assets.capture.tail import TAIL
    from tmdb_assets.definitions import CATALOGUE_ASSETS

    replays = [(defs.resolve_job_def("tmdb_derived"), None, r) for r in ranges]
    catalogue = [dg.AssetKey(a) for a in CATALOGUE_ASSETS if a not in (EXPORT, TAIL)]
    replays += [
        (defs.resolve_job_def("tmdb_catalogue"), catalogue, r)
        for r in captured_ranges(warehouse, EXPORT)
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


def dev(args: argparse.Namespace) -> int:
    home = prepare_dagster_home()
    print(f"Dagster home: {home}; UI on http://127.0.0.1:{args.port}")
    cmd = [sys.executable, "-m", "dagster", "dev", "-w", str(project_root() / "workspace.yaml")]
    cmd += ["-p", str(args.port)]
    # Started in DAGSTER_HOME (which holds the project's dagster.yaml): from the repo root,
    # dagster dev warns that the dagster.yaml it finds there "will not be used".
    return subprocess.call(cmd, cwd=home)


def stop(args: argparse.Namespace) -> int:
    """Stop the embedded PostgreSQL that `make demo` and the other commands leave running."""
    import signal

    pgdata = state_dir() / "pg"
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        print(f"the embedded PostgreSQL is not running ({pgdata})")
        return 0
    pid = int(pidfile.read_text().splitlines()[0])
    try:
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown: sessions end, data is safe
    except ProcessLookupError:
        print(f"the embedded PostgreSQL is not running (stale {pidfile.name} removed)")
        pidfile.unlink(missing_ok=True)
        return 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and pidfile.exists():
        time.sleep(0.2)
    if pidfile.exists():
        raise CliError(f"PostgreSQL (pid {pid}) did not stop within 30 s; try again")
    print(
        f"stopped the embedded PostgreSQL in {pgdata} (its data is kept; any command restarts it)"
    )
    return 0


def dashboard_url(url: str, embedded: bool) -> tuple[str, str, str | None, str | None]:
    """(URL, login, password) the dashboard reads with: the read-only login when there is
    one; and a note when it reads as the warehouse's own user."""
    from sqlalchemy.engine import make_url

    settings = get_settings()
    user = settings.reader_user
    password = settings.reader_password.get_secret_value() or None
    if not user and embedded:
        # The embedded server trusts local connections: its reader login needs no password.
        user = "tmdb_dashboard"
    if not user:
        return (
            url,
            "",
            None,
            (
                "reading with the warehouse's own user: set TMDB_READER_USER and "
                "TMDB_READER_PASSWORD to read through the read-only role tmdb_reader"
            ),
        )
    reader = make_url(url).set(username=user, password=password)
    return reader.render_as_string(hide_password=False), user, password, None


def viz(args: argparse.Namespace) -> int:
    """The analysts' dashboard (Streamlit) on ADDRESS:PORT, over the analytics views."""
    import importlib.util

    if importlib.util.find_spec("streamlit") is None:
        raise CliError(
            "the dashboard needs the viz extra: pip install -e '.[viz]' (make installs it)"
        )
    from tmdb_assets.db.warehouse import Warehouse, resolve_database_url, safe_url
    from tmdb_assets.warehouse.schema import migrate as migrate_schema

    embedded = not get_settings().database_url
    url = resolve_database_url(get_settings().database_url)
    reader_url, user, password, note = dashboard_url(url, embedded)
    # The views, the role and its login.
    migrate_schema(Warehouse(url), reader_user=user or None, reader_password=password)
    if note:
        print(f"note: {note}")
    # The dashboard is a package of its own (it imports nothing from tmdb_assets): found, not
    # imported, and started with its URL.
    app = Path(importlib.util.find_spec("tmdb_assets_viz").origin).resolve().parent / "app.py"
    env = {**os.environ, "TMDB_DASHBOARD_DATABASE_URL": reader_url}
    print(
        f"dashboard on http://{args.address}:{args.port} (reading {safe_url(reader_url)}); "
        "Ctrl-C stops it"
    )
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", args.address]
    cmd += ["--server.port", str(args.port), "--server.headless", "true"]
    cmd += ["--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]
    return subprocess.call(cmd, env=env)


def migrate(args: argparse.Namespace) -> int:
    from tmdb_assets.db.warehouse import Warehouse, resolve_database_url
    from tmdb_assets.warehouse.schema import migrate as migrate_schema

    warehouse = Warehouse(resolve_database_url(get_settings().database_url))
    applied = migrate_schema(warehouse)
    print(f"{warehouse.display_url}: applied {applied or 'nothing (up to date)'}")
    return 0


def summary(args: argparse.Namespace) -> int:
    from tmdb_assets.db.warehouse import Warehouse, resolve_database_url
    from tmdb_assets.warehouse.schema import migrate as migrate_schema
    from tmdb_assets.warehouse.summary import print_summary

    warehouse = Warehouse(resolve_database_url(get_settings().database_url))
    migrate_schema(warehouse)
    print_summary(warehouse, [], None)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tmdb-assets", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="materialize every asset for some days, then summarise")
    r.add_argument(
        "--simulator", action="store_true", help="start and use the local TMDb simulator"
    )
    r.add_argument(
        "--days", type=int, help="the last N complete UTC days (default 3 with --simulator, else 1)"
    )
    r.add_argument("--date", action="append", help="a partition (YYYY-MM-DD); repeatable")
    r.add_argument("--start", help="first partition of a range (with --end)")
    r.add_argument("--end", help="last partition of a range (inclusive)")
    r.add_argument("--pages", type=int, help="discover pages per day, 1..500 (TMDB_DISCOVER_PAGES)")
    r.add_argument(
        "--allow-late-capture",
        action="store_true",
        help="capture days that ended more than late_grace_hours ago (records TMDb as it is "
        "now, flagged late_capture; TMDB_ALLOW_LATE_CAPTURE=1)",
    )
    r.add_argument(
        "--recapture",
        action="store_true",
        help="capture the days again even if captured (the old capture stays as an earlier version)",
    )
    r.add_argument("--movies", type=int, default=2000, help="simulator catalog size")
    r.add_argument("--seed", type=int, default=7, help="simulator seed")
    r.add_argument("--rate-limit", type=float, default=50.0, help="simulator requests/s")
    r.add_argument("--log-level", default="WARNING", help="Dagster console log level")
    r.set_defaults(func=run)
    d = sub.add_parser("dev", help="start the Dagster UI and daemon on this project")
    d.add_argument("--port", type=int, default=3000)
    d.set_defaults(func=dev)
    v = sub.add_parser("viz", help="start the analysts' dashboard (Streamlit)")
    v.add_argument("--port", type=int, default=8501)
    v.add_argument("--address", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    v.set_defaults(func=viz)
    sub.add_parser("migrate", help="apply sql/ migrations").set_defaults(func=migrate)
    rb = sub.add_parser("rebuild", help="drop schema warehouse and rebuild it from raw")
    rb.add_argument("--yes", action="store_true", help="confirm: the warehouse schema is dropped")
    rb.add_argument("--log-level", default="WARNING")
    rb.set_defaults(func=rebuild)
    sub.add_parser("summary", help="print what the warehouse holds").set_defaults(func=summary)
    sub.add_parser("stop", help="stop the embedded PostgreSQL (data kept)").set_defaults(func=stop)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("tmdb_assets").setLevel(logging.INFO)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RunFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    except (CliError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from tmdb_assets.db.warehouse import WarehouseError
        from tmdb_assets.tmdb.client import TMDbError

        if isinstance(exc, TMDbError | WarehouseError):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_RUN_FAILED
        raise


if __name__ == "__main__":
    sys.exit(main())
