"""The README's commands: the main job, the Dagster CLI path, and their error messages."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from tmdb_assets.capture.export import file_name
from tmdb_assets.capture.tail import TAIL
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.definitions import CATALOGUE_ASSETS, CHECKS, defs
from tmdb_assets.transform.media import TV
from tmdb_assets_tests.conftest import DAY1, admin_post
from tmdb_assets_tests.helpers import table_checksums
from tmdb_simulator.server import RunningSimulator, SimulatorConfig


def cli_env(database_url: str, tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
    env["TMDB_PARTITIONS_START"] = os.environ.get("TMDB_PARTITIONS_START", "2025-01-01")
    env.update(TMDB_DATABASE_URL=database_url, DAGSTER_HOME=str(tmp_path / "dagster_home"), **extra)
    return env


def run_cli(args: list[str], env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tmdb_assets.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_main_job_loads_days_and_a_second_run_converges(database_url, tmp_path):
    env = cli_env(database_url, tmp_path, TMDB_TAIL_DETAILS_PER_DAY="20")
    args = ["run", "--simulator", "--days", "2", "--movies", "300", "--pages", "3"]
    args += ["--export-tail", "300"]
    first = run_cli(args, env)
    assert first.returncode == 0, first.stderr[-3000:]
    out = first.stdout
    assert "Loaded" in out and "(2 days)" in out and "Top 5 movies" in out
    assert "Genres on" in out and "Continents on" in out and ": ok in" in out
    # Every check of the daily and catalogue jobs ran; on the final state every one passed.
    n = len([c for c in CHECKS if c.asset not in CATALOGUE_ASSETS])
    assert f"Checks on the final state: {len(CHECKS)}/{len(CHECKS)}, every check passed" in out
    last_day = [line for line in out.splitlines() if ": ok in" in line][-2]
    assert f"checks: {n}/{n} passed" in last_day
    # The catalogue ran for each day (its file exists the morning after), shown in the summary.
    catalogue_days = [line for line in out.splitlines() if " catalogue: ok in" in line]
    assert len(catalogue_days) == 2, out
    assert "Catalogue on " in out and "in TMDb's export" in out
    assert "failed:" not in out  # the first day's `fresh` is "catching up", not a failure
    # One Dagster step per asset, its checks inside it.
    assert f", {len(defs.resolve_job_def('tmdb_daily').graph.nodes)} steps)" in last_day
    warehouse = Warehouse(database_url)
    assert warehouse.scalar("SELECT count(DISTINCT date_id) FROM warehouse.fact_movie_daily") == 2
    # Each export day: the simulator's 300 movies and a long tail of 300 ids.
    per_day = warehouse.rows(
        "SELECT date_id, count(*) FROM warehouse.fact_movie_popularity_daily GROUP BY 1"
    )
    assert len(per_day) == 2 and all(550 <= n <= 600 for _, n in per_day), per_day
    assert f"fact_movie_popularity_daily {sum(n for _, n in per_day)}," in out
    before = table_checksums(warehouse)
    # The second run also shows the exit code of a failed ERROR check (for cron and CI): with a
    # freshness limit of 0 hours, `fresh` fails on the final day.
    second = run_cli(args, {**env, "TMDB_CHECK_FRESHNESS_HOURS": "0"})
    assert second.returncode == 3, second.stderr[-3000:]
    assert (
        "ERROR-severity checks failed:" in second.stdout
        and "fact_movie_daily:fresh" in second.stdout
    )
    assert "simulator: 0 requests" in second.stdout  # everything reused from raw
    assert table_checksums(warehouse) == before
    # The runs are in the Dagster instance (PostgreSQL), visible to the UI.
    for job in ("tmdb_daily", "tmdb_catalogue"):
        assert (
            warehouse.scalar("SELECT count(*) FROM public.runs WHERE pipeline_name = :j", j=job)
            == 4
        )
    warehouse.engine.dispose()


def test_real_api_mode_needs_a_token(database_url, tmp_path):
    result = run_cli(["run", "--days", "1"], cli_env(database_url, tmp_path))
    assert result.returncode == 2
    assert "TMDB_API_TOKEN is not set" in result.stderr and "--simulator" in result.stderr


def test_unreachable_instance_database_is_one_line_naming_the_variable(database_url, tmp_path):
    env = cli_env(
        database_url,
        tmp_path,
        TMDB_API_TOKEN="x",
        TMDB_API_BASE_URL="http://127.0.0.1:9/3",
        DAGSTER_POSTGRES_URL="postgresql://dagster:pw-secret-1@127.0.0.1:1/dagster",
    )
    result = run_cli(["run", "--date", DAY1.isoformat()], env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith("error: the Dagster instance database ")
    assert "(from DAGSTER_POSTGRES_URL) cannot be reached" in lines[0]
    assert "dagster:***@127.0.0.1:1/dagster" in lines[0]
    assert "pw-secret-1" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pages", "0"], "--pages 0 is outside 1..500"),
        (["--pages", "501"], "--pages 501 is outside 1..500"),
        (["--date", "2025-13-01"], "is not a date: use YYYY-MM-DD"),
        (["--date", "2099-01-01"], "is outside"),
        (["--start", "2025-03-02"], "--start and --end go together"),
    ],
)
def test_bad_partition_keys_are_explained(args, message, capsys):
    # In this process (the CLI's own entry point): the arguments are checked before anything
    # starts, so nothing is left behind to stop.
    from tmdb_assets.cli import main

    assert main(["run", "--simulator", "--movies", "50", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_token_fails_the_run_with_a_message_and_no_secret(database_url, tmp_path):
    with RunningSimulator(SimulatorConfig(movies=50, token="good", date=DAY1)) as sim:
        env = cli_env(
            database_url,
            tmp_path,
            TMDB_API_TOKEN="bad-secret-value",
            TMDB_API_BASE_URL=sim.base_url,
        )
        result = run_cli(["run", "--date", DAY1.isoformat()], env)
    assert result.returncode == 2
    assert "TMDB_API_TOKEN" in result.stderr and "HTTP 401" in result.stderr
    assert "bad-secret-value" not in result.stderr + result.stdout


@pytest.mark.slow
def test_dagster_cli_materializes_a_partition(database_url, tmp_path):
    with RunningSimulator(SimulatorConfig(movies=200, date=DAY1, rate_limit=0)) as sim:
        env = cli_env(
            database_url,
            tmp_path,
            TMDB_API_TOKEN="x",
            TMDB_API_BASE_URL=sim.base_url,
            TMDB_DISCOVER_PAGES="2",
        )
        (tmp_path / "dagster_home").mkdir()
        cmd = [sys.executable, "-m", "dagster", "asset", "materialize"]
        # Every asset of the daily job (the catalogue's file is built the next morning).
        daily = ",".join(
            k.to_user_string()
            for k in defs.resolve_job_def("tmdb_daily").asset_layer.selected_asset_keys
        )
        cmd += ["-m", "tmdb_assets.definitions", "--select", daily, "--partition", DAY1.isoformat()]
        result = subprocess.run(
            cmd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    warehouse = Warehouse(database_url)
    facts = warehouse.scalar(
        "SELECT count(*) FROM warehouse.fact_movie_daily WHERE date_id = 20250301"
    )
    assert 35 <= facts <= 40  # 2 pages, less the duplicate across them
    assert (
        warehouse.scalar("SELECT count(*) FROM warehouse.dim_country WHERE continent IS NOT NULL")
        == 251
    )
    warehouse.engine.dispose()


def test_stop_stops_the_embedded_postgresql(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
    env["TMDB_DATA_DIR"] = str(tmp_path / "data")
    start = subprocess.run(
        [sys.executable, "-c", "from tmdb_assets.db.embedded import embedded_server_uri; "
         "print(embedded_server_uri())"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert start.returncode == 0, start.stderr[-2000:]
    pidfile = tmp_path / "data" / "pg" / "postmaster.pid"
    assert pidfile.exists()  # left running for the next command, as make demo leaves it
    stopped = run_cli(["stop"], env)
    assert stopped.returncode == 0 and "stopped the embedded PostgreSQL" in stopped.stdout
    assert not pidfile.exists()
    again = run_cli(["stop"], env)
    assert again.returncode == 0 and "is not running" in again.stdout


@pytest.mark.slow
def test_viz_serves_the_dashboard_through_the_read_only_login(database_url, tmp_path):
    import signal
    import time
    import urllib.request

    from tmdb_assets_tests.dagster_dev import free_port

    port = free_port()
    user = f"viz_{os.getpid()}"
    env = cli_env(database_url, tmp_path, TMDB_READER_USER=user)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tmdb_assets.cli", "viz", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines = []
        while proc.stdout and not any("dashboard on" in line for line in lines):
            lines.append(proc.stdout.readline())
            assert lines[-1], "".join(lines)
        (first,) = [line for line in lines if "dashboard on" in line]
        assert f"dashboard on http://127.0.0.1:{port}" in first and f"//{user}" in first
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    status = r.status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        # SIGTERM to the command alone (not its process group): it stops, and its Streamlit
        # child with it, within 10 s (before: the child went on serving).
        stopped = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            except OSError:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the dashboard still serves after its command was stopped")
        assert time.monotonic() - stopped < 10
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        with Warehouse(database_url).begin() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {user}"))


@pytest.mark.parametrize("command", ["migrate", "summary", "viz"])
def test_an_unreachable_database_is_one_line_and_exit_2_on_every_subcommand(command, tmp_path):
    env = cli_env("postgresql://tmdb:secret-pw@127.0.0.1:1/tmdb", tmp_path)
    done = run_cli([command], env, timeout=60)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "secret-pw" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "127.0.0.1:1/tmdb cannot be reached" in line and "TMDB_DATABASE_URL" in line


@pytest.mark.slow
def test_run_loads_the_catalogue_of_days_whose_export_is_there(database_url, tmp_path):
    """Against an API (not --simulator): the catalogue runs for a day once TMDb's file for it
    is there, says why not before; --catalogue-only fails while it is not. (--no-catalogue:
    test_faults' CLI runs, which ask the files host nothing.)"""
    with RunningSimulator(SimulatorConfig(movies=200, date=DAY1, rate_limit=0)) as sim:
        env = cli_env(
            database_url,
            tmp_path,
            TMDB_API_TOKEN="x",
            TMDB_API_BASE_URL=sim.base_url,
            TMDB_EXPORTS_BASE_URL=sim.base_url.removesuffix("/3") + "/p/exports",
            TMDB_DISCOVER_PAGES="2",
            TMDB_TAIL_DETAILS_PER_DAY="20",
            TMDB_CHECK_FRESHNESS_HOURS="1e9",
        )
        day = ["--date", DAY1.isoformat()]
        # Just after DAY1 ended: its file is built at 07:30 the next morning.
        first = run_cli(["run", *day], env)
        assert first.returncode == 0, first.stderr[-3000:]
        assert f"{DAY1} catalogue: not run: " in first.stdout and "is not built yet" in first.stdout
        only = run_cli(["run", "--catalogue-only", *day], env)
        assert only.returncode == 1 and "could not run" in only.stderr
        # At 09:00 the next morning the file is there; the series' file is missing: the
        # movies' catalogue runs without it, saying so (each domain's file on its own).
        admin_post(sim, "date", {"date": DAY1.isoformat(), "time": "09:00"})
        tv_file = file_name(DAY1, media=TV)
        admin_post(sim, "exports", {"name": tv_file, "missing": True})
        later = run_cli(["run", "--catalogue-only", *day], env)
        assert later.returncode == 0, later.stderr[-3000:]
        assert f"{DAY1} catalogue: ok in" in later.stdout and f"{DAY1}: ok" not in later.stdout
        assert f"{DAY1} TV catalogue: not run: " in later.stdout
    warehouse = Warehouse(database_url)
    assert warehouse.scalar("SELECT count(*) FROM warehouse.fact_movie_popularity_daily") >= 180
    assert warehouse.scalar("SELECT count(*) FROM raw.capture WHERE asset = :a", a=TAIL) == 1
    assert warehouse.scalar("SELECT count(*) FROM warehouse.fact_tv_popularity_daily") == 0
    warehouse.engine.dispose()
