"""The read-only role: the dashboard's login reads the views and dimensions, nothing else."""

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from tmdb_assets.db.embedded import normalize_url
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.warehouse.schema import migrate


@pytest.fixture
def reader(database_url, monkeypatch):
    """A migrated warehouse whose migrate created login TMDB_READER_USER."""
    user = f"reader_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("TMDB_READER_USER", user)
    monkeypatch.setenv("TMDB_READER_PASSWORD", "pw-" + uuid.uuid4().hex)
    warehouse = Warehouse(normalize_url(database_url))
    migrate(warehouse)
    url = make_url(normalize_url(database_url)).set(username=user)
    engine = create_engine(url)
    yield warehouse, engine, user
    engine.dispose()
    with warehouse.engine.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {user}"))
        conn.execute(text(f"DROP ROLE {user}"))
    warehouse.engine.dispose()


def test_the_reader_reads_views_and_dimensions_only(reader):
    warehouse, engine, user = reader
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar_one() == user
        for name in ("vw_movie_latest", "vw_top_movies", "dim_movie", "dim_country"):
            conn.execute(text(f"SELECT count(*) FROM warehouse.{name}")).scalar_one()
    for statement in (
        "SELECT count(*) FROM warehouse.fact_movie_daily",
        "SELECT count(*) FROM warehouse.bridge_movie_genre",
        "SELECT count(*) FROM raw.capture",
        "INSERT INTO warehouse.dim_genre VALUES (1, 'x', '2025-01-01')",
        "CREATE TABLE warehouse.mine (a int)",
    ):
        with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text(statement))
    role = warehouse.rows(
        "SELECT rolcanlogin, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = 'tmdb_reader'"
    )
    assert role == [(False, False, False)]


def test_a_view_added_later_is_granted_by_the_next_migrate(reader):
    warehouse, engine, _ = reader
    with warehouse.begin() as conn:
        conn.execute(text("CREATE VIEW warehouse.vw_later AS SELECT 1 AS x"))
    with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("SELECT x FROM warehouse.vw_later"))
    migrate(warehouse)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM warehouse.vw_later")).scalar_one() == 1
