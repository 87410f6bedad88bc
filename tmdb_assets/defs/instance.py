"""The Dagster instance's storage: dagster-postgres on the project's PostgreSQL.

dagster.yaml names this class so that `dagster dev`, the CLI and run workers find their
PostgreSQL without any variable set: DAGSTER_POSTGRES_URL if given (Docker Compose), else
TMDB_DATABASE_URL's database (the instance's tables live in its public schema, beside `raw`
and `warehouse`), else the embedded server's `dagster` database.
"""

import time

import psycopg2
import yaml
from dagster import Field, StringSource
from dagster._serdes import ConfigurableClassData
from dagster_postgres import DagsterPostgresStorage
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.utils import pg_url_from_config
from sqlalchemy.engine import make_url

from tmdb_assets.db.embedded import embedded_database_url, normalize_url
from tmdb_assets.defs.runs import free_slots_of_dead_runs
from tmdb_assets.settings import get_settings


class InstanceDatabaseError(RuntimeError):
    """The Dagster instance's PostgreSQL cannot be reached; the message names the setting."""


def instance_url_source() -> str:
    """Which setting the instance's database URL comes from (for messages)."""
    if get_settings().dagster_postgres_url:
        return "DAGSTER_POSTGRES_URL"
    if get_settings().database_url:
        return "TMDB_DATABASE_URL (DAGSTER_POSTGRES_URL unset)"
    return "the embedded PostgreSQL (DAGSTER_POSTGRES_URL and TMDB_DATABASE_URL unset)"


# The tables dagster-postgres creates (run, event log and schedule storage): when all are there,
# it need not inspect the database three times on every instance load.
INSTANCE_TABLES = ("runs", "instance_info", "event_logs", "jobs", "alembic_version")


def probe_instance_database(url: str, timeout_s: int = 5) -> bool:
    """Connect once, quickly: an unreachable database is one clear line, not a long traceback
    from dagster-postgres' own retries. Returns whether the instance's tables exist."""
    parsed = make_url(url)
    try:
        conn = psycopg2.connect(
            dbname=parsed.database,
            user=parsed.username,
            password=parsed.password,
            host=parsed.host or parsed.query.get("host"),
            port=parsed.port,
            connect_timeout=timeout_s,
        )
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename = ANY(%s)",
                    (list(INSTANCE_TABLES),),
                )
                return cur.fetchone()[0] == len(INSTANCE_TABLES)
        finally:
            conn.close()
    except psycopg2.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InstanceDatabaseError(
            f"the Dagster instance database {parsed.render_as_string(hide_password=True)} "
            f"(from {instance_url_source()}) cannot be reached: {first}. Start that PostgreSQL "
            "or fix DAGSTER_POSTGRES_URL."
        ) from None


def dagster_postgres_url() -> str:
    url = get_settings().dagster_postgres_url
    if url:
        return normalize_url(url)
    external = get_settings().database_url
    # psycopg2 explicitly: SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3.
    return normalize_url(external) if external else embedded_database_url("dagster")


# A step blocked on a pool looks for dead holders at most this often (its claims come faster).
SWEEP_EVERY_S = 5.0


class ProjectEventLogStorage(PostgresEventLogStorage):
    """dagster-postgres' event log, plus one thing: a step that cannot claim a pool slot
    (`tmdb_api`) looks at the runs holding the pool's slots, and a holder that is dead (its
    process gone from this host, or no heartbeat for TMDB_RUN_DEAD_AFTER_SECONDS) is failed and
    its slots freed, then the claim is tried again. Every process that runs steps claims
    through here (the CLI, `dagster asset materialize`, the UI's and the schedule's run
    workers), so a killed run never blocks the next one for good, with or without a daemon."""

    _last_sweep = 0.0
    sweep_every_s = SWEEP_EVERY_S

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            inst_data=inst_data,
        )

    def claim_concurrency_slot(self, concurrency_key, run_id, step_key, priority=None):
        status = super().claim_concurrency_slot(concurrency_key, run_id, step_key, priority)
        if status.is_claimed or time.monotonic() - self._last_sweep < self.sweep_every_s:
            return status
        self._last_sweep = time.monotonic()
        instance = self._instance
        if instance is not None and free_slots_of_dead_runs(instance, concurrency_key, run_id):
            status = super().claim_concurrency_slot(concurrency_key, run_id, step_key, priority)
        return status


class ProjectPostgresStorage(DagsterPostgresStorage):
    """DagsterPostgresStorage whose URL is resolved when the instance loads, with the event log
    that frees the pool slots of dead runs."""

    def __init__(self, postgres_url: str, should_autocreate_tables: bool = True, inst_data=None):
        super().__init__(postgres_url, should_autocreate_tables, inst_data)
        # The tables exist now (created above when they did not).
        self._event_log_storage = ProjectEventLogStorage(postgres_url, False)

    @classmethod
    def config_type(cls):
        return {"postgres_url": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        url = normalize_url(config_value.get("postgres_url") or dagster_postgres_url())
        created = probe_instance_database(url)
        return cls(postgres_url=url, should_autocreate_tables=not created, inst_data=inst_data)

    def _part(self, class_name: str) -> ConfigurableClassData:
        # Run workers and the daemon rebuild each storage from this: pass the resolved URL.
        return ConfigurableClassData(
            "dagster_postgres", class_name, yaml.safe_dump({"postgres_url": self.postgres_url})
        )

    @property
    def event_storage_data(self) -> ConfigurableClassData:
        return ConfigurableClassData(
            __name__, "ProjectEventLogStorage", yaml.safe_dump({"postgres_url": self.postgres_url})
        )

    @property
    def run_storage_data(self) -> ConfigurableClassData:
        return self._part("PostgresRunStorage")

    @property
    def schedule_storage_data(self) -> ConfigurableClassData:
        return self._part("PostgresScheduleStorage")
