"""The embedded PostgreSQL (pgserver) used when no TMDB_DATABASE_URL is configured."""

import logging
import re
import threading
import warnings
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); harmless here.
    warnings.simplefilter("ignore")
    import pgserver

from tmdb_assets.settings import state_dir

log = logging.getLogger(__name__)
_lock = threading.Lock()
_servers: dict[Path, object] = {}


def embedded_server_uri(pgdata: Path | None = None) -> str:
    """Start (or reuse) the embedded server and return its base URI (no database).

    The server is left running when this process exits (cleanup_mode=None) so later CLI calls,
    the Dagster webserver and its run workers all share one server and one data folder.
    """
    pgdata = (pgdata or state_dir() / "pg").resolve()
    with _lock:
        server = _servers.get(pgdata)
        if server is None:
            pgdata.parent.mkdir(parents=True, exist_ok=True)
            log.debug("starting embedded PostgreSQL in %s", pgdata)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                server = pgserver.get_server(pgdata, cleanup_mode=None)
            _servers[pgdata] = server
    return server.get_uri()  # type: ignore[attr-defined]


def embedded_database_url(database: str, pgdata: Path | None = None) -> str:
    """URL of `database` on the embedded server, creating the database on first use."""
    base = embedded_server_uri(pgdata)
    ensure_database(base, database)
    return with_database(base, database)


def with_database(uri: str, database: str) -> str:
    return make_url(normalize_url(uri)).set(database=database).render_as_string(hide_password=False)


def normalize_url(url: str) -> str:
    """Accept plain postgresql:// URLs and pick the installed driver (psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def ensure_database(server_url: str, database: str) -> None:
    """CREATE DATABASE if missing (needs a connection to the server's maintenance database)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", database):
        raise ValueError(f"invalid database name {database!r}: use letters, digits and underscores")
    admin = create_engine(with_database(server_url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
            ).scalar()
            if not exists:
                try:
                    conn.execute(text(f'CREATE DATABASE "{database}"'))
                except Exception as exc:  # another process may have created it meanwhile
                    if "already exists" not in str(exc):
                        raise
    finally:
        admin.dispose()
