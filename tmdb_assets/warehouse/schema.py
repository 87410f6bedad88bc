"""The warehouse's schema brought up to date: the numbered migrations, the views, the roles."""

import threading

from sqlalchemy import Connection

from tmdb_assets.db.migrations import apply_migrations
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.warehouse.roles import setup_reader
from tmdb_assets.warehouse.views import apply_views

_migrated: set[str] = set()
_lock = threading.Lock()


def migrate(
    warehouse: Warehouse, reader_user: str | None = None, reader_password: str | None = None
) -> list[str]:
    """Apply the migrations not yet applied, then the views whose files changed
    (sql/views/), then the grants of the read-only role and its login (`reader_user`, default
    TMDB_READER_USER). Returns the migrations and views applied."""
    views: list[str] = []

    def after(conn: Connection) -> None:
        views.extend(apply_views(conn))
        setup_reader(conn, reader_user, reader_password)

    applied = apply_migrations(warehouse.engine, after=after) + views
    with _lock:
        _migrated.add(warehouse.url)
    return applied


def migrate_once(warehouse: Warehouse) -> None:
    """Migrate the first time this process uses the warehouse's database."""
    with _lock:
        done = warehouse.url in _migrated
    if not done:
        migrate(warehouse)


def forget(url: str) -> None:
    """This process no longer knows `url` migrated (a dropped database; tests)."""
    with _lock:
        _migrated.discard(url)
