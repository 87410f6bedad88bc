"""The read-only role: tmdb_reader (sql/008_read_only_role.sql) and its login user.

`TMDB_READER_USER` and `TMDB_READER_PASSWORD` name the login the dashboard and pgAdmin use.
Each migrate creates it when missing (or sets its password), grants it tmdb_reader, and grants
tmdb_reader SELECT on every dimension of the table registry and every analytics view, so a
table or view added later is readable without another migration.
"""

import logging

from sqlalchemy import Connection, text

from tmdb_assets.db.queries import identifier
from tmdb_assets.settings import get_settings
from tmdb_assets.warehouse.tables import SEED, TABLES

log = logging.getLogger(__name__)

READER_ROLE = "tmdb_reader"


def readable_objects(conn: Connection) -> list[str]:
    """The warehouse's dimensions, seed and views: what tmdb_reader may read."""
    names = [t.qualified for t in TABLES.values() if t.name.startswith("dim_")]
    names.append(SEED.qualified)
    views = conn.execute(
        text("SELECT viewname FROM pg_views WHERE schemaname = 'warehouse' ORDER BY 1")
    ).scalars()
    return names + [f"warehouse.{v}" for v in views]


def role_exists(conn: Connection, name: str) -> bool:
    return bool(
        conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    )


def grant_reader(conn: Connection) -> bool:
    """Grant tmdb_reader what it may read; False when the role does not exist."""
    if not role_exists(conn, READER_ROLE):
        return False
    # Only what is missing: a GRANT locks its table, and this runs in every process that migrates.
    if not conn.execute(
        text("SELECT has_schema_privilege(:r, 'warehouse', 'USAGE')"), {"r": READER_ROLE}
    ).scalar_one():
        conn.execute(text(f"GRANT USAGE ON SCHEMA warehouse TO {READER_ROLE}"))
    missing = [
        name
        for name in readable_objects(conn)
        if not conn.execute(
            text("SELECT has_table_privilege(:r, :t, 'SELECT')"), {"r": READER_ROLE, "t": name}
        ).scalar_one()
    ]
    if missing:
        conn.execute(text(f"GRANT SELECT ON {identifier(missing)} TO {READER_ROLE}"))
    return True


def ensure_reader_login(conn: Connection, user: str, password: str | None) -> None:
    """Create (or update the password of) login `user` and grant it tmdb_reader."""
    name = identifier(user)
    if name == READER_ROLE:
        raise ValueError(f"TMDB_READER_USER={user!r}: name a login user, not the role itself")
    if role_exists(conn, name):
        member = conn.execute(
            text("SELECT pg_has_role(:u, :r, 'MEMBER')"), {"u": name, "r": READER_ROLE}
        ).scalar_one()
        if member and not password:
            return
    else:
        conn.execute(text(f"CREATE ROLE {name} LOGIN"))
        if not password:
            # Usable only where the server trusts local connections (the demo's database).
            log.warning(
                "created login %s without a password: set TMDB_READER_PASSWORD to give it one",
                name,
            )
    if password:
        # Passwords cannot be bound parameters in DDL: quote it as a literal, server-side.
        literal = conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
        conn.execute(text(f"ALTER ROLE {name} WITH LOGIN PASSWORD {literal}"))
    conn.execute(text(f"GRANT {READER_ROLE} TO {name}"))


def setup_reader(conn: Connection, user: str | None = None, password: str | None = None) -> None:
    """After the migrations: grants, and the login `user` (default TMDB_READER_USER, with
    TMDB_READER_PASSWORD) when there is one."""
    if not grant_reader(conn):
        log.warning(
            "role %s does not exist (the migrating user may not create roles): the dashboard's "
            "read-only login is not set up; an administrator runs CREATE ROLE %s NOLOGIN",
            READER_ROLE,
            READER_ROLE,
        )
        return
    settings = get_settings()
    if user is None:
        user = settings.reader_user
        password = settings.reader_password.get_secret_value() or None
    if user:
        ensure_reader_login(conn, user, password)
