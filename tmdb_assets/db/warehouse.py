"""The warehouse's PostgreSQL: URLs, one engine per database, transactions that say when the
connection was lost, and retrying whole transactions after a lost connection (tenacity)."""

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import orjson
import psycopg2
import psycopg2.extras
import tenacity
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tmdb_assets.db.embedded import embedded_database_url, normalize_url

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "tmdb"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


class WarehouseError(RuntimeError):
    """The warehouse cannot be reached or is not in the expected state."""

    def __init__(self, message: str, *, connection_lost: bool = False):
        super().__init__(message)
        self.connection_lost = connection_lost


T = TypeVar("T")


def with_reconnect(
    fn: Callable[[], T], *, attempts: int = 4, logger: Any = log, what: str = "warehouse write"
) -> T:
    """Run `fn` (whole transactions only) again when the connection was lost during it.

    A lost connection rolls its transaction back, so running the same transactions again is
    safe; a database that blips (restart, failover, a terminated backend) then costs a pause,
    not the night's run. Waits 1, 2, 4 s between attempts.
    """

    def log_retry(state: tenacity.RetryCallState) -> None:
        delay = state.next_action.sleep if state.next_action else 0
        logger.warning(
            f"{what}: the database connection was lost; trying again in {delay:.0f}s "
            f"(attempt {state.attempt_number + 1}/{attempts})"
        )

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(
            lambda exc: isinstance(exc, WarehouseError) and exc.connection_lost
        ),
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_exponential(multiplier=1, exp_base=2),
        before_sleep=log_retry,
        reraise=True,
    )
    return retrying(fn)


def resolve_database_url(url: str | None) -> str:
    """The configured URL (normalised to the installed driver) or the embedded server's."""
    url = (url or "").strip()
    if url:
        return normalize_url(url)
    return embedded_database_url(EMBEDDED_DATABASE)


def safe_url(url: str) -> str:
    """The URL with any password masked, for logs and metadata."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


def _fast_json(dbapi_connection: Any, _record: Any) -> None:
    """Decode json/jsonb columns with orjson on this connection (loads read a lot of raw JSON)."""
    psycopg2.extras.register_default_json(dbapi_connection, loads=orjson.loads)
    psycopg2.extras.register_default_jsonb(dbapi_connection, loads=orjson.loads)


def dispose_engine(url: str) -> None:
    """Close this process's pool for `url` (a database about to be dropped)."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def get_engine(url: str) -> Engine:
    """One engine (and connection pool) per URL and process."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
            event.listen(engine, "connect", _fast_json)
            _engines[url] = engine
        return engine


# How often a writer waiting for another's lock asks again.
LOCK_POLL_S = 0.2


def partition_lock(conn: Connection, name: str) -> None:
    """Serialise writers of one (asset, partition) until the transaction ends.

    Asked for with pg_try_advisory_xact_lock, again every LOCK_POLL_S while another writer
    holds it, rather than waiting inside the server: a run waiting here is stopped by SIGTERM,
    SIGINT or the UI at once (a blocking call into libpq would hold the interrupt until the
    other writer ends).
    """
    query = text("SELECT pg_try_advisory_xact_lock(hashtext(:n))")
    while not conn.execute(query, {"n": name}).scalar():
        time.sleep(LOCK_POLL_S)


def lock_day(conn: Connection, name: str, day: dt.date) -> None:
    """Serialise the writers of one asset's (or table's) day until the transaction ends."""
    partition_lock(conn, f"{name}:{day.isoformat()}")


class Warehouse:
    """A migrated PostgreSQL database: the handle every asset writes through."""

    def __init__(self, url: str):
        self.url = url
        self.engine = get_engine(url)

    @property
    def display_url(self) -> str:
        return safe_url(self.url)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction. A connection lost part-way rolls everything in it back and says so."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except (DBAPIError, psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
            # COPY runs on the driver's cursor, so its errors arrive unwrapped. An
            # OperationalError is the server or the network ending the transaction (terminated
            # backend, restart, idle-in-transaction timeout, refused connection): retryable.
            orig = getattr(exc, "orig", None) or exc
            lost = (
                exc.connection_invalidated
                or isinstance(orig, psycopg2.OperationalError | psycopg2.InterfaceError)
                if isinstance(exc, DBAPIError)
                else True
            )
            if not lost:
                raise
            first_line = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
            raise WarehouseError(
                f"the connection to {self.display_url} was lost mid-transaction ({first_line}). "
                "That transaction was rolled back: rerun the same partition once the database "
                "is back; it converges to the same tables.",
                connection_lost=True,
            ) from exc

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())
