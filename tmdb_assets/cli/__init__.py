"""`tmdb-assets`: run the pipeline, open the Dagster UI, migrate, summarise.

`tmdb-assets run --simulator` is the Quickstart: embedded PostgreSQL, the local TMDb simulator
(started as a separate process: the pipeline only sees a base URL), the last 3 complete days in
date order, then a summary read from the views.
"""

import argparse
import logging
import signal
import sys
import threading

from tmdb_assets.cli.commands import dev, migrate, stop, summary, viz
from tmdb_assets.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_RUN_FAILED,
    EXIT_USAGE,
    CliError,
    Interrupted,
    RunFailed,
)
from tmdb_assets.cli.run import rebuild, run


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
    which = r.add_mutually_exclusive_group()
    which.add_argument(
        "--no-catalogue",
        action="store_true",
        help="leave out the catalogue (TMDb's daily ID export, the long tail's details)",
    )
    which.add_argument(
        "--catalogue-only",
        action="store_true",
        help="only the catalogue job (its file for day D is built around 07:00-08:00 UTC on D+1)",
    )
    r.add_argument(
        "--no-tv",
        action="store_true",
        help="leave out TV series (/discover/tv, /tv/{id} and their tables): movies only",
    )
    r.add_argument("--movies", type=int, default=2000, help="simulator catalog size")
    r.add_argument("--tv-series", type=int, default=400, help="simulator TV catalogue size")
    r.add_argument(
        "--export-tail",
        type=int,
        default=3000,
        help="simulator: ids beyond its catalog in each daily export (the long tail)",
    )
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
    # SIGTERM (a service manager, `kill`, a container's stop) stops a command as Ctrl-C does:
    # the run in progress ends at once, keeping what it fetched (Dagster maps SIGTERM to SIGINT
    # inside a run; this covers the moments between runs too).
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return args.func(args)
    except Interrupted as exc:
        print(f"interrupted: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except RunFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    except (CliError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(
            "interrupted: rerun the same command to go on (what was fetched is kept)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except Exception as exc:
        from tmdb_assets.db.warehouse import WarehouseError
        from tmdb_assets.tmdb.errors import TMDbError

        if isinstance(exc, TMDbError | WarehouseError):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_RUN_FAILED
        raise
