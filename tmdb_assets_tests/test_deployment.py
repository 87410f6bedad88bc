"""The Docker Compose process layout without Docker: a code server over gRPC, the webserver and
the daemon, from docker/workspace.yaml's shape and the project's dagster.yaml, on PostgreSQL,
with the simulator as TMDb. The daily schedule's tick for a day is evaluated and launched
through the webserver (as the UI's "Test schedule" does), the daemon dequeues it, the code
server runs it, and the run's stdout/stderr are read back through the webserver's GraphQL API
(compute logs written by the code server's run, read by the webserver)."""

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.settings import project_root
from tmdb_assets_tests.dagster_dev import free_port, graphql
from tmdb_simulator.server import RunningSimulator, SimulatorConfig

DAY = dt.date(2025, 3, 1)
BIN = Path(sys.executable).parent


@contextlib.contextmanager
def service(args: list[str], env: dict, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        proc = subprocess.Popen(
            args, env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def wait_for(predicate, timeout: float, what: str, logs: list[Path]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, AssertionError, KeyError, TypeError):
            value = predicate()
            if value:
                return value
        time.sleep(1)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in logs if p.exists())
    raise AssertionError(f"timed out waiting for {what}\n{tails}")


LOCATION = "tmdb_assets"
REPOSITORY = "__repository__"


@pytest.mark.slow
def test_a_scheduled_tick_runs_through_code_server_daemon_and_webserver(database_url, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(project_root() / "dagster.yaml", home / "dagster.yaml")
    grpc_port, web_port = free_port(), free_port()
    # docker/workspace.yaml with this machine's host and port instead of the `code` service.
    workspace = (project_root() / "docker" / "workspace.yaml").read_text()
    workspace = workspace.replace("host: code", "host: 127.0.0.1").replace(
        "port: 4000", f"port: {grpc_port}"
    )
    (home / "workspace.yaml").write_text(workspace)
    with RunningSimulator(SimulatorConfig(movies=120, rate_limit=0, date=DAY)) as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
        env.update(
            DAGSTER_HOME=str(home),
            TMDB_DATABASE_URL=database_url,  # the instance's tables go beside the warehouse
            TMDB_API_BASE_URL=sim.base_url,
            TMDB_API_TOKEN="deployment-test",
            TMDB_DISCOVER_PAGES="2",
            TMDB_RATE_LIMIT_PER_SECOND="200",
            TMDB_PARTITIONS_START="2025-01-01",
            TMDB_SCHEDULE_DEFAULT="stopped",  # the tick below is the only one
            TMDB_CHECK_FRESHNESS_HOURS="1e9",
        )
        logs = [tmp_path / "code.log", tmp_path / "webserver.log", tmp_path / "daemon.log"]
        code_args = [str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1"]
        code_args += ["-p", str(grpc_port), "-m", "tmdb_assets.definitions"]
        web_args = [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(web_port)]
        web_args += ["-w", str(home / "workspace.yaml")]
        daemon_args = [str(BIN / "dagster-daemon"), "run", "-w", str(home / "workspace.yaml")]
        with (
            service(code_args, env, logs[0]),
            service(web_args, env, logs[1]),
            service(daemon_args, env, logs[2]),
        ):
            selector = {
                "repositoryLocationName": LOCATION,
                "repositoryName": REPOSITORY,
                "scheduleName": "tmdb_daily_schedule",
            }

            def schedule_loaded():
                found = graphql(
                    web_port,
                    "query($s: ScheduleSelector!) { scheduleOrError(scheduleSelector: $s) {"
                    " __typename ... on Schedule { name cronSchedule } } }",
                    {"s": selector},
                )["scheduleOrError"]
                return found if found["__typename"] == "Schedule" else None

            wait_for(schedule_loaded, 120, "the webserver to load the code server", logs)
            # The tick of DAY + 1 00:30 UTC: the schedule asks for partition DAY.
            tick_at = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(0, 30), dt.UTC)
            dry = graphql(
                web_port,
                "mutation($s: ScheduleSelector!, $t: Float) { scheduleDryRun(selectorData: $s,"
                " timestamp: $t) { __typename ... on DryRunInstigationTick { evaluationResult {"
                " runRequests { runKey runConfigYaml tags { key value } } error { message } } }"
                " ... on PythonError { message } } }",
                {"s": selector, "t": tick_at.timestamp()},
            )["scheduleDryRun"]
            (request,) = dry["evaluationResult"]["runRequests"]
            tags = {t["key"]: t["value"] for t in request["tags"]}
            assert tags["dagster/partition"] == DAY.isoformat()
            launched = graphql(
                web_port,
                "mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename"
                " ... on LaunchRunSuccess { run { runId status } } ... on PythonError { message }"
                " ... on RunConfigValidationInvalid { errors { message } } } }",
                {
                    "p": {
                        "selector": {
                            "repositoryLocationName": LOCATION,
                            "repositoryName": REPOSITORY,
                            "jobName": "tmdb_daily",
                        },
                        "runConfigData": request["runConfigYaml"],
                        "executionMetadata": {
                            "tags": [
                                *request["tags"],
                                {"key": "dagster/schedule_name", "value": "tmdb_daily_schedule"},
                            ]
                        },
                    }
                },
            )["launchRun"]
            assert launched["__typename"] == "LaunchRunSuccess", launched
            run_id = launched["run"]["runId"]
            assert launched["run"]["status"] == "QUEUED"  # the daemon's queue launches it

            def finished():
                status = graphql(
                    web_port,
                    "query($r: ID!) { runOrError(runId: $r) { ... on Run { status } } }",
                    {"r": run_id},
                )["runOrError"]["status"]
                return status if status in ("SUCCESS", "FAILURE", "CANCELED") else None

            assert wait_for(finished, 180, "the run", logs) == "SUCCESS"
            # The run's output, read through the webserver (compute logs of the code server's
            # run process).
            events = graphql(
                web_port,
                "query($r: ID!) { logsForRun(runId: $r) { ... on EventConnection { events {"
                " __typename ... on LogsCapturedEvent { fileKey stepKeys } } } } }",
                {"r": run_id},
            )["logsForRun"]["events"]
            captured = [e for e in events if e["__typename"] == "LogsCapturedEvent"]
            assert captured and "fact_movie_daily" in captured[0]["stepKeys"]
            logs_text = graphql(
                web_port,
                "query($k: [String!]!) { capturedLogs(logKey: $k) { stdout stderr } }",
                {"k": [run_id, "compute_logs", captured[0]["fileKey"]]},
            )["capturedLogs"]
            output = (logs_text["stdout"] or "") + (logs_text["stderr"] or "")
            assert f"fact_movie_daily {DAY}: rows" in output, output[-2000:]
            assert "deployment-test" not in output  # the token is never written
    warehouse = Warehouse(database_url)
    assert warehouse.scalar("SELECT count(*) FROM warehouse.fact_movie_daily") > 30
    warehouse.engine.dispose()
