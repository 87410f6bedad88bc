"""Runs that die without a word (SIGKILL, OOM, a lost container) are found and closed.

A run whose process is killed never reports its end: Dagster keeps it STARTED, it holds a
place in the run queue and its pool slots, and after a few of them the queue never launches
the schedule's run again. So every run of this project beats: a thread started with the
warehouse resource writes the run tag `tmdb_assets/heartbeat` every `TMDB_RUN_HEARTBEAT_SECONDS`
(and records its host and pid once). A run is dead when its process is gone from this host, or
when its heartbeat is older than `TMDB_RUN_DEAD_AFTER_SECONDS`.

Two places act on that:
- `ProjectRunLauncher` (named by dagster.yaml): Dagster's launcher, plus the worker health
  check that the run-monitoring daemon calls, so `dagster dev` and Docker Compose mark a dead
  run failed within minutes (poll interval + dead-after);
- `close_dead_runs`, which `tmdb-assets run` calls before it starts, for runs it launched in
  its own process and that were killed with it.
"""

import datetime as dt
import logging
import os
import socket
import threading
from typing import Any

from dagster import DagsterInstance, DagsterRun
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter

from tmdb_assets.settings import get_settings

log = logging.getLogger(__name__)

HEARTBEAT_TAG = "tmdb_assets/heartbeat"
HOST_TAG = "tmdb_assets/host"
PID_TAG = "tmdb_assets/pid"
LIVE_STATUSES = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.CANCELING]


def heartbeat_seconds() -> int:
    return get_settings().run_heartbeat_seconds


def dead_after_seconds() -> int:
    return get_settings().run_dead_after_seconds


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RunHeartbeat:
    """Writes the run's heartbeat tag until stopped (a daemon thread: it dies with the run)."""

    def __init__(self, instance: DagsterInstance, run_id: str, every_s: float | None = None):
        self.instance = instance
        self.run_id = run_id
        self.every_s = every_s or heartbeat_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"tmdb-heartbeat-{run_id[:8]}", daemon=True
        )

    def start(self) -> "RunHeartbeat":
        self.instance.add_run_tags(
            self.run_id,
            {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid()), HEARTBEAT_TAG: _stamp()},
        )
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.instance.add_run_tags(self.run_id, {HEARTBEAT_TAG: _stamp()})
            except Exception as exc:  # a database blip must not kill the run it watches
                log.warning("run heartbeat not written (%s); trying again", type(exc).__name__)

    def stop(self) -> None:
        self._stop.set()


def _stamp() -> str:
    return _now().isoformat(timespec="seconds")


def run_is_dead(run: DagsterRun, now: dt.datetime | None = None) -> str | None:
    """Why `run` is dead, or None when it is alive or cannot be judged (no heartbeat yet)."""
    tags = run.tags
    host, pid = tags.get(HOST_TAG), tags.get(PID_TAG)
    if host == socket.gethostname() and pid and pid.isdigit() and not _alive(int(pid)):
        return f"its process {pid} on {host} is gone (killed or crashed)"
    beat = tags.get(HEARTBEAT_TAG)
    if not beat:
        return None
    try:
        last = dt.datetime.fromisoformat(beat)
    except ValueError:
        return None
    age = ((now or _now()) - last).total_seconds()
    if age > dead_after_seconds():
        return (
            f"its last heartbeat was {age:.0f}s ago (more than TMDB_RUN_DEAD_AFTER_SECONDS="
            f"{dead_after_seconds()})"
        )
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped by its parent) is as dead as a missing process.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def fail_dead_run(instance: DagsterInstance, run: DagsterRun, why: str) -> None:
    """Mark a dead run failed and give back what it held (queue place, pool slots)."""
    instance.report_run_failed(
        run,
        f"Run {run.run_id} is dead: {why}. Marked failed so the queue and the tmdb_api pool "
        "move on; rerun its partitions (a rerun resumes what it had fetched).",
    )
    try:
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    except Exception as exc:  # older storages: the daemon frees them after the run ends
        log.warning("could not free the pool slots of run %s: %s", run.run_id, exc)


def close_dead_runs(instance: DagsterInstance, logger: Any = log) -> list[str]:
    """Fail every in-progress run of this project that is dead; returns their ids."""
    closed = []
    for record in instance.get_run_records(filters=RunsFilter(statuses=LIVE_STATUSES)):
        run = record.dagster_run
        why = run_is_dead(run)
        if why:
            fail_dead_run(instance, run, why)
            logger.warning(f"closed dead run {run.run_id} ({run.job_name}): {why}")
            closed.append(run.run_id)
    return closed


def free_slots_of_dead_runs(instance: DagsterInstance, pool: str, claimant: str) -> list[str]:
    """Fail the dead runs holding (or assigned) a slot of `pool`, and free what every ended
    run still holds there; returns the runs freed. `claimant` is the run asking."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    holders = {s.run_id for s in info.claimed_slots}
    holders |= {s.run_id for s in info.pending_steps if s.assigned_timestamp is not None}
    freed = []
    for run_id in sorted(holders - {claimant}):
        run = instance.get_run_by_id(run_id)
        if run is None or run.status not in LIVE_STATUSES:
            # Ended (or deleted) without giving its slots back: a killed run closed by hand.
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
            freed.append(run_id)
            continue
        why = run_is_dead(run)
        if why:
            fail_dead_run(instance, run, why)
            log.warning(f"freed pool {pool}: run {run_id} ({run.job_name}) is dead: {why}")
            freed.append(run_id)
    return freed


class ProjectRunLauncher(DefaultRunLauncher):
    """Dagster's default launcher, plus a worker health check from the run's heartbeat, so the
    run-monitoring daemon (dagster.yaml `run_monitoring`) fails a run whose worker died."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        why = run_is_dead(run)
        if why:
            # The daemon then fails the run; its pool slots are freed once it has ended
            # (run_monitoring.free_slots_after_run_end_seconds).
            return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker is dead: {why}")
        # No heartbeat yet (still starting) counts as running: start_timeout_seconds covers it.
        return CheckRunHealthResult(WorkerStatus.RUNNING, "")
