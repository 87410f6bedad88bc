"""The other commands: the Dagster UI, the dashboard, migrate, summary, stop."""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tmdb_assets.cli.common import CliError, migrated_warehouse, prepare_dagster_home
from tmdb_assets.settings import child_environment, get_settings, project_root, state_dir


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
    from tmdb_assets.db.warehouse import resolve_database_url, safe_url

    embedded = not get_settings().database_url
    url = resolve_database_url(get_settings().database_url)
    reader_url, user, password, note = dashboard_url(url, embedded)
    migrated_warehouse(user or None, password)  # the views, the role and its login
    if note:
        print(f"note: {note}")
    # The dashboard is a package of its own (it imports nothing from tmdb_assets): found, not
    # imported, and started with its URL.
    app = Path(importlib.util.find_spec("tmdb_assets_viz").origin).resolve().parent / "app.py"
    env = child_environment(TMDB_DASHBOARD_DATABASE_URL=reader_url)
    print(
        f"dashboard on http://{args.address}:{args.port} (reading {safe_url(reader_url)}); "
        "Ctrl-C stops it"
    )
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", args.address]
    cmd += ["--server.port", str(args.port), "--server.headless", "true"]
    cmd += ["--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]
    # An unforeseen error shows a generic message, never a traceback with server paths.
    cmd += ["--client.showErrorDetails", "none"]
    return run_child(cmd, env)


def run_child(cmd: list[str], env: dict[str, str]) -> int:
    """Run `cmd` until it ends, passing SIGTERM and SIGINT on to it: stopping this command
    stops the child too (it never keeps serving alone)."""
    child = subprocess.Popen(cmd, env=env)

    def forward(signum, _frame) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()


def migrate(args: argparse.Namespace) -> int:
    warehouse, applied = migrated_warehouse()
    print(f"{warehouse.display_url}: applied {applied or 'nothing (up to date)'}")
    return 0


def summary(args: argparse.Namespace) -> int:
    from tmdb_assets.warehouse.summary import print_summary

    warehouse, _ = migrated_warehouse()
    print_summary(warehouse, [], None)
    return 0
