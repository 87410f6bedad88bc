"""The daily asset graph against the simulator and a real PostgreSQL, checked with SQL."""

import datetime as dt

from tmdb_assets_tests.conftest import DAY1, DAY2, admin_post
from tmdb_assets_tests.helpers import load_days as load
from tmdb_assets_tests.helpers import materialize_day, metadata, table_checksums
from tmdb_simulator.server import RunningSimulator, SimulatorConfig

RAW_IDS = """
    SELECT DISTINCT (r->>'id')::int FROM raw.discover_page p
    JOIN raw.capture c ON c.capture_id = p.capture_id AND c.is_current AND c.partition_date = :d
    CROSS JOIN jsonb_array_elements(p.payload->'results') r
"""


def test_a_partition_loads_the_star_schema(resources, simulator, warehouse):
    (result,) = load(resources, simulator, DAY1)
    assert result.success
    raw_ids = {r[0] for r in warehouse.rows(RAW_IDS, d=DAY1)}
    fact_ids = {
        r[0]
        for r in warehouse.rows(
            "SELECT movie_id FROM warehouse.fact_movie_daily WHERE date_id = 20250301"
        )
    }
    assert fact_ids == raw_ids and len(fact_ids) >= 55  # 3 pages, minus duplicates across pages
    # Referential integrity: facts and bridges join their dims (the fact's foreign keys and the
    # bridge loads' joins keep it; these joins prove it).
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.fact_movie_daily f LEFT JOIN warehouse.dim_movie m USING (movie_id) "
            "LEFT JOIN warehouse.dim_date d USING (date_id) WHERE m.movie_id IS NULL OR d.date_id IS NULL"
        )
        == 0
    )
    for bridge, dim, key in [
        ("bridge_movie_genre", "dim_genre", "genre_id"),
        ("bridge_movie_company", "dim_company", "company_id"),
        ("bridge_movie_country", "dim_country", "iso_3166_1"),
        ("bridge_movie_language", "dim_language", "iso_639_1"),
    ]:
        assert warehouse.scalar(f"SELECT count(*) FROM warehouse.{bridge}") > 0
        assert (
            warehouse.scalar(
                f"SELECT count(*) FROM warehouse.{bridge} b LEFT JOIN warehouse.{dim} d USING ({key}) "
                f"LEFT JOIN warehouse.dim_movie m USING (movie_id) WHERE d.{key} IS NULL OR m.movie_id IS NULL"
            )
            == 0
        )
    # Every country has a continent, historical codes included.
    assert warehouse.scalar("SELECT count(*) FROM warehouse.dim_country") == 251
    assert (
        warehouse.scalar("SELECT count(*) FROM warehouse.dim_country WHERE continent IS NULL") == 0
    )
    assert (
        warehouse.scalar("SELECT continent FROM warehouse.dim_country WHERE iso_3166_1 = 'SU'")
        == "Europe"
    )
    # Fact values are the discover numbers of that day.
    pop = dict(
        warehouse.rows(
            "SELECT (r->>'id')::int, (r->>'popularity')::float FROM raw.discover_page p "
            "CROSS JOIN jsonb_array_elements(p.payload->'results') r WHERE p.page = 1"
        )
    )
    facts = dict(warehouse.rows("SELECT movie_id, popularity FROM warehouse.fact_movie_daily"))
    assert all(facts[i] == pop[i] for i in pop)
    meta = metadata(result, "fact_movie_daily")
    assert meta["dagster/row_count"] == len(fact_ids) and "top_10" in meta
    raw_meta = metadata(result, "raw_discover_pages")
    assert raw_meta["pages"] == 3 and raw_meta["requests"] == 6 and raw_meta["reused"] is False


def test_views_agree_with_the_base_tables(resources, simulator, warehouse):
    (result,) = load(resources, simulator, DAY1)
    # The views are unpartitioned assets recorded in the same run, after the fact.
    view = metadata(result, "vw_movie_latest")
    assert view["latest_day"] == "2025-03-01" and view["days"] == 1
    assert view["dagster/row_count"] == warehouse.scalar(
        "SELECT count(*) FROM warehouse.vw_movie_latest"
    )
    lineage = view["dagster/column_lineage"].deps_by_column
    assert {(d.asset_key.path[-1], d.column_name) for d in lineage["popularity"]} == {
        ("fact_movie_daily", "popularity")
    }
    # Every warehouse column is described (the UI's column schema reads the comments).
    fact_schema = metadata(result, "fact_movie_daily")["dagster/column_schema"]
    assert all(c.description for c in fact_schema.columns)
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM information_schema.columns c WHERE c.table_schema = 'warehouse' "
            "AND col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, "
            "c.ordinal_position) IS NULL AND c.table_name NOT LIKE 'vw%'"
        )
        == 0
    )
    genre, movies, mean_pop, median_pop = warehouse.rows(
        "SELECT genre, movies, mean_popularity, median_popularity FROM warehouse.vw_genre_popularity "
        "WHERE date_id = 20250301 ORDER BY movies DESC, genre LIMIT 1"
    )[0]
    pops = sorted(
        r[0]
        for r in warehouse.rows(
            "SELECT f.popularity FROM warehouse.fact_movie_daily f "
            "JOIN warehouse.bridge_movie_genre b USING (movie_id) JOIN warehouse.dim_genre g USING (genre_id) "
            "WHERE f.date_id = 20250301 AND g.name = :g",
            g=genre,
        )
    )
    assert movies == len(pops)
    assert abs(mean_pop - sum(pops) / len(pops)) < 1e-9
    mid = len(pops) // 2
    expected_median = pops[mid] if len(pops) % 2 else (pops[mid - 1] + pops[mid]) / 2
    assert abs(median_pop - expected_median) < 1e-9
    top = warehouse.rows(
        "SELECT movie_id, popularity_rank FROM warehouse.vw_top_movies WHERE date_id = 20250301 ORDER BY popularity_rank"
    )
    best = warehouse.scalar(
        "SELECT movie_id FROM warehouse.fact_movie_daily WHERE date_id = 20250301 ORDER BY popularity DESC, movie_id LIMIT 1"
    )
    assert top[0] == (best, 1) and [r[1] for r in top] == list(range(1, len(top) + 1))
    by_continent = dict(
        warehouse.rows(
            "SELECT continent, movies FROM warehouse.vw_continent_popularity WHERE date_id = 20250301"
        )
    )
    europe = warehouse.scalar(
        "SELECT count(DISTINCT f.movie_id) FROM warehouse.fact_movie_daily f "
        "JOIN warehouse.bridge_movie_country b USING (movie_id) JOIN warehouse.dim_country c USING (iso_3166_1) "
        "WHERE f.date_id = 20250301 AND c.continent = 'Europe'"
    )
    assert by_continent["Europe"] == europe > 0
    latest = warehouse.scalar("SELECT count(*) FROM warehouse.vw_movie_latest")
    assert latest == warehouse.scalar(
        "SELECT count(DISTINCT movie_id) FROM warehouse.fact_movie_daily"
    )


def test_rerunning_a_partition_changes_nothing(resources, simulator, warehouse):
    load(resources, simulator, DAY1)
    before = table_checksums(warehouse)
    raw_before = warehouse.rows(
        "SELECT capture_id, md5(payload::text) FROM raw.discover_page ORDER BY 1, 2"
    )
    result = materialize_day(resources, DAY1, simulator)
    assert table_checksums(warehouse) == before
    assert (
        warehouse.rows("SELECT capture_id, md5(payload::text) FROM raw.discover_page ORDER BY 1, 2")
        == raw_before
    )
    assert metadata(result, "raw_discover_pages")["reused"] is True
    assert metadata(result, "raw_movie_details")["requests"] == 0
    assert metadata(result, "fact_movie_daily")["unchanged"] == before["fact_movie_daily"][0]


def test_two_consecutive_days(resources, simulator, warehouse):
    load(resources, simulator, DAY1, DAY2)
    assert warehouse.rows("SELECT DISTINCT date_id FROM warehouse.fact_movie_daily ORDER BY 1") == [
        (20250301,),
        (20250302,),
    ]
    assert warehouse.scalar("SELECT count(*) FROM warehouse.dim_date") == 2
    # Movies seen both days moved their last_seen_date; numbers changed day to day.
    both = warehouse.scalar(
        "SELECT count(*) FROM warehouse.dim_movie WHERE first_seen_date = '2025-03-01' AND last_seen_date = '2025-03-02'"
    )
    assert both > 40
    changed = warehouse.scalar(
        "SELECT count(*) FROM warehouse.fact_movie_daily a JOIN warehouse.fact_movie_daily b "
        "ON a.movie_id = b.movie_id AND a.date_id = 20250301 AND b.date_id = 20250302 "
        "WHERE a.popularity <> b.popularity"
    )
    assert changed > 0
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.fact_movie_daily a JOIN warehouse.fact_movie_daily b "
            "ON a.movie_id = b.movie_id AND a.date_id = 20250301 AND b.date_id = 20250302 "
            "WHERE b.vote_count < a.vote_count"
        )
        == 0
    )


def test_edge_cases_from_real_responses(database_url, warehouse):
    from tmdb_assets.defs.resources import QualityResource, TMDbResource, WarehouseResource

    # A catalog small enough that every recorded real movie is discovered.
    with RunningSimulator(SimulatorConfig(movies=60, seed=3, rate_limit=0, date=DAY1)) as sim:
        resources = {
            "tmdb": TMDbResource(
                api_token="t", base_url=sim.base_url, discover_pages=5, rate_limit_per_second=500
            ),
            "warehouse": WarehouseResource(database_url=database_url),
            "quality": QualityResource(),
        }
        deleted = next(m.id for m in sim.state.catalog.movies if m.deleted)
        (result,) = load(resources, sim, DAY1)
    assert result.success
    movie = {
        r[0]: r
        for r in warehouse.rows(
            "SELECT movie_id, title, original_title, release_date, imdb_id, details_status FROM warehouse.dim_movie"
        )
    }
    assert movie[372058][2] == "君の名は。" and movie[496243][2] == "기생충"
    assert movie[517096][2].startswith("Чемпион") or any(
        "\u0400" <= ch <= "\u04ff" for ch in movie[517096][2]
    )
    assert movie[1236474][3] is None and movie[1236474][4] is None  # "" date, null imdb_id
    assert movie[550][3] == dt.date(1999, 10, 15) and movie[550][4] == "tt0137523"
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.bridge_movie_genre WHERE movie_id = 1236474"
        )
        == 0
    )
    assert (
        movie[deleted][5] == "not_found" and movie[deleted][1]
    )  # 404: kept from discover, flagged
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.fact_movie_daily WHERE movie_id = :m", m=deleted
        )
        == 1
    )
    # A movie shown on two pages is one fact row, with the better rank.
    dup_id, pages = warehouse.rows(
        "SELECT (r->>'id')::int, array_agg(p.page ORDER BY p.page) FROM raw.discover_page p "
        "CROSS JOIN jsonb_array_elements(p.payload->'results') r GROUP BY 1 HAVING count(*) > 1 LIMIT 1"
    )[0]
    assert len(pages) == 2
    assert (
        warehouse.scalar(
            "SELECT discover_rank FROM warehouse.fact_movie_daily WHERE movie_id = :m", m=dup_id
        )
        <= pages[0] * 20
    )
    assert metadata(result, "raw_discover_pages")["duplicates_across_pages"] >= 1


def test_malformed_details_are_quarantined_not_fatal(resources, simulator, warehouse):
    victim = next(
        m.id for m in simulator.state.catalog.movies[40:] if not m.deleted and m.added <= DAY1
    )
    admin_post(simulator, "faults", {"malformed_ids": [victim]})
    simulator.state.set_date(DAY1)
    # Make sure the victim is discovered: ask for enough pages.
    from tmdb_assets.defs.resources import TMDbResource

    resources["tmdb"] = TMDbResource(
        api_token="t", base_url=simulator.base_url, discover_pages=20, rate_limit_per_second=500
    )
    (result,) = load(resources, simulator, DAY1)
    assert result.success
    reason = warehouse.scalar(
        "SELECT reason FROM raw.quarantine WHERE movie_id = :m AND source = 'details'", m=victim
    )
    assert reason and "no id" in reason
    assert (
        warehouse.scalar(
            "SELECT details_status FROM warehouse.dim_movie WHERE movie_id = :m", m=victim
        )
        == "invalid"
    )
    assert metadata(result, "dim_movie")["quarantined"] >= 1
    # The raw payload is kept as TMDb sent it.
    assert (
        warehouse.scalar(
            "SELECT payload->>'popularity' FROM raw.movie_details WHERE movie_id = :m", m=victim
        )
        == "not a number"
    )
