"""sql/views/: one file per view, applied after the migrations, in place on an existing warehouse."""

from pathlib import Path

from sqlalchemy import text

from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.warehouse.schema import migrate
from tmdb_assets.warehouse.views import VIEWS_TABLE, apply_views, discover_views

ROOT = Path(__file__).resolve().parents[1]


def views_in(warehouse: Warehouse) -> dict[str, tuple[str, str]]:
    """name -> (definition, comment) of every view of schema warehouse."""
    rows = warehouse.rows(
        "SELECT viewname, pg_get_viewdef(format('warehouse.%I', viewname)::regclass), "
        "obj_description(format('warehouse.%I', viewname)::regclass, 'pg_class') "
        "FROM pg_views WHERE schemaname = 'warehouse'"
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def test_every_view_has_its_file_with_its_comment(warehouse):
    files = {v.name: v for v in discover_views()}
    in_db = views_in(warehouse)
    assert set(in_db) == set(files) and len(files) == 25
    for name, (_, comment) in in_db.items():
        assert comment == files[name].description, name
    # Dependency order: a view comes after the views it reads.
    order = [v.name for v in discover_views()]
    assert order.index("vw_movie_latest") < order.index("vw_director_latest")


def test_a_second_migrate_applies_nothing_and_changes_no_view(warehouse):
    before = views_in(warehouse)
    assert migrate(warehouse) == []
    assert views_in(warehouse) == before


def test_an_existing_warehouse_gets_the_views_in_place_with_its_data(warehouse):
    """A warehouse migrated before sql/views/ existed has no record of them: the next migrate
    replaces each view by its file's (the same definitions), and no row moves."""
    with warehouse.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO warehouse.dim_date VALUES "
                "(20250301, '2025-03-01', 2025, 1, 3, 1, 9, 6, 'Saturday', true)"
            )
        )
        conn.execute(text(f"DROP TABLE {VIEWS_TABLE}"))
    before = views_in(warehouse)
    assert sorted(migrate(warehouse)) == sorted(v.name for v in discover_views())
    assert views_in(warehouse) == before
    assert warehouse.scalar("SELECT count(*) FROM warehouse.dim_date") == 1


def test_a_changed_view_replaces_its_column_list_with_its_dependents(warehouse, tmp_path):
    folder = tmp_path / "views"
    folder.mkdir()
    a, b = folder / "vw_t_a.sql", folder / "vw_t_b.sql"

    def write_a(select: str) -> None:
        a.write_text(
            f"CREATE OR REPLACE VIEW warehouse.vw_t_a AS {select};\n"
            "COMMENT ON VIEW warehouse.vw_t_a IS 'A test view.';\n"
        )

    write_a("SELECT 1 AS x, 2 AS y")
    b.write_text(
        "CREATE OR REPLACE VIEW warehouse.vw_t_b AS SELECT x FROM warehouse.vw_t_a;\n"
        "COMMENT ON VIEW warehouse.vw_t_b IS 'It reads vw_t_a.';\n"
    )
    with warehouse.begin() as conn:
        assert apply_views(conn, tmp_path) == ["vw_t_a", "vw_t_b"]
    with warehouse.begin() as conn:
        assert apply_views(conn, tmp_path) == []
    write_a("SELECT 1 AS x")  # a column dropped: CREATE OR REPLACE alone would fail
    with warehouse.begin() as conn:
        assert apply_views(conn, tmp_path) == ["vw_t_a", "vw_t_b"]
    columns = warehouse.rows(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'warehouse' AND table_name IN ('vw_t_a', 'vw_t_b') ORDER BY 1, 2"
    )
    assert [tuple(r) for r in columns] == [("vw_t_a", "x"), ("vw_t_b", "x")]
