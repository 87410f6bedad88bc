"""Loading the warehouse (warehouse/load.py): one table, one day, one transaction, from raw;
replacing a bridge's sets, a day of a fact whole, and a month partition made ahead."""

import datetime as dt

from sqlalchemy import text

from tmdb_assets.definitions import CATALOGUE_ASSETS as CATALOGUE_TABLES
from tmdb_assets.warehouse.load import load_table_day, month_after, month_partition
from tmdb_assets.warehouse.tables import TABLES
from tmdb_assets_tests.conftest import DAY1
from tmdb_assets_tests.helpers import load_days as load
from tmdb_assets_tests.helpers import table_checksums


def test_a_bridge_load_replaces_sets_and_skips_unknown_keys(resources, simulator, warehouse):
    import dataclasses

    from tmdb_assets.capture.read import clear_cache, read_day
    from tmdb_assets.warehouse.load import load_bridge
    from tmdb_assets.warehouse.tables import TABLES

    load(resources, simulator, DAY1)
    clear_cache()
    data = read_day(warehouse, DAY1)
    genres = [g for (g,) in warehouse.rows("SELECT genre_id FROM warehouse.dim_genre ORDER BY 1")]
    a, b = [m for m in data.details if len(data.details[m].genres) >= 2][:2]
    old_a = [g for g, _ in data.details[a].genres]
    new_genre = next(g for g in genres if g not in old_a)
    details = dict(data.details)
    # a: keeps its first genre, drops the others, gains one it did not have and one unknown id.
    details[a] = dataclasses.replace(
        details[a], genres=[(old_a[0], "x"), (new_genre, "y"), (999_999, "not in dim_genre")]
    )
    details[b] = dataclasses.replace(details[b], genres=[])  # b: its set is now empty
    changed = dataclasses.replace(data, details=details)
    with warehouse.begin() as conn:
        counts = load_bridge(conn, TABLES["bridge_movie_genre"], changed)
    set_of = lambda m: [  # noqa: E731
        g
        for (g,) in warehouse.rows(
            "SELECT genre_id FROM warehouse.bridge_movie_genre WHERE movie_id = :m ORDER BY 1", m=m
        )
    ]
    assert set_of(a) == sorted([old_a[0], new_genre]) and set_of(b) == []
    old_b = len(data.details[b].genres)
    assert counts["inserted"] == 1 and counts["deleted"] == len(old_a) - 1 + old_b
    assert counts["unknown_keys_skipped"] == 1
    pairs = len(TABLES["bridge_movie_genre"].rows(data))  # with discover genres of 404s
    assert counts["unchanged"] == pairs - len(old_a) - old_b + 1
    # The day's own data puts both sets back; a second replay changes nothing.
    with warehouse.begin() as conn:
        load_bridge(conn, TABLES["bridge_movie_genre"], data)
    assert set_of(a) == sorted(old_a) and len(set_of(b)) == old_b
    with warehouse.begin() as conn:
        again = load_bridge(conn, TABLES["bridge_movie_genre"], data)
    assert again["inserted"] == again["deleted"] == 0
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.bridge_movie_genre b WHERE NOT EXISTS "
            "(SELECT 1 FROM warehouse.dim_genre d WHERE d.genre_id = b.genre_id)"
        )
        == 0
    )


def test_each_table_reloads_its_day_identically_and_a_fact_day_is_replaced_whole(
    resources, simulator, warehouse
):
    load(resources, simulator, DAY1)
    before = table_checksums(warehouse)
    did = int(DAY1.strftime("%Y%m%d"))
    with warehouse.begin() as conn:
        conn.execute(text("DELETE FROM warehouse.fact_movie_daily WHERE date_id = :d"), {"d": did})
    for table in TABLES.values():
        if table.partitioned and table.name not in CATALOGUE_TABLES:
            load_table_day(warehouse, table, DAY1)
    assert table_checksums(warehouse) == before


def test_a_month_partition_is_made_once_ahead_of_its_days(warehouse):
    table = "warehouse.fact_movie_popularity_daily"
    with warehouse.begin() as conn:
        assert month_partition(conn, table, dt.date(2025, 1, 31)) == (
            "fact_movie_popularity_daily_2025_01"
        )
        assert month_partition(conn, table, month_after(dt.date(2025, 1, 31))) == (
            "fact_movie_popularity_daily_2025_02"
        )
        assert month_partition(conn, table, dt.date(2025, 2, 28)) == (
            "fact_movie_popularity_daily_2025_02"
        )
    bounds = warehouse.rows(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'warehouse.fact_movie_popularity_daily'::regclass ORDER BY 1"
    )
    assert [tuple(b) for b in bounds] == [
        ("fact_movie_popularity_daily_2025_01", "FOR VALUES FROM (20250101) TO (20250201)"),
        ("fact_movie_popularity_daily_2025_02", "FOR VALUES FROM (20250201) TO (20250301)"),
    ]
