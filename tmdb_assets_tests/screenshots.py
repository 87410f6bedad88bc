"""Screenshots of the Dagster UI for the README, taken in a real browser.

    python -m tmdb_assets_tests.screenshots [--out docs/screenshots] [--days 3]

Loads the last N complete days from the simulator into a scratch database (through the
`tmdb-assets run` command, as a user would), starts `dagster dev` on it, and opens the UI in
Debian's Chromium driven by Playwright (`executable_path`, never a browser download):
- the asset graph upstream of a view, raw to analytics (asset_graph.png),
- the fact's partitions with one day selected (fact_partition.png),
- the fact's checks (fact_checks.png).
Needs `apt-get install chromium` and `pip install playwright`.
"""

import argparse
import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

from tmdb_assets.db.embedded import embedded_server_uri, normalize_url, with_database
from tmdb_assets.settings import project_root
from tmdb_assets_tests.dagster_dev import dagster_dev

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def wait_for(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s")


def skip_dialogs(page) -> None:
    """The first visit shows a 'Join the Dagster community' dialog: skip it."""
    for label in ("Skip", "Dismiss", "Close"):
        button = page.get_by_role("button", name=label)
        if button.count():
            button.first.click()
            page.wait_for_timeout(500)


def shoot(port: int, out: Path, day: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    pages = [
        (
            "asset_graph.png",
            f"{base}/assets/vw_top_movies?view=lineage&lineageScope=upstream&lineageDepth=6",
            "raw_discover_pages",
        ),
        (
            "fact_partition.png",
            f"{base}/assets/fact_movie_daily?view=partitions&partition={day}",
            "top_10",
        ),
        ("fact_checks.png", f"{base}/assets/fact_movie_daily?view=checks", "matches_raw_discover"),
    ]
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        for name, url, wait_text in pages:
            page.goto(url)
            page.wait_for_load_state("networkidle")
            skip_dialogs(page)
            try:
                page.get_by_text(wait_text).first.wait_for(timeout=30_000)
            except Exception:
                print(f"{name}: '{wait_text}' not seen; taking the screenshot anyway")
            page.wait_for_timeout(1500)
            path = out / name
            page.screenshot(path=str(path))
            written.append(path)
            print(f"wrote {path}")
        browser.close()
    return written


@contextlib.contextmanager
def running_dashboard(database_url: str, reader: str) -> Iterator[str]:
    """`tmdb-assets viz` on a free port over `database_url`, reading as login `reader`;
    yields its URL once it answers, stops it afterwards."""
    import signal

    from tmdb_assets_tests.dagster_dev import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
    env.update(TMDB_DATABASE_URL=database_url, TMDB_READER_USER=reader)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tmdb_assets.cli", "viz", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health", 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def shoot_dashboard(
    url: str,
    path: Path,
    settle: bool = True,
    people: bool = False,
    watch: bool = False,
    tv: bool = False,
) -> dict:
    """Open the dashboard, wait until its charts are drawn, save a full-page screenshot.
    Returns the page's title, visible text, number of drawn charts, and the seconds from
    opening the page until the latest day and its KPIs are shown (first_paint_s) and until
    its third chart was drawn (paint_s)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Chromium puts its singleton socket under TMPDIR: a deep test TMPDIR overflows the
        # socket path limit (108 bytes), so it gets the system's.
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            env={**os.environ, "TMPDIR": "/tmp"},
        )
        try:
            # Tall enough for the whole page: Streamlit scrolls inside its own container.
            page = browser.new_page(viewport={"width": 1400, "height": 2600})
            started = time.perf_counter()
            page.goto(url)
            page.get_by_text("Latest loaded day").first.wait_for(timeout=60_000)
            page.get_by_text("Movies tracked").first.wait_for(timeout=60_000)
            first = time.perf_counter() - started  # the latest day and its KPIs on screen
            charts = page.locator(".vega-embed canvas, .vega-embed svg.marks")
            if people:  # the People page, from the sidebar: two charts
                page.get_by_text("People", exact=True).first.click()
                page.get_by_text("Top person on").first.wait_for(timeout=60_000)
                charts.nth(1).wait_for(timeout=60_000)
            elif tv:  # the TV series page: networks over time, a series' history
                page.get_by_text("TV series", exact=True).first.click()
                page.get_by_text("Top series on").first.wait_for(timeout=60_000)
                charts.nth(1).wait_for(timeout=60_000)
            elif watch:  # the Where to watch page: providers now and over time
                page.get_by_text("Where to watch", exact=True).first.click()
                page.get_by_text("Most movies in").first.wait_for(timeout=60_000)
                charts.nth(1).wait_for(timeout=60_000)
            else:
                charts.nth(2).wait_for(timeout=60_000)
            painted = time.perf_counter() - started
            if settle:  # for the picture: everything drawn
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1000)
            page.screenshot(path=str(path), full_page=True)
            return {
                "title": page.title(),
                "text": page.inner_text("body"),
                "charts": charts.count(),
                "first_paint_s": first,
                "paint_s": painted,
            }
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tmdb_assets_tests.screenshots")
    parser.add_argument("--out", default=str(project_root() / "docs" / "screenshots"))
    parser.add_argument("--days", type=int, default=3)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    server = normalize_url(
        os.environ.get("TMDB_TEST_DATABASE_URL", "").strip() or embedded_server_uri()
    )
    db = f"tmdb_shots_{uuid.uuid4().hex[:8]}"
    admin = create_engine(with_database(server, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    home = Path(tempfile.mkdtemp(prefix="tmdb_shots_home_"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
    env.update(
        TMDB_DATABASE_URL=with_database(server, db),
        DAGSTER_HOME=str(home),
        TMDB_SCHEDULE_DEFAULT="stopped",
    )
    try:
        run = [sys.executable, "-m", "tmdb_assets.cli", "run", "--simulator"]
        run += ["--days", str(args.days), "--movies", "600", "--pages", "5"]
        subprocess.run(run, env=env, check=True, timeout=600)
        day = str(dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1))
        # A token for the UI's process only: nothing is captured from here.
        env.update(TMDB_API_TOKEN="screenshots", TMDB_API_BASE_URL="http://127.0.0.1:9/3")
        with dagster_dev(env, home) as port:
            wait_for(f"http://127.0.0.1:{port}/server_info")
            shoot(port, out, day)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
