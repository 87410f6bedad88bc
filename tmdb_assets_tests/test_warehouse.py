"""Migrations, bulk loads and the warehouse resource on a real PostgreSQL."""

import datetime as dt
import json
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from tmdb_assets.db.bulk import batch_rows, batch_source, copy_into, upsert
from tmdb_assets.db.embedded import normalize_url
from tmdb_assets.db.migrations import apply_migrations, discover_migrations
from tmdb_assets.db.warehouse import Warehouse, WarehouseError
from tmdb_assets.defs.resources import WarehouseResource
from tmdb_assets.warehouse.tables import TABLES
from tmdb_assets.warehouse.views import apply_views, discover_views


def test_migrations_applied_twice_equal_once(database_url):
    engine = create_engine(database_url)
    first = apply_migrations(engine)
    assert first == [m.version for m in discover_migrations()]
    with engine.begin() as conn:
        assert apply_views(conn) == [v.name for v in discover_views()]
    assert apply_migrations(engine) == []
    with engine.begin() as conn:
        assert apply_views(conn) == []
    with engine.connect() as conn:
        assert conn.execute(
            text("SELECT count(*) FROM public.tmdb_schema_migrations")
        ).scalar() == len(first)
        views = conn.execute(
            text("SELECT table_name FROM information_schema.views WHERE table_schema = 'warehouse'")
        ).scalars()
        declared = {v.name for v in discover_views()}
        assert set(views) == declared and len(declared) == 25
        # The numbered migrations no longer create views: each is in its one file.
        assert not any("CREATE OR REPLACE VIEW" in m.sql for m in discover_migrations())
    engine.dispose()


def test_concurrent_migration_from_two_processes(database_url):
    # Two interpreters of their own (not multiprocessing: its spawned children re-run the
    # worker's __main__, which another test in this worker may have replaced).
    script = (
        "import json, sys; from sqlalchemy import create_engine; "
        "from tmdb_assets.db.migrations import apply_migrations; "
        "print(json.dumps(apply_migrations(create_engine(sys.argv[1]))))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, database_url], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    results = sorted((json.loads(o) for o in outs), key=len)
    assert results[0] == [] and results[1] == [m.version for m in discover_migrations()]


def test_url_normalisation():
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert normalize_url("postgresql+psycopg2://u@h/db") == "postgresql+psycopg2://u@h/db"


def test_unreachable_database_is_a_clear_error():
    resource = WarehouseResource(database_url="postgresql://nobody:pw@127.0.0.1:1/none")
    with pytest.raises(WarehouseError) as err:
        resource.get()
    message = str(err.value)
    assert "TMDB_DATABASE_URL" in message and "127.0.0.1:1" in message
    assert ":pw@" not in message  # the password is masked


def test_upsert_never_regresses(warehouse: Warehouse):
    cols = ["genre_id", "name", "source_date"]
    d1, d2, d3 = dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 1, 3)
    with warehouse.begin() as conn:
        r = upsert(
            conn, "warehouse.dim_genre", cols, [(1, "Action", d2), (2, "Drama", d2)], ["genre_id"]
        )
        assert (r.inserted, r.updated) == (2, 0)
        # An older day does not overwrite the newer name.
        r = upsert(conn, "warehouse.dim_genre", cols, [(1, "Old Action", d1)], ["genre_id"])
        assert (r.inserted, r.updated) == (0, 0)
        # A newer day does.
        r = upsert(conn, "warehouse.dim_genre", cols, [(1, "Action & Adventure", d3)], ["genre_id"])
        assert (r.inserted, r.updated) == (0, 1)
        rows = conn.execute(
            text("SELECT genre_id, name, source_date FROM warehouse.dim_genre ORDER BY 1")
        ).all()
    assert rows == [(1, "Action & Adventure", d3), (2, "Drama", d2)]


def test_batches_round_trip_awkward_values(warehouse: Warehouse):
    """Loads send a batch as one JSON parameter cast to the columns' types: nothing is lost."""
    when = dt.datetime(2025, 3, 1, 23, 59, 58, 123456, tzinfo=dt.UTC)
    rows = [
        (20250301, 1, 0.1 + 0.2, 7.25, 2**31 - 1, 1, when, True),
        (20250301, 2, 1e-7, 0.0, 0, 2, when.astimezone(dt.timezone(dt.timedelta(hours=-5))), False),
        (20250301, 3, 123456.789012345, 10.0, 5, 3, when, False),
    ]
    with warehouse.begin() as conn:
        got = conn.execute(
            text(
                batch_source(conn, "warehouse.fact_movie_daily", TABLES["fact_movie_daily"].columns)
            ),
            {"rows": batch_rows(rows)},
        ).all()
    assert [tuple(r) for r in got] == rows
    assert all(type(r[2]) is float and type(r[6]) is dt.datetime for r in got)


def test_copy_round_trips_awkward_text(warehouse: Warehouse):
    awkward = 'tab\there "quote" back\\slash\nnewline 君の名は。 ""'
    with warehouse.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE t (a text, b text, c date) ON COMMIT DROP"))
        copy_into(
            conn, "t", ["a", "b", "c"], [(awkward, None, dt.date(2025, 1, 1)), ("", "x\x00y", None)]
        )
        rows = conn.execute(text("SELECT a, b, c FROM t ORDER BY c")).all()
    assert rows == [(awkward, None, dt.date(2025, 1, 1)), ("", "xy", None)]


def test_upsert_round_trips_awkward_text(warehouse: Warehouse):
    awkward = 'tab\there "quote" back\\slash\nnewline 君の名は。 ""'
    with warehouse.begin() as conn:
        upsert(
            conn,
            "warehouse.dim_language",
            ["iso_639_1", "english_name", "name", "source_date"],
            [("xx", awkward, None, dt.date(2025, 1, 1)), ("yy", "", "", dt.date(2025, 1, 1))],
            ["iso_639_1"],
        )
        rows = conn.execute(
            text("SELECT iso_639_1, english_name, name FROM warehouse.dim_language ORDER BY 1")
        ).all()
    assert rows == [("xx", awkward, None), ("yy", "", "")]


def test_the_table_registry_matches_the_schema(warehouse):
    """Each table is declared once (tmdb_assets/tables.py): its key is the table's primary key
    in the migrated schema, and its foreign-key columns exist on both sides."""
    from tmdb_assets.warehouse.tables import SEED, TABLES

    for table in [*TABLES.values(), SEED]:
        primary_key = [
            r[0]
            for r in warehouse.rows(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(:t AS regclass) "
                "AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
                t=table.qualified,
            )
        ]
        assert tuple(primary_key) == table.key, table.name
        for fk in table.foreign_keys:
            for name, column in ((table.name, fk.column), (fk.table, fk.table_column)):
                assert warehouse.scalar(
                    "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                    "'warehouse' AND table_name = :t AND column_name = :c",
                    t=name,
                    c=column,
                ), (name, column)


def test_a_tidied_migration_is_accepted_by_its_declared_previous_checksum(
    database_url, tmp_path, caplog
):
    """An applied file may be tidied (the same schema) if it declares the checksum it had;
    an undeclared edit still warns."""
    import hashlib

    engine = create_engine(normalize_url(database_url))
    path = tmp_path / "001_tidy.sql"
    path.write_text("CREATE TABLE IF NOT EXISTS public.tidy (a integer);\n")
    old = hashlib.sha256(path.read_bytes()).hexdigest()
    assert apply_migrations(engine, tmp_path) == ["001_tidy"]

    def recorded() -> str:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT checksum FROM public.tmdb_schema_migrations WHERE version = '001_tidy'"
                )
            ).scalar_one()

    path.write_text(
        f"-- tidied\n-- previous-checksum: {old}\nCREATE TABLE IF NOT EXISTS public.tidy (a integer);\n"
    )
    with caplog.at_level("WARNING"):
        assert apply_migrations(engine, tmp_path) == []
    assert "changed after it was applied" not in caplog.text
    assert recorded() == hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_text("CREATE TABLE IF NOT EXISTS public.tidy (a integer, b integer);\n")
    with caplog.at_level("WARNING"):
        apply_migrations(engine, tmp_path)
    assert "001_tidy changed after it was applied" in caplog.text
    engine.dispose()


def test_a_migration_of_comments_alone_is_recorded_and_runs_nothing(database_url, tmp_path):
    """A file whose statements moved elsewhere (the views, to sql/views/) keeps its number and
    its comments: a fresh database records it as applied; an existing one accepts it."""
    engine = create_engine(normalize_url(database_url))
    (tmp_path / "001_first.sql").write_text("CREATE TABLE public.first (a integer);\n")
    (tmp_path / "002_moved.sql").write_text("-- Views moved to sql/views/.\n\n-- vw_x: there.\n")
    (tmp_path / "003_after.sql").write_text("INSERT INTO public.first VALUES (3);\n")
    assert apply_migrations(engine, tmp_path) == ["001_first", "002_moved", "003_after"]
    assert apply_migrations(engine, tmp_path) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT a FROM public.first")).scalars().all() == [3]
    engine.dispose()
