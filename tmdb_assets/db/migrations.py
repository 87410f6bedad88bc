"""The numbered SQL migrations in sql/: each applied once, in order, under an advisory lock."""

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from tmdb_assets.db.warehouse import WarehouseError
from tmdb_assets.settings import sql_dir

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = "public.tmdb_schema_migrations"
# Arbitrary constant: every process that migrates takes this advisory lock first.
MIGRATION_LOCK_KEY = 7_340_211_905


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def statements(self) -> str | None:
        """The SQL to run, or None for a file of comments alone (a tidied file whose statements
        moved elsewhere: recorded as applied, nothing to run)."""
        code = re.sub(r"--[^\n]*", "", self.sql)
        return self.sql if code.strip() else None

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
                if migration.statements:
                    conn.connection.driver_connection.cursor().execute(migration.statements)
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
