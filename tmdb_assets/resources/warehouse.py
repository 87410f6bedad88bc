"""The PostgreSQL warehouse: engine, numbered SQL migrations and set-based bulk loads."""

import datetime as dt
import hashlib
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
import orjson
import psycopg2
import psycopg2.extras
from pydantic import PrivateAttr
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tmdb_assets.queries import query
from tmdb_assets.resources.embedded import embedded_database_url, normalize_url
from tmdb_assets.settings import get_settings, sql_dir

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = "public.tmdb_schema_migrations"
# Arbitrary constant: every process that migrates takes this advisory lock first.
MIGRATION_LOCK_KEY = 7_340_211_905
EMBEDDED_DATABASE = "tmdb"

_engines: dict[str, Engine] = {}
_migrated: set[str] = set()
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
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except WarehouseError as exc:
            if not exc.connection_lost or attempt == attempts:
                raise
            delay = 2 ** (attempt - 1)
            logger.warning(
                f"{what}: the database connection was lost; trying again in {delay}s "
                f"(attempt {attempt + 1}/{attempts})"
            )
            time.sleep(delay)
    raise AssertionError("unreachable")


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


def get_engine(url: str) -> Engine:
    """One engine (and connection pool) per URL and process."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
            event.listen(engine, "connect", _fast_json)
            _engines[url] = engine
        return engine


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @property
    def previous_checksums(self) -> set[str]:
        """Checksums of earlier texts of this file that create the same schema (declared in it
        as `-- previous-checksum: <sha256>` lines, when an applied file is tidied)."""
        return set(re.findall(r"^-- previous-checksum: ([0-9a-f]{64})$", self.sql, re.M))


def discover_migrations(directory: Path | None = None) -> list[Migration]:
    directory = directory or sql_dir()
    if not directory.is_dir():
        raise WarehouseError(f"SQL migrations folder {directory} not found; set TMDB_SQL_DIR")
    files = sorted(p for p in directory.glob("*.sql") if p.name[:3].isdigit())
    return [Migration(version=p.stem, path=p) for p in files]


def apply_migrations(
    engine: Engine,
    directory: Path | None = None,
    after: Callable[[Connection], None] | None = None,
) -> list[str]:
    """Apply every numbered SQL file not yet applied, in order, each in its own transaction,
    then `after` (in its own transaction, still under the lock).

    Two processes migrating at once serialise on an advisory lock, so each file runs once.
    Returns the versions applied by this call.
    """
    migrations = discover_migrations(directory)
    applied_now: list[str] = []
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        conn.commit()
        try:
            conn.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} ("
                    " version text PRIMARY KEY, checksum text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"
                )
            )
            conn.commit()
            done = dict(
                conn.execute(text(f"SELECT version, checksum FROM {MIGRATIONS_TABLE}")).all()
            )
            for migration in migrations:
                if migration.version in done:
                    if done[migration.version] in migration.previous_checksums:
                        conn.execute(
                            text(f"UPDATE {MIGRATIONS_TABLE} SET checksum = :c WHERE version = :v"),
                            {"v": migration.version, "c": migration.checksum},
                        )
                        conn.commit()
                    elif done[migration.version] != migration.checksum:
                        log.warning(
                            "migration %s changed after it was applied; add a new numbered file "
                            "instead of editing an applied one",
                            migration.version,
                        )
                    continue
                cursor = conn.connection.driver_connection.cursor()
                cursor.execute(migration.sql)
                conn.execute(
                    text(f"INSERT INTO {MIGRATIONS_TABLE} (version, checksum) VALUES (:v, :c)"),
                    {"v": migration.version, "c": migration.checksum},
                )
                conn.commit()
                applied_now.append(migration.version)
                log.info("applied migration %s", migration.version)
            if after is not None:
                after(conn)
                conn.commit()
        except Exception:
            conn.rollback()
            raise
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
    return applied_now


# --- bulk loading -----------------------------------------------------------------------------


# COPY text format: backslash, tab, newline and carriage return escaped; NUL cannot be stored.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_COPY_ESCAPES)


_ENCODERS: dict[type, Any] = {
    str: lambda v: v.translate(_COPY_ESCAPES),
    int: str,
    float: repr,
    bool: lambda v: "t" if v else "f",
    type(None): lambda v: "\\N",
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,
    dict: _json_text,
    list: _json_text,
}


def _text_value(value: Any) -> str:
    encode = _ENCODERS.get(type(value))
    if encode is None:  # subclasses (numpy, Decimal, ...): their str() is what PostgreSQL reads
        return str(value).translate(_COPY_ESCAPES)
    return encode(value)


def copy_text(rows: Iterable[Sequence[Any]]) -> io.StringIO:
    """Rows encoded in COPY's text format (NULL as \\N), ready for copy_expert."""
    buf = io.StringIO()
    encoders = _ENCODERS
    for row in rows:
        buf.write(
            "\t".join(
                (encoders.get(type(v)) or _text_value)(v) if v is not None else "\\N" for v in row
            )
        )
        buf.write("\n")
    buf.seek(0)
    return buf


def copy_into(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY rows into `table` (a trusted identifier) on the connection's transaction."""
    buf = copy_text(rows)
    cursor = conn.connection.driver_connection.cursor()
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
    return cursor.rowcount


def stage(
    conn: Connection, name: str, like: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Create a temp table with `columns` of `like` and COPY rows into it (dropped on commit)."""
    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    conn.execute(
        text(
            f"CREATE TEMP TABLE {name} ON COMMIT DROP AS "
            f"SELECT {', '.join(columns)} FROM {like} WITH NO DATA"
        )
    )
    return copy_into(conn, name, columns, rows)


# --- set-based batches -------------------------------------------------------------------------
#
# A batch of rows travels as ONE statement parameter: a JSON array of row arrays, encoded by orjson
# (in C: about 10x faster than building COPY text in Python), unpacked by PostgreSQL with
# jsonb_array_elements and cast to the target table's column types. The statement that
# unpacks it also upserts/replaces, so a table load is one round trip with no staging table.

_column_types: dict[tuple[str, str], dict[str, str]] = {}
_column_types_lock = threading.Lock()


def column_types(conn: Connection, table: str) -> dict[str, str]:
    """Column name -> SQL type of `table` (a trusted identifier), cached per database."""
    key = (conn.engine.url.render_as_string(hide_password=False), table)
    with _column_types_lock:
        cached = _column_types.get(key)
    if cached is None:
        rows = conn.execute(
            text(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped"
            ),
            {"t": table},
        ).all()
        cached = {r[0]: r[1] for r in rows}
        with _column_types_lock:
            _column_types[key] = cached
    return cached


def batch_rows(rows: Sequence[Sequence[Any]]) -> str:
    """Rows as a JSON array of arrays (dates and datetimes in ISO 8601, None as null).

    Text must not contain NUL (PostgreSQL text cannot hold it; the transforms drop it).
    """
    return orjson.dumps(rows).decode()


def batch_source(conn: Connection, table: str, columns: Sequence[str], param: str = "rows") -> str:
    """A SELECT that unpacks the `:param` batch into typed `columns` of `table`."""
    types = column_types(conn, table)
    missing = [c for c in columns if c not in types]
    if missing:
        raise WarehouseError(
            f"{table} has no column(s) {missing}: the warehouse schema is behind the code; "
            "run `tmdb-assets migrate`"
        )
    cols = ", ".join(f"CAST(r->>{i} AS {types[c]}) AS {c}" for i, c in enumerate(columns))
    return f"SELECT {cols} FROM jsonb_array_elements(CAST(:{param} AS jsonb)) AS r"


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0  # rows whose data changed
    refreshed: int = 0  # rows re-asserted with the same data (bookkeeping columns moved)
    compared: int = 0  # rows the batch held: inserted + updated + unchanged

    def as_metadata(self) -> dict[str, int]:
        return {
            "rows": self.compared,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.compared - self.inserted - self.updated,
        }


def upsert(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    key: Sequence[str],
    *,
    guard: str | None = "source_date",
    merge: dict[str, str] | None = None,
    unless: str | None = None,
) -> UpsertResult:
    """Set-based upsert: one INSERT ... SELECT ... ON CONFLICT over the whole batch.

    `guard` names a date column: a row last set from a later date is never overwritten by an
    older one (SCD1 that never regresses during out-of-order backfills). `merge` maps columns to
    SQL expressions over `t` (the target) and `EXCLUDED` that apply whatever the guard says
    (for example first_seen_date = LEAST(...)). `unless` is a condition on `t` under which the
    guard does not hold (dim_movie: a row known only from the export is replaced by any day's
    details). Rows with an equal key in one batch must be de-duplicated by the caller.
    """
    if not rows:
        return UpsertResult()
    merge = merge or {}
    newer = f"EXCLUDED.{guard} >= t.{guard}" + (f" OR {unless}" if unless else "")
    assignments = []
    for col in columns:
        if col in key:
            continue
        if col in merge:
            assignments.append(f"{col} = {merge[col]}")
        elif guard:
            assignments.append(f"{col} = CASE WHEN {newer} THEN EXCLUDED.{col} ELSE t.{col} END")
        else:
            assignments.append(f"{col} = EXCLUDED.{col}")
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in columns if c not in key)
    # "updated" counts rows whose data changed, not the bookkeeping (guard and merge columns). It
    # is read in the same statement: every part of it sees the table as it was before the insert.
    data_cols = [c for c in columns if c not in key and c != guard and c not in merge]
    diff = "SELECT 0"
    if data_cols:
        join = " AND ".join(f"t.{k} = s.{k}" for k in key)
        differs = " OR ".join(f"t.{c} IS DISTINCT FROM s.{c}" for c in data_cols)
        guard_ok = f" AND ({newer.replace('EXCLUDED.', 's.')})" if guard else ""
        diff = f"SELECT count(*) FROM s JOIN {table} t ON {join} WHERE ({differs}){guard_ok}"
    on_conflict = (
        f"DO UPDATE SET {', '.join(assignments)} WHERE {changed}" if assignments else "DO NOTHING"
    )
    statement = query(
        "upsert",
        {"source": batch_source(conn, table, columns), "on_conflict": on_conflict, "diff": diff},
        table=table,
        columns=columns,
        key=key,
    )
    inserted, touched, updated = conn.execute(statement, {"rows": batch_rows(rows)}).one()
    return UpsertResult(int(inserted), int(updated), int(touched) - int(updated), len(rows))


def partition_lock(conn: Connection, name: str) -> None:
    """Serialise writers of one (asset, partition) until the transaction ends."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": name})


class Warehouse:
    """A migrated PostgreSQL database: the handle every asset writes through."""

    def __init__(self, url: str):
        self.url = url
        self.engine = get_engine(url)

    @property
    def display_url(self) -> str:
        return safe_url(self.url)

    def migrate(
        self, reader_user: str | None = None, reader_password: str | None = None
    ) -> list[str]:
        from tmdb_assets.roles import setup_reader

        return apply_migrations(
            self.engine, after=lambda conn: setup_reader(conn, reader_user, reader_password)
        )

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


class WarehouseResource(dg.ConfigurableResource):
    """PostgreSQL warehouse. Empty database_url: the embedded server under .tmdb_data/."""

    database_url: str = ""

    _warehouse: Warehouse | None = PrivateAttr(default=None)
    _heartbeat: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Every run of this project uses the warehouse: its heartbeat starts here, so a run
        # whose process dies is found and closed (tmdb_assets/runs.py).
        run = context.run
        if context.instance is not None and run is not None:
            from tmdb_assets.runs import RunHeartbeat

            try:
                self._heartbeat = RunHeartbeat(context.instance, run.run_id).start()
            except Exception as exc:  # never fail a run for its heartbeat
                log.warning("run heartbeat not started: %s", exc)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._heartbeat is not None:
            self._heartbeat.stop()
        # The parsed raw days are shared by the assets of one run; a process that runs night
        # after night (a soak, an in-process code server) must not keep them all.
        from tmdb_assets.raw_read import clear_day_cache

        clear_day_cache()

    def get(self) -> Warehouse:
        if self._warehouse is None:
            url = resolve_database_url(self.database_url or get_settings().database_url)
            try:
                warehouse = Warehouse(url)
                with _engines_lock:
                    needs_migration = url not in _migrated
                if needs_migration:
                    warehouse.migrate()
                    with _engines_lock:
                        _migrated.add(url)
            except WarehouseError:
                raise
            except Exception as exc:
                raise WarehouseError(
                    f"cannot use the warehouse at {safe_url(url)}: {type(exc).__name__}: "
                    f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}. Check that "
                    "PostgreSQL is running and TMDB_DATABASE_URL is right (unset it to use the "
                    "embedded server)."
                ) from exc
            self._warehouse = warehouse
        return self._warehouse
