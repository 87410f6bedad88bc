"""What every command shares: its errors and exit codes, the Dagster home and instance."""

import os
import shutil
from pathlib import Path

from tmdb_assets.settings import get_settings, project_root, state_dir


class CliError(RuntimeError):
    """A problem the user can fix; printed without a traceback."""


class RunFailed(RuntimeError):
    """A Dagster run failed; the message says what was committed and what to do."""


class Interrupted(RunFailed):
    """A run was stopped by SIGTERM or SIGINT; what it had fetched is kept."""


# Exit codes of `tmdb-assets run` (and `rebuild`), for cron and CI wrappers.
EXIT_OK = 0  # every run succeeded and every ERROR-severity check passed
EXIT_RUN_FAILED = 1  # a run failed: its day is not fully loaded; rerun the same command
EXIT_USAGE = 2  # a usage or configuration error: nothing was run
EXIT_CHECKS_FAILED = 3  # the runs succeeded but an ERROR-severity check failed: look at the data
EXIT_INTERRUPTED = 130  # stopped by SIGINT or SIGTERM: rerun the same command to go on


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


def keep_instance_connections(instance) -> None:
    """Reuse connections to the instance's PostgreSQL for the process's lifetime.

    dagster-postgres opens a new connection for every event it stores (it must not hold any in
    long-lived processes that create many instances); a run stores about 150 events a day and
    each event takes several connections. This one-shot process keeps a small pool instead,
    as the Dagster webserver does (the same Dagster call), which saves about 2 s a day.
    """
    instance.optimize_for_webserver(statement_timeout=300_000, pool_recycle=3600, max_overflow=4)


def migrated_warehouse(reader_user: str | None = None, reader_password: str | None = None):
    """The configured warehouse, migrated; returns it and what was applied. A database that
    cannot be reached is one line saying which and what to do (exit 2), never a traceback."""
    import psycopg2
    from sqlalchemy.exc import OperationalError

    from tmdb_assets.db.warehouse import Warehouse, WarehouseError, resolve_database_url, safe_url
    from tmdb_assets.warehouse.schema import migrate as migrate_schema

    url = resolve_database_url(get_settings().database_url)
    try:
        warehouse = Warehouse(url)
        applied = migrate_schema(warehouse, reader_user, reader_password)
    except (OperationalError, psycopg2.OperationalError, WarehouseError) as exc:
        cause = getattr(exc, "orig", None) or exc
        first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        raise CliError(
            f"the warehouse at {safe_url(url)} cannot be reached ({first}). Start that "
            "PostgreSQL, or fix TMDB_DATABASE_URL (unset, the embedded server is used)."
        ) from None
    return warehouse, applied
