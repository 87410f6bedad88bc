"""Faults a nightly run meets, each injected on its own: the run heals, or fails clearly and a
plain rerun converges. Every test ends by comparing the warehouse with an uninterrupted run of
the same day (checksums of every table) and, where a rerun heals, counting what it asked TMDb.

The simulator's clock is frozen (its Date header is the same on every run), so two runs of one
day give byte-identical tables, timestamps included.
"""

import datetime as dt
import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus
from dagster._daemon.monitoring.run_monitoring import monitor_started_run
from sqlalchemy import create_engine, text

from tmdb_assets.capture.read import DETAILS, DISCOVER
from tmdb_assets.db.embedded import with_database
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.defs.resources import QualityResource, TMDbResource, WarehouseResource
from tmdb_assets.defs.runs import HEARTBEAT_TAG, HOST_TAG, PID_TAG, ProjectRunLauncher
from tmdb_assets_tests.conftest import DAY1, DAY2, admin_post, admin_state, scratch_database
from tmdb_assets_tests.helpers import (
    RAW,
    check_results,
    materialize_day,
    materialize_seed,
    metadata,
    table_checksums,
)
from tmdb_simulator.server import RunningSimulator, SimulatorConfig

MOVIES, PAGES = 300, 3


def frozen_simulator(**kw) -> RunningSimulator:
    kw.setdefault("rate_limit", 0)
    return RunningSimulator(
        SimulatorConfig(movies=MOVIES, seed=7, date=DAY1, freeze_clock=True, **kw)
    )


def make_resources(
    sim: RunningSimulator, database_url: str, quality: QualityResource | None = None, **tmdb
) -> dict:
    tmdb.setdefault("max_retries", 2)
    tmdb.setdefault("backoff_max_s", 0.3)
    return {
        "tmdb": TMDbResource(
            api_token="t",
            base_url=sim.base_url,
            discover_pages=PAGES,
            rate_limit_per_second=500,
            **tmdb,
        ),
        "warehouse": WarehouseResource(database_url=database_url),
        "quality": quality or QualityResource(freshness_hours=1e9),
    }


@dataclass
class Reference:
    checksums: dict
    fact: dict[int, tuple]  # movie -> (popularity, vote_average, vote_count, rank)
    discover_requests: int
    details_requests: int  # details planned for DAY1: every discovered movie is new


@pytest.fixture(scope="session")  # kept for the run: xdist interleaves modules
def reference(pg_server_url) -> Reference:
    """DAY1 loaded by an uninterrupted run."""
    with scratch_database(pg_server_url) as url, frozen_simulator() as sim:
        resources = make_resources(sim, url)
        materialize_seed(resources)
        result = materialize_day(resources, DAY1, sim)
        assert result.success
        warehouse = Warehouse(url)
        fact = {
            r[0]: tuple(r[1:])
            for r in warehouse.rows(
                "SELECT movie_id, popularity, vote_average, vote_count, discover_rank "
                "FROM warehouse.fact_movie_daily"
            )
        }
        ref = Reference(
            table_checksums(warehouse),
            fact,
            metadata(result, "raw_discover_pages")["requests"],
            admin_state(sim)["stats"]["by_route"]["details"],
        )
        warehouse.engine.dispose()
        return ref


def all_checks_pass(result: dg.ExecuteInProcessResult) -> None:
    """Every ERROR-severity check passed (WARN ones may flag the simulator's odd dates)."""
    failed = [
        k
        for k, c in check_results(result).items()
        if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert not failed, failed


def movies_by_rank(ref: Reference, *ranks: int) -> list[int]:
    by_rank = sorted(ref.fact, key=lambda m: ref.fact[m][3])
    return [by_rank[r] for r in ranks]


# --- TMDb faults ------------------------------------------------------------------------------


def test_a_page_short_once_is_refetched_and_the_day_is_whole(reference, database_url, warehouse):
    with frozen_simulator() as sim:
        resources = make_resources(sim, database_url)
        materialize_seed(resources)
        # The reported bug: page 3 came back empty once and its 20 movies vanished from the day.
        admin_post(sim, "faults", {"short_pages": {"3": [0]}})
        result = materialize_day(resources, DAY1, sim)
    all_checks_pass(result)
    meta = metadata(result, "raw_discover_pages")
    assert meta["short_pages_refetched"] == 1
    assert meta["requests"] == reference.discover_requests + 1  # the one refetch
    assert table_checksums(warehouse) == reference.checksums


def test_a_page_short_on_every_attempt_keeps_nothing_and_a_rerun_converges(
    reference, database_url, warehouse
):
    with frozen_simulator() as sim:
        resources = make_resources(sim, database_url)
        materialize_seed(resources)
        admin_post(sim, "faults", {"short_pages": {"3": [7, 7, 7, 7]}})  # first try + 3 refetches
        failed = materialize_day(resources, DAY1, sim, raise_on_error=False)
        assert not failed.success
        from tmdb_assets.cli.failures import step_failure_message

        message = step_failure_message(failed)
        assert "stayed incomplete" in message and "page 3 holds 7 results, not 20" in message
        assert "Nothing of this capture was kept" in message
        # The discover list was not kept (the trending lists, a capture of their own, were).
        assert (
            warehouse.scalar("SELECT count(*) FROM raw.capture WHERE asset <> 'raw_trending'") == 0
        )
        # What `tmdb-assets run` prints: what was committed, what failed, what did not run.
        from tmdb_assets.cli.failures import failure_report

        report = failure_report(failed, DAY1)
        assert "the run for 2025-03-01 failed in raw_discover_pages: " in report
        assert "Committed for 2025-03-01 before the failure (kept, reused by the rerun): " in report
        assert "dim_date" in report and "step(s) downstream of the failure" in report
        rerun = materialize_day(resources, DAY1, sim)  # the fault is spent: a plain rerun
    all_checks_pass(rerun)
    assert metadata(rerun, "raw_discover_pages")["requests"] == reference.discover_requests
    assert table_checksums(warehouse) == reference.checksums


def test_an_incomplete_stored_capture_is_captured_again(reference, database_url, warehouse):
    """A short capture kept by a version of the pipeline that did not validate: a rerun heals."""
    with frozen_simulator() as sim:
        resources = make_resources(sim, database_url)
        materialize_seed(resources)
        assert materialize_day(resources, DAY1, sim).success
        with warehouse.begin() as conn:
            conn.execute(
                text(
                    "UPDATE raw.discover_page SET payload = jsonb_set(payload, '{results}', '[]') "
                    "WHERE page = 3"
                )
            )
        rerun = materialize_day(resources, DAY1, sim)
    all_checks_pass(rerun)
    meta = metadata(rerun, "raw_discover_pages")
    assert meta["reused"] is False and meta["incomplete_capture_healed"] is True
    versions = warehouse.rows(
        "SELECT version, is_current FROM raw.capture WHERE asset = :a ORDER BY version", a=DISCOVER
    )
    assert [tuple(v) for v in versions] == [(1, False), (2, True)]  # v1 kept as history
    assert table_checksums(warehouse) == reference.checksums


def test_a_bad_field_keeps_its_movie(reference, database_url, warehouse):
    m_votes, m_genres, m_pop = movies_by_rank(reference, 2, 25, 47)
    with frozen_simulator() as sim:
        resources = make_resources(sim, database_url)
        materialize_seed(resources)
        admin_post(
            sim,
            "faults",
            {
                "item_fields": {
                    str(m_votes): {"vote_count": "x"},
                    str(m_genres): {"genre_ids": "18"},
                    str(m_pop): {"popularity": -5},
                }
            },
        )
        result = materialize_day(resources, DAY1, sim)
        all_checks_pass(result)  # matches_raw_discover included: no movie is missing
        assert metadata(result, "raw_discover_pages")["quarantined_fields"] == 3
        assert metadata(result, "fact_movie_daily")["quarantined"] == 3
        fact = {
            r[0]: tuple(r[1:])
            for r in warehouse.rows(
                "SELECT movie_id, popularity, vote_average, vote_count, discover_rank "
                "FROM warehouse.fact_movie_daily"
            )
        }
        assert set(fact) == set(reference.fact)
        pop, avg, _votes, rank = reference.fact[m_votes]
        assert fact[m_votes] == (pop, avg, None, rank)  # every field that parsed is kept
        assert fact[m_pop] == (None, *reference.fact[m_pop][1:])
        assert fact[m_genres] == reference.fact[m_genres]
        for m in set(fact) - {m_votes, m_pop}:
            assert fact[m] == reference.fact[m]
        quarantined = warehouse.rows(
            "SELECT movie_id, field, reason FROM raw.quarantine ORDER BY movie_id"
        )
        assert {(r[0], r[1]) for r in quarantined} == {
            (m_votes, "vote_count"),
            (m_genres, "genre_ids"),
            (m_pop, "popularity"),
        }
        assert all(r[2].startswith("page ") for r in quarantined)
        # The genre bridge comes from the details: the bad discover genre_ids cost nothing.
        before = table_checksums(warehouse)
        assert before["bridge_movie_genre"] == reference.checksums["bridge_movie_genre"]
        rerun = materialize_day(resources, DAY1, sim)
    all_checks_pass(rerun)
    assert table_checksums(warehouse) == before
    assert warehouse.scalar("SELECT count(*) FROM raw.quarantine") == 3


def test_an_unreadable_details_body_is_kept_and_only_its_movie_quarantined(
    reference, database_url, warehouse
):
    m_cut, m_html, m_once = movies_by_rank(reference, 5, 30, 40)
    with frozen_simulator() as sim:
        # Two invalid bodies beside the catalog's 404 movie are 3 of 59: above the 5% default.
        lenient = QualityResource(freshness_hours=1e9, max_details_failure_share=0.1)
        resources = make_resources(sim, database_url, quality=lenient)
        materialize_seed(resources)
        admin_post(
            sim,
            "faults",
            {
                "bad_bodies": {
                    str(m_cut): "always:truncated",
                    str(m_html): "always:nonjson",
                    str(m_once): ["nonjson"],  # unreadable once: the retry heals it
                }
            },
        )
        result = materialize_day(resources, DAY1, sim)
        all_checks_pass(result)
        meta = metadata(result, "raw_movie_details")
        assert meta["details_invalid"] == 2
        # Each always-bad body was asked 1 + max_retries times; the once-bad one twice.
        assert meta["requests"] == reference.details_requests + 2 * 2 + 1
        kept = dict(
            warehouse.rows(
                "SELECT movie_id, body FROM raw.movie_details WHERE payload IS NULL AND http_status = 200"
            )
        )
        assert set(kept) == {m_cut, m_html}
        assert kept[m_cut].startswith('{"') and "502 Bad Gateway" in kept[m_html]
        status = dict(warehouse.rows("SELECT movie_id, details_status FROM warehouse.dim_movie"))
        assert status[m_cut] == status[m_html] == "invalid" and status[m_once] == "ok"
        reasons = warehouse.rows("SELECT movie_id, reason FROM raw.quarantine ORDER BY 1")
        assert {r[0] for r in reasons} == {m_cut, m_html}
        assert all("not JSON" in r[1] for r in reasons)
        # The rest of the day loaded: the fact is whole and equal to an uninterrupted run's.
        got = table_checksums(warehouse)
        assert got["fact_movie_daily"] == reference.checksums["fact_movie_daily"]
        # The next day asks for the two movies again (an unreadable body is not a fetch).
        admin_post(sim, "reset", {})  # faults off
        day2 = materialize_day(resources, DAY2, sim)
        all_checks_pass(day2)
        refetched = dict(
            warehouse.rows(
                "SELECT md.movie_id, md.fetch_reason FROM raw.movie_details md "
                "JOIN raw.capture c USING (capture_id) WHERE c.partition_date = :d "
                "AND md.movie_id = ANY(:m)",
                d=DAY2,
                m=[m_cut, m_html],
            )
        )
        assert refetched == {m_cut: "new", m_html: "new"}


def test_a_stalled_response_times_out_and_is_retried(reference, database_url, warehouse):
    with frozen_simulator() as sim:
        # A 3 s read timeout against an 8 s stall: a normal response on a loaded slow machine
        # stays well inside it (with 1 s, one took longer and was retried a second time).
        resources = make_resources(sim, database_url, read_timeout_s=3.0)
        materialize_seed(resources)
        admin_post(sim, "faults", {"hang_next": 1, "hang_s": 8})
        result = materialize_day(resources, DAY1, sim)
    all_checks_pass(result)
    assert metadata(result, "raw_movie_details")["requests"] == reference.details_requests + 1
    assert metadata(result, "raw_movie_details")["retries"] == 1
    assert table_checksums(warehouse) == reference.checksums


def test_retries_exhausted_on_429_say_it_was_rate_limited(database_url):
    with frozen_simulator() as sim:
        resources = make_resources(sim, database_url)
        materialize_seed(resources)
        admin_post(sim, "faults", {"fail_next": [429, 429, 429]})
        failed = materialize_day(resources, DAY1, sim, raise_on_error=False)
    from tmdb_assets.cli.failures import step_failure_message

    message = step_failure_message(failed)
    assert "rate-limiting" in message and "HTTP 429" in message
    assert "TMDB_RATE_LIMIT_PER_SECOND" in message and "shares this API key" in message


# --- database faults --------------------------------------------------------------------------


def _waiting_on_advisory_lock(admin, db_name: str) -> list[int]:
    """Sessions waiting for a partition lock: a writer asks pg_try_advisory_xact_lock again
    every 0.2 s while another holds it, so a session seen asking twice, 0.6 s apart, waits."""

    def asking() -> set[int]:
        with admin.connect() as conn:
            return set(
                conn.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = :d "
                        "AND state = 'idle in transaction' "
                        "AND query LIKE 'SELECT pg_try_advisory_xact_lock%'"
                    ),
                    {"d": db_name},
                ).scalars()
            )

    first = asking()
    if not first:
        return []
    time.sleep(0.6)
    return sorted(first & asking())


def _wait_for(condition, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = condition()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _db_name(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?")[0]


def _hold_lock(url: str, name: str):
    """A session of the test's holding the advisory lock a loader takes (a hook, not a sleep)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    conn = engine.connect()
    conn.execute(text("SELECT pg_advisory_lock(hashtext(:n))"), {"n": name})
    return engine, conn


def terminated_while_waiting(database_url: str, pg_server_url: str, lock: str, run):
    """`run()` in a thread while a session of the test's holds advisory lock `lock`: once the
    run's writer waits for it inside its transaction, its connection is terminated; once the
    writer waits again (its transaction run again on a new connection), the lock is released.
    Returns what `run()` returned."""
    admin = create_engine(with_database(pg_server_url, "postgres"), isolation_level="AUTOCOMMIT")
    engine, locker = _hold_lock(database_url, lock)
    out: list = []
    runner = threading.Thread(target=lambda: out.append(run()))
    runner.start()
    try:
        first = _wait_for(
            lambda: _waiting_on_advisory_lock(admin, _db_name(database_url)), what="the writer"
        )
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first[0]})
        # The writer's transaction died with its connection; it starts again.
        _wait_for(
            lambda: (
                [p for p in _waiting_on_advisory_lock(admin, _db_name(database_url))]
                and _waiting_on_advisory_lock(admin, _db_name(database_url)) != first
            ),
            what="the writer to be tried again",
        )
    finally:
        locker.execute(text("SELECT pg_advisory_unlock_all()"))
        locker.close()
        engine.dispose()
        runner.join(120)
        admin.dispose()
    (result,) = out
    return result


def test_a_connection_terminated_mid_load_heals_within_the_run(
    reference, database_url, pg_server_url, warehouse
):
    with frozen_simulator() as sim:
        resources = make_resources(sim, database_url)
        materialize_seed(resources)
        # The fact load has read the raw day and waits on its lock, inside its transaction.
        result = terminated_while_waiting(
            database_url,
            pg_server_url,
            f"fact_movie_daily:{DAY1.isoformat()}",
            lambda: materialize_day(resources, DAY1, sim, raise_on_error=False),
        )
    assert result.success
    all_checks_pass(result)
    assert table_checksums(warehouse) == reference.checksums


def test_a_short_idle_in_transaction_timeout_is_no_longer_fatal(
    reference, database_url, pg_server_url, warehouse
):
    """No transaction stays open while TMDb answers: a server that ends idle transactions
    after 1 s does not fail a capture that fetches for several seconds."""
    admin = create_engine(with_database(pg_server_url, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                f'ALTER DATABASE "{_db_name(database_url)}" '
                "SET idle_in_transaction_session_timeout = '1s'"
            )
        )
    admin.dispose()
    warehouse.engine.dispose()  # new connections take the setting
    with frozen_simulator(latency_ms=60) as sim:
        resources = make_resources(sim, database_url, max_concurrency=2)
        materialize_seed(resources)
        started = time.monotonic()
        result = materialize_day(resources, DAY1, sim)
        assert time.monotonic() - started > 2.0  # the details took longer than the timeout
    all_checks_pass(result)
    assert table_checksums(warehouse) == reference.checksums


# --- killed processes -------------------------------------------------------------------------


def cli_env(database_url: str, sim: RunningSimulator, home, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
    env["TMDB_PARTITIONS_START"] = os.environ.get("TMDB_PARTITIONS_START", "2025-01-01")
    env.update(
        TMDB_DATABASE_URL=database_url,
        DAGSTER_HOME=str(home),
        TMDB_API_BASE_URL=sim.base_url,
        TMDB_API_TOKEN="t",
        TMDB_DISCOVER_PAGES=str(PAGES),
        TMDB_RATE_LIMIT_PER_SECOND="500",
        TMDB_CHECK_FRESHNESS_HOURS="1e9",
    )
    env.update(extra)
    return env


def start_cli(env: dict, *extra: str) -> subprocess.Popen:
    """`tmdb-assets run` for DAY1 (plus `extra` flags), movies only as the reference (TV's
    faults are test_tv.py's). The catalogue is not served here: --no-catalogue (no file host
    asked, tested below)."""
    cmd = [sys.executable, "-m", "tmdb_assets.cli", "run", "--date", DAY1.isoformat()]
    return subprocess.Popen(
        [*cmd, "--no-catalogue", "--no-tv", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_cli(env: dict, *extra: str) -> subprocess.CompletedProcess:
    proc = start_cli(env, *extra)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _run_statuses(warehouse: Warehouse) -> list[tuple[str, str]]:
    return [
        tuple(r)
        for r in warehouse.rows(
            "SELECT run_id, status FROM public.runs WHERE pipeline_name = 'tmdb_daily' "
            "ORDER BY create_timestamp"
        )
    ]


def _kill_mid_details(sim, env: dict, warehouse: Warehouse, held: int, written: int) -> None:
    """`tmdb-assets run` SIGKILLed mid-capture: the simulator holds every details request past
    the 45th; once `held` requests wait there and `written` details are stored, the kill."""
    admin_post(sim, "faults", {"hold_details_after": 45})
    proc = start_cli(env)
    try:
        _wait_for(lambda: admin_state(sim)["held"] >= held, 120, "the capture to reach the hook")
        _wait_for(
            lambda: warehouse.scalar("SELECT count(*) FROM raw.movie_details") >= written,
            60,
            f"{written} details to be written",
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)


@pytest.mark.slow
def test_sigkill_during_the_details_capture_then_a_rerun_resumes(
    reference, database_url, warehouse, tmp_path
):
    with frozen_simulator() as sim:
        env = cli_env(database_url, sim, tmp_path / "home", TMDB_DETAILS_WRITE_BATCH="20")
        # The simulator holds every details request past the 45th: the run is mid-capture,
        # with at least one batch of 20 written, when the test kills it. (Responses are used in
        # the order asked, and 8 workers can reach the server out of that order: which 45 got
        # through decides whether a second batch of 20 is complete, so the test waits for one.)
        _kill_mid_details(sim, env, warehouse, held=1, written=20)
        persisted = warehouse.scalar("SELECT count(*) FROM raw.movie_details")
        assert warehouse.scalar(
            "SELECT count(*) FROM raw.capture WHERE asset = :a AND NOT is_current "
            "AND completed_at IS NULL",
            a=DETAILS,
        )
        ((killed_id, killed_status),) = _run_statuses(warehouse)
        assert killed_status == "STARTED"  # a killed run says nothing by itself
        admin_post(sim, "faults", {"hold_details_after": None, "release": True})
        admin_post(sim, "reset", {})
        rerun = run_cli(env)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert f"closed a dead run left STARTED by a killed process: {killed_id}" in rerun.stdout
        stats = admin_state(sim)["stats"]
    # The rerun asked TMDb only for the details the killed run had not written.
    assert stats["by_route"].get("details", 0) == reference.details_requests - persisted
    assert stats["by_route"].get("exports_head", 0) == 0  # --no-catalogue: no file host asked
    assert stats["by_route"].get("discover/movie", 0) == 0  # the discover capture was complete
    statuses = dict(_run_statuses(warehouse))
    assert statuses[killed_id] == "FAILURE" and list(statuses.values()).count("SUCCESS") == 1
    assert table_checksums(warehouse) == reference.checksums


@pytest.mark.slow
def test_sigkill_during_a_load_then_a_rerun_converges(
    reference, database_url, pg_server_url, warehouse, tmp_path
):
    admin = create_engine(with_database(pg_server_url, "postgres"), isolation_level="AUTOCOMMIT")
    with frozen_simulator() as sim:
        env = cli_env(database_url, sim, tmp_path / "home")
        engine, locker = _hold_lock(database_url, f"fact_movie_daily:{DAY1.isoformat()}")
        proc = start_cli(env)
        try:
            _wait_for(
                lambda: _waiting_on_advisory_lock(admin, _db_name(database_url)),
                120,
                "the fact load to reach its lock",
            )
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            locker.close()
            engine.dispose()
        assert warehouse.scalar("SELECT count(*) FROM warehouse.fact_movie_daily") == 0
        admin_post(sim, "reset", {})
        rerun = run_cli(env)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert "closed a dead run" in rerun.stdout
        assert admin_state(sim)["stats"]["requests"] == 0  # raw was complete: replayed only
    admin.dispose()
    assert table_checksums(warehouse) == reference.checksums


def test_run_monitoring_fails_a_run_whose_process_died():
    """Dagster's run-monitoring daemon, with the project's launcher, fails a dead run."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    now = dt.datetime.now(dt.UTC)
    stale = (now - dt.timedelta(minutes=30)).isoformat(timespec="seconds")
    fresh = now.isoformat(timespec="seconds")
    launcher = {"module": "tmdb_assets.defs.runs", "class": "ProjectRunLauncher"}
    with dg.instance_for_test(overrides={"run_launcher": launcher}) as instance:
        assert isinstance(instance.run_launcher, ProjectRunLauncher)
        runs = {
            "dead_pid": {
                HOST_TAG: os.uname().nodename,
                PID_TAG: str(gone.pid),
                HEARTBEAT_TAG: fresh,
            },
            "stale_beat": {HOST_TAG: "another-container", PID_TAG: "1", HEARTBEAT_TAG: stale},
            "alive": {
                HOST_TAG: os.uname().nodename,
                PID_TAG: str(os.getpid()),
                HEARTBEAT_TAG: fresh,
            },
            "no_beat_yet": {},
        }
        ids = {}
        for name, tags in runs.items():
            run = DagsterRun(
                job_name="tmdb_daily",
                run_id=str(uuid.uuid4()),
                status=DagsterRunStatus.STARTED,
                tags=tags,
            )
            instance.add_run(run)
            ids[name] = run.run_id
        for record in instance.get_run_records():
            monitor_started_run(instance, None, record, logging.getLogger("test"))
        status = {name: instance.get_run_by_id(i).status for name, i in ids.items()}
    assert status == {
        "dead_pid": DagsterRunStatus.FAILURE,
        "stale_beat": DagsterRunStatus.FAILURE,
        "alive": DagsterRunStatus.STARTED,
        "no_beat_yet": DagsterRunStatus.STARTED,
    }


@pytest.mark.slow
def test_two_runs_at_once_share_one_api_budget(pg_server_url, database_url, tmp_path):
    """Two `tmdb-assets run` processes on one Dagster instance: the tmdb_api pool lets one
    step that calls TMDb run at a time, across runs and processes (read from the instance's
    event log: the steps' time spans never overlap). Without the pool, two clients pacing
    themselves at 14/s against an API that allows 20/s would draw 429s."""
    with (
        scratch_database(pg_server_url) as other_url,
        frozen_simulator(rate_limit=20) as sim,
    ):
        home = tmp_path / "home"
        shared = {
            "DAGSTER_POSTGRES_URL": database_url,
            "TMDB_RATE_LIMIT_PER_SECOND": "14",
            "TMDB_DISCOVER_PAGES": "1",
        }
        first = start_cli(cli_env(database_url, sim, home, **shared))
        _wait_for(lambda: admin_state(sim)["stats"]["requests"] > 0, 120, "the first capture")
        second = start_cli(cli_env(other_url, sim, home, **shared))
        outs = [p.communicate(timeout=300) for p in (first, second)]
        assert first.returncode == 0, outs[0][1][-3000:]
        assert second.returncode == 0, outs[1][1][-3000:]
        for url in (database_url, other_url):
            wh = Warehouse(url)
            assert wh.scalar("SELECT count(*) FROM warehouse.fact_movie_daily") >= 15
            wh.engine.dispose()
    instance_db = Warehouse(database_url)
    events = instance_db.rows(
        "SELECT run_id, step_key, dagster_event_type, timestamp FROM public.event_logs "
        "WHERE step_key IN ('raw_discover_pages', 'raw_movie_details') "
        "AND dagster_event_type IN ('STEP_START', 'STEP_SUCCESS') ORDER BY timestamp"
    )
    spans: dict[tuple[str, str], list] = {}
    for run_id, step, kind, at in events:
        spans.setdefault((run_id, step), [None, None])[0 if kind == "STEP_START" else 1] = at
    assert len(spans) == 4 and len({run for run, _ in spans}) == 2
    ordered = sorted(spans.values())
    for (_, end), (start, _) in itertools.pairwise(ordered):
        assert end <= start, ordered  # one TMDb step at a time on the instance


# --- nothing fetched is thrown away -----------------------------------------------------------


def _details_in_background(resources, sim):
    """The day's raw captures in a thread (the test acts on the simulator meanwhile)."""
    box: dict = {}

    def work():
        box["result"] = materialize_day(resources, DAY1, sim, selection=RAW, raise_on_error=False)

    thread = threading.Thread(target=work)
    thread.start()
    return thread, box


def test_a_stalled_capture_writes_what_arrived_on_its_timer(reference, database_url, warehouse):
    """45 details answered, then TMDb stalls: the 45 are written within the writer's timer
    (0.5 s), not when a next response arrives (before: none of them, a batch being 200 rows)."""
    with frozen_simulator() as sim:
        resources = make_resources(sim, database_url)
        admin_post(sim, "faults", {"hold_details_after": 45})
        thread, box = _details_in_background(resources, sim)
        try:
            _wait_for(lambda: admin_state(sim)["held"] > 0, 60, "the capture to stall")
            _wait_for(
                lambda: warehouse.scalar("SELECT count(*) FROM raw.movie_details") == 45,
                10,
                "the 45 answered details to be written while TMDb stalls",
            )
        finally:
            admin_post(sim, "faults", {"hold_details_after": None, "release": True})
            thread.join(120)
        assert box["result"].success
        assert warehouse.scalar("SELECT count(*) FROM raw.movie_details") == (
            reference.details_requests
        )


def test_a_failed_capture_keeps_every_answered_movie_and_the_rerun_asks_only_the_rest(
    reference, database_url, warehouse
):
    """30 details answered, then every request fails (5xx) until the retries run out: every
    movie TMDb answered, those in flight included, is in the pending version (before: none,
    the batch was dropped with the error); the rerun asks only for the others."""
    with frozen_simulator() as sim:
        resources = make_resources(sim, database_url, max_retries=1)
        admin_post(sim, "faults", {"hold_details_after": 30})
        thread, box = _details_in_background(resources, sim)
        try:
            _wait_for(lambda: admin_state(sim)["held"] > 0, 60, "the capture to stall")
            time.sleep(0.5)  # every worker reaches the hook: their requests are answered later
            in_flight = admin_state(sim)["held"]
            admin_post(sim, "faults", {"fault_rate": 1.0})
        finally:
            admin_post(sim, "faults", {"hold_details_after": None, "release": True})
            thread.join(120)
        assert not box["result"].success
        kept = warehouse.scalar("SELECT count(*) FROM raw.movie_details")
        assert kept == 30 + in_flight
        assert (
            warehouse.scalar(
                "SELECT count(*) FROM raw.capture WHERE asset = :a AND completed_at IS NULL",
                a=DETAILS,
            )
            == 1
        )
        admin_post(sim, "faults", {"fault_rate": 0.0})
        admin_post(sim, "reset", {})
        materialize_seed(resources)
        rerun = materialize_day(resources, DAY1, sim)
        assert rerun.success
        asked = admin_state(sim)["stats"]["by_route"].get("details", 0)
    assert asked == reference.details_requests - kept
    assert table_checksums(warehouse) == reference.checksums


# --- a stopped run stops at once -------------------------------------------------------------


def _stop_and_time(proc: subprocess.Popen, sig: int) -> tuple[float, str]:
    started = time.monotonic()
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return time.monotonic() - started, err


@pytest.mark.slow
def test_a_run_waiting_on_a_stalled_api_stops_within_seconds_keeping_what_arrived(
    reference, database_url, warehouse, tmp_path
):
    """TMDb stops answering details after the 45th (each held request would wait 30 s for its
    read timeout, then be retried): SIGTERM ends the run in seconds, not minutes (103 s
    before), with every answered movie written and the run marked failed (not left STARTED).
    (SIGINT: the lock test below; a stop from the UI is a SIGINT to the run's process.)"""
    sig = signal.SIGTERM
    with frozen_simulator() as sim:
        env = cli_env(database_url, sim, tmp_path / "home")
        admin_post(sim, "faults", {"hold_details_after": 45})
        proc = start_cli(env)
        try:
            # Every worker (8) waits on a held request: each answered movie reached the writer.
            _wait_for(lambda: admin_state(sim)["held"] == 8, 120, "the capture to stall")
            took, err = _stop_and_time(proc, sig)
        finally:
            admin_post(sim, "faults", {"hold_details_after": None, "release": True})
    assert proc.returncode == 130, err[-2000:]
    assert took < 10, f"stopped after {took:.1f}s"
    assert (
        "interrupted: the run for 2025-03-01" in err and "was stopped in raw_movie_details" in err
    )
    assert warehouse.scalar("SELECT count(*) FROM raw.movie_details") == 45
    assert [status for _, status in _run_statuses(warehouse)] == ["FAILURE"]


@pytest.mark.slow
def test_a_run_waiting_for_another_writers_lock_stops_within_seconds(
    reference, database_url, warehouse, tmp_path
):
    with frozen_simulator() as sim:
        env = cli_env(database_url, sim, tmp_path / "home")
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        engine, locker = _hold_lock(database_url, f"fact_movie_daily:{DAY1.isoformat()}")
        proc = start_cli(env)
        try:
            _wait_for(
                lambda: _waiting_on_advisory_lock(admin, _db_name(database_url)),
                120,
                "the fact load to wait for its lock",
            )
            took, err = _stop_and_time(proc, signal.SIGINT)
        finally:
            locker.close()
            engine.dispose()
            admin.dispose()
    assert proc.returncode == 130, err[-2000:]
    assert took < 10, f"stopped after {took:.1f}s"
    assert warehouse.scalar("SELECT count(*) FROM warehouse.fact_movie_daily") == 0
    assert [status for _, status in _run_statuses(warehouse)] == ["FAILURE"]


# --- a dead run never blocks the living ------------------------------------------------------


def test_a_step_blocked_on_the_pool_frees_the_slots_of_dead_runs(database_url):
    """Without any daemon: runs holding the tmdb_api slot whose process is gone (this host) or
    whose heartbeat is older than TMDB_RUN_DEAD_AFTER_SECONDS (another host) are failed and
    their slot freed by the next claim; a live holder keeps it."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    now = dt.datetime.now(dt.UTC)
    overrides = {
        "storage": {
            "custom": {
                "module": "tmdb_assets.defs.instance",
                "class": "ProjectPostgresStorage",
                "config": {"postgres_url": database_url},
            }
        },
        "concurrency": {"pools": {"default_limit": 1}},
    }
    with dg.instance_for_test(overrides=overrides) as instance:

        def run(tags: dict | None = None) -> str:
            r = DagsterRun(
                job_name="tmdb_daily", run_id=str(uuid.uuid4()), status=DagsterRunStatus.STARTED,
                tags=tags or {},
            )  # fmt: skip
            instance.add_run(r)
            return r.run_id

        def claim(run_id: str, step: str = "raw_movie_details") -> bool:
            storage = instance.event_log_storage
            return storage.claim_concurrency_slot("tmdb_api", run_id, step).is_claimed

        # As a run's first claim does: the pool gets its default limit (1).
        instance.event_log_storage.initialize_concurrency_limit_to_default("tmdb_api")
        instance.event_log_storage.sweep_every_s = 0  # each claim looks (5 s apart in a run)
        stale = (now - dt.timedelta(seconds=600)).isoformat(timespec="seconds")
        cases = {
            "killed here": {HOST_TAG: os.uname().nodename, PID_TAG: str(gone.pid)},
            "silent elsewhere": {HOST_TAG: "another-host", PID_TAG: "1", HEARTBEAT_TAG: stale},
        }
        for why, tags in cases.items():
            holder = run(tags)
            assert claim(holder), why
            waiter = run()
            assert claim(waiter), why  # the dead holder's slot, at the first claim
            assert instance.get_run_by_id(holder).status == DagsterRunStatus.FAILURE, why
            instance.event_log_storage.free_concurrency_slots_for_run(waiter)
        # A live holder (this process, a fresh heartbeat) keeps its slot.
        alive = run(
            {HOST_TAG: os.uname().nodename, PID_TAG: str(os.getpid()),
             HEARTBEAT_TAG: now.isoformat(timespec="seconds")}
        )  # fmt: skip
        assert claim(alive)
        assert not claim(run())
        assert instance.get_run_by_id(alive).status == DagsterRunStatus.STARTED


@pytest.mark.slow
def test_a_run_killed_in_the_api_pool_does_not_block_dagster_asset_materialize(
    database_url, warehouse, tmp_path
):
    """`dagster asset materialize`, no daemon: a run SIGKILLed inside a tmdb_api step keeps the
    pool's one slot. The next materialize of an API asset frees it at its first claim (the dead
    run's process is gone from this host) and runs: it used to wait for as long as it was left."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((Path(__file__).parents[1] / "dagster.yaml").read_text())
    with frozen_simulator() as sim:
        env = cli_env(database_url, sim, home)

        def materialize(select: str, day: dt.date) -> subprocess.Popen:
            cmd = [sys.executable, "-m", "dagster", "asset", "materialize", "-m"]
            cmd += ["tmdb_assets.definitions", "--select", select, "--partition", day.isoformat()]
            return subprocess.Popen(
                cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )

        admin_post(sim, "faults", {"hold_details_after": 10})
        killed = materialize("raw_discover_pages,raw_movie_details", DAY1)
        try:
            _wait_for(lambda: admin_state(sim)["held"] > 0, 120, "the details capture")
        finally:
            killed.kill()
            killed.wait(30)
        admin_post(sim, "faults", {"hold_details_after": None, "release": True})
        started = time.monotonic()
        nxt = materialize("raw_discover_pages", DAY2)
        _, err = nxt.communicate(timeout=240)
        took = time.monotonic() - started
    assert nxt.returncode == 0, err[-3000:]
    assert "is dead" in err and "freed pool tmdb_api" in err
    assert took < 60, f"{took:.0f}s"
    statuses = warehouse.rows("SELECT status FROM public.runs ORDER BY create_timestamp")
    assert [s for (s,) in statuses] == ["FAILURE", "SUCCESS"]


# --- abandoned versions ------------------------------------------------------------------------


@pytest.mark.slow
def test_details_a_killed_run_left_for_a_discover_captured_again_are_resumed_not_kept(
    reference, database_url, warehouse, tmp_path
):
    """A run SIGKILLed mid-details leaves a pending version made for the day's discover
    capture. The rerun captures discover again (--recapture), so that version cannot be
    resumed as it is: its answered movies move into the new details version (not asked
    again) and it is removed, said in the metadata. Nothing pending is left."""
    with frozen_simulator() as sim:
        env = cli_env(database_url, sim, tmp_path / "home", TMDB_DETAILS_WRITE_BATCH="20")
        # Every worker (8) waits on a held request: each answered movie reached the writer.
        _kill_mid_details(sim, env, warehouse, held=8, written=40)
        persisted = warehouse.scalar("SELECT count(*) FROM raw.movie_details")
        admin_post(sim, "faults", {"hold_details_after": None, "release": True})
        admin_post(sim, "reset", {})
        rerun = run_cli(env, "--recapture", "--log-level", "INFO")
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        stats = admin_state(sim)["stats"]
    assert stats["by_route"].get("details", 0) == reference.details_requests - persisted
    pending = "SELECT count(*) FROM raw.capture WHERE completed_at IS NULL"
    assert warehouse.scalar(pending) == 0
    versions = warehouse.rows(
        "SELECT version FROM raw.capture WHERE asset = :a ORDER BY version", a=DETAILS
    )
    assert versions == [(2,)]  # the killed run's v1 is gone, its answers moved into v2
    events = warehouse.rows(
        "SELECT event FROM public.event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
        "AND asset_key LIKE '%raw_movie_details%'"
    )
    assert any('"abandoned_rows_resumed"' in e and f"{persisted}" in e for (e,) in events)
    assert table_checksums(warehouse) == reference.checksums
