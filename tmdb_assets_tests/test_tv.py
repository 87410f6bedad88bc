"""TV series through the same machinery as movies: the simulator's TV routes, a day's capture
and load with both domains, the dimensions they share, reruns, a rebuild, --no-tv days and the
views, against a real PostgreSQL and the HTTP simulator."""

import datetime as dt
import gzip
import json

import dagster as dg
import pytest
import requests

from tmdb_assets.db.warehouse import WarehouseError
from tmdb_assets.definitions import TV_SELECTION
from tmdb_assets.transform.media import TV
from tmdb_assets.warehouse.views import View
from tmdb_assets_tests.conftest import DAY1, DAY2, admin_post, admin_state
from tmdb_assets_tests.helpers import (
    WITH_TV,
    check_results,
    materialize_day,
    materialize_seed,
    metadata,
    table_checksums,
)

pytestmark = pytest.mark.xdist_group("tv")

TV_TABLES = (
    "dim_tv_series", "dim_network", "dim_tv_season", "bridge_tv_genre", "bridge_tv_network",
    "bridge_tv_company", "bridge_tv_country", "bridge_tv_language", "bridge_tv_cast",
    "bridge_tv_crew", "bridge_tv_keyword", "bridge_tv_content_rating", "fact_tv_watch_observation",
    "fact_tv_watch_availability", "fact_tv_daily",
)  # fmt: skip
TV_EXPORT_ASSETS = (TV.export_asset, TV.export_table, TV.learn_asset)
TV_EXPORT = dg.AssetSelection.assets(*TV_EXPORT_ASSETS)
RAW_TV_IDS = """
    SELECT DISTINCT (r->>'id')::int FROM raw.discover_page p
    JOIN raw.capture c USING (capture_id)
    CROSS JOIN jsonb_array_elements(p.payload->'results') r
    WHERE c.asset = 'raw_discover_tv_pages' AND c.is_current AND c.partition_date = :d
"""


def get(sim, path: str, **params):
    return requests.get(
        f"{sim.base_url}{path}", params=params, headers={"Authorization": "Bearer t"}, timeout=10
    )


def test_the_simulator_speaks_tmdbs_tv_routes(simulator):
    page = get(simulator, "/discover/tv", page=1, sort_by="popularity.desc").json()
    assert set(page) == {"page", "results", "total_pages", "total_results"}
    item = page["results"][0]
    # The fields of a real /discover/tv item (data/tmdb/discover_tv_p1_2022-11-26.json).
    assert {"id", "name", "original_name", "first_air_date", "origin_country", "genre_ids"} <= set(
        item
    )
    assert "title" not in item and "release_date" not in item
    pops = [r["popularity"] for r in page["results"]]
    assert pops == sorted(pops, reverse=True)
    parts = "aggregate_credits,content_ratings,external_ids,keywords,watch/providers"
    body = get(simulator, f"/tv/{item['id']}", append_to_response=parts).json()
    assert body["id"] == item["id"] and body["name"] == item["name"]
    assert {"networks", "seasons", "number_of_seasons", "number_of_episodes", "type"} <= set(body)
    assert set(parts.split(",")) <= set(body)
    assert "results" in body["keywords"]  # a series' keywords, unlike a movie's
    assert all("roles" in c for c in body["aggregate_credits"]["cast"])
    genres = get(simulator, "/genre/tv/list").json()["genres"]
    assert {"id": 10765, "name": "Sci-Fi & Fantasy"} in genres
    changes = get(simulator, "/tv/changes", start_date="2025-02-20", end_date="2025-03-01")
    assert changes.status_code == 200 and changes.json()["total_results"] > 0
    assert get(simulator, "/tv/999999999").status_code == 404
    assert (
        get(simulator, "/tv/changes", start_date="2025-01-01", end_date="2025-03-01").json()[
            "status_code"
        ]
        == 20
    )  # more than 14 days: TMDb's error 20


def test_a_day_with_tv_loads_both_domains_and_every_check_passes(resources, simulator, warehouse):
    materialize_seed(resources)
    result = materialize_day(resources, DAY1, simulator, selection=WITH_TV)
    assert result.success
    failed = [k for k, e in check_results(result).items() if not e.passed]
    assert failed == ["fact_movie_daily:fresh"]  # the simulated day is in 2025
    raw = {r[0] for r in warehouse.rows(RAW_TV_IDS, d=DAY1)}
    fact = {
        r[0]
        for r in warehouse.rows(
            "SELECT tv_id FROM warehouse.fact_tv_daily WHERE date_id = 20250301"
        )
    }
    assert fact == raw and len(fact) >= 95  # 5 pages of 20, minus duplicates across pages
    assert metadata(result, "raw_discover_tv_pages")["series"] == len(fact)
    # One /tv/{id} request per discovered series, everything appended to it.
    stats = admin_state(simulator)["stats"]
    details = metadata(result, "raw_tv_details")
    fetched = details["details_fetched"] + details["details_not_found"]
    assert stats["by_route"]["tv_details"] == fetched == len(fact)
    for part in TV.append:
        assert stats["by_append"][f"tv:{part}"] == fetched
    # The series' own tables, joined to their dimensions.
    got = warehouse.rows(
        "SELECT s.name, s.number_of_seasons, s.type, n.name FROM warehouse.dim_tv_series s "
        "JOIN warehouse.bridge_tv_network b USING (tv_id) JOIN warehouse.dim_network n "
        "USING (network_id) WHERE s.tv_id = 1399"
    )
    assert got == [("Game of Thrones", 8, "Scripted", "HBO")]
    seasons = warehouse.rows(
        "SELECT season_number, episode_count FROM warehouse.dim_tv_season WHERE tv_id = 1399 "
        "ORDER BY 1"
    )
    assert [s for s, _ in seasons] == list(range(9)) and dict(seasons)[1] == 10
    gone = warehouse.scalar(
        "SELECT count(*) FROM warehouse.dim_tv_series WHERE details_status = 'not_found'"
    )
    assert gone >= 1  # deleted on TMDb, still discovered: kept from its discover item
    # The dimensions both domains share: TV genres beside the movies', with their lists.
    genres = dict(warehouse.rows("SELECT genre_id, media_type FROM warehouse.dim_genre"))
    assert genres[18] == "both" and genres[10765] == "tv" and genres[878] == "movie"
    orphans = warehouse.scalar(
        "SELECT count(*) FROM warehouse.bridge_tv_genre b LEFT JOIN warehouse.dim_genre g "
        "USING (genre_id) WHERE g.genre_id IS NULL"
    )
    assert orphans == 0
    companies = warehouse.scalar(
        "SELECT count(*) FROM warehouse.bridge_tv_company b JOIN warehouse.dim_company c "
        "USING (company_id)"
    )
    assert companies == warehouse.scalar("SELECT count(*) FROM warehouse.bridge_tv_company") > 0
    # The views agree with the base tables.
    top = warehouse.rows(
        "SELECT tv_id, popularity FROM warehouse.vw_tv_top WHERE date_id = 20250301 "
        "ORDER BY popularity_rank LIMIT 3"
    )
    best = warehouse.rows(
        "SELECT tv_id, popularity FROM warehouse.fact_tv_daily WHERE date_id = 20250301 "
        "ORDER BY popularity DESC, tv_id LIMIT 3"
    )
    assert top == best
    hbo = warehouse.rows(
        "SELECT series, total_popularity FROM warehouse.vw_network_popularity "
        "WHERE date_id = 20250301 AND network = 'HBO'"
    )[0]
    series_on_hbo = warehouse.rows(
        "SELECT count(*), sum(f.popularity) FROM warehouse.fact_tv_daily f "
        "JOIN warehouse.bridge_tv_network b USING (tv_id) "
        "WHERE f.date_id = 20250301 AND b.network_id = 49"
    )[0]
    assert hbo[0] == series_on_hbo[0] and hbo[1] == pytest.approx(series_on_hbo[1])
    assert warehouse.scalar("SELECT count(*) FROM warehouse.vw_tv_latest") == len(fact)
    # What the details request appends: keywords, content ratings, where to watch as history.
    for table in ("bridge_tv_keyword", "bridge_tv_content_rating", "fact_tv_watch_availability"):
        assert warehouse.scalar(f"SELECT count(*) FROM warehouse.{table}") > 0, table
    observed = warehouse.scalar("SELECT count(*) FROM warehouse.fact_tv_watch_observation")
    assert observed == details["details_fetched"]  # every fetched series' offers observed
    open_offers = warehouse.scalar(
        "SELECT count(*) FROM warehouse.fact_tv_watch_availability WHERE valid_to IS NULL"
    )
    assert open_offers == sum(
        r[0] for r in warehouse.rows("SELECT offers FROM warehouse.fact_tv_watch_observation")
    )
    # People: a series' aggregate credits (Game of Thrones' recorded ones), in the people view
    # beside their movies (the simulator's people work in both).
    jon = warehouse.rows(
        "SELECT p.name, c.character, c.episode_count FROM warehouse.bridge_tv_cast c "
        "JOIN warehouse.dim_person p USING (person_id) WHERE c.tv_id = 1399 "
        "AND c.credit_id = '5256c8af19c2956ff6047af6'"
    )
    assert jon == [("Kit Harington", "Jon Snow", 79)]
    both = warehouse.rows(
        "SELECT person_id, movies, series FROM warehouse.vw_person_popularity "
        "WHERE date_id = 20250301 AND movies > 0 AND series > 0 LIMIT 1"
    )
    assert both, "nobody credited in both a movie and a series of the day"
    person, _movies, series = both[0]
    assert series == warehouse.scalar(
        "SELECT count(DISTINCT f.tv_id) FROM warehouse.fact_tv_daily f JOIN ("
        "SELECT tv_id, person_id FROM warehouse.bridge_tv_cast UNION "
        "SELECT tv_id, person_id FROM warehouse.bridge_tv_crew) c USING (tv_id) "
        "WHERE f.date_id = 20250301 AND c.person_id = :p",
        p=person,
    )


def test_a_steady_day_asks_only_for_what_changed_and_a_rerun_converges(
    resources, simulator, warehouse
):
    materialize_seed(resources)
    assert materialize_day(resources, DAY1, simulator, selection=WITH_TV).success
    admin_post(simulator, "reset", {})
    second = materialize_day(resources, DAY2, simulator, selection=WITH_TV)
    assert second.success
    details = metadata(second, "raw_tv_details")
    by_route = admin_state(simulator)["stats"]["by_route"]
    series = details["series"]
    # New or changed series only (the change lists are asked once per day and stored).
    assert by_route["tv_details"] == details["details_fetched"] + details["details_not_found"]
    assert by_route["tv_details"] < series / 3 and by_route["tv_changes"] == 1
    assert details["details_reused"] == series - by_route["tv_details"]
    before = table_checksums(warehouse)
    again = materialize_day(resources, DAY2, simulator, selection=WITH_TV)
    assert again.success and metadata(again, "raw_tv_details")["reused"] is True
    assert table_checksums(warehouse) == before
    assert metadata(again, "fact_tv_daily")["unchanged"] == metadata(again, "fact_tv_daily")["rows"]
    # Momentum of a series over the TV days: the movie view's definition, over the series.
    assert warehouse.scalar(
        "SELECT count(*) FROM warehouse.vw_tv_momentum WHERE date_id = 20250302"
    ) == warehouse.scalar("SELECT count(*) FROM warehouse.fact_tv_daily WHERE date_id = 20250302")


def test_a_day_without_tv_loads_no_tv_and_says_so(resources, simulator, warehouse):
    materialize_seed(resources)
    result = materialize_day(resources, DAY1, simulator, selection=WITH_TV)
    assert result.success
    # The derived tables of a day nobody captured TV for (history from before TV, --no-tv).
    movies_only = materialize_day(resources, DAY2, simulator)  # the movies' job, no TV
    assert movies_only.success
    derived = dg.AssetSelection.groups("tv") - TV_EXPORT  # the daily TV tables
    late = materialize_day(resources, DAY2, None, selection=derived)
    assert late.success
    assert metadata(late, "fact_tv_daily")["day_not_captured"] == 1
    assert metadata(late, "fact_tv_daily")["rows"] == 0
    assert warehouse.scalar("SELECT count(DISTINCT date_id) FROM warehouse.fact_tv_daily") == 1
    assert admin_state(simulator)["stats"]["by_route"].get("tv_details", 0) > 0  # day 1 only


def test_a_bad_series_body_is_quarantined_and_the_rest_loads(resources, simulator, warehouse):
    materialize_seed(resources)
    admin_post(simulator, "faults", {"bad_bodies": {"tv:1399": "always:nonjson"}})
    result = materialize_day(resources, DAY1, simulator, selection=WITH_TV)
    assert result.success
    assert metadata(result, "raw_tv_details")["details_invalid"] == 1
    status, name = warehouse.rows(
        "SELECT details_status, name FROM warehouse.dim_tv_series WHERE tv_id = 1399"
    )[0]
    assert (status, name) == ("invalid", "Game of Thrones")  # kept from its discover item
    reason = warehouse.scalar(
        "SELECT reason FROM raw.quarantine WHERE source = 'tv_details' AND movie_id = 1399"
    )
    assert "not JSON" in reason and "raw.tv_details.body" in reason
    assert warehouse.scalar("SELECT count(*) FROM raw.tv_details WHERE body IS NOT NULL") == 1


def test_rebuild_from_raw_reproduces_tv(resources, simulator, warehouse):
    from tmdb_assets.definitions import defs
    from tmdb_assets.warehouse.rebuild import recreate_warehouse_schema

    materialize_seed(resources)
    for day in (DAY1, DAY2):
        assert materialize_day(resources, day, simulator, selection=WITH_TV).success
    before = table_checksums(warehouse)
    assert all(before[t][0] > 0 for t in TV_TABLES)
    recreate_warehouse_schema(warehouse)
    materialize_seed(resources)
    result = defs.resolve_job_def("tmdb_derived").execute_in_process(
        resources=resources,
        tags={
            "dagster/asset_partition_range_start": DAY1.isoformat(),
            "dagster/asset_partition_range_end": DAY2.isoformat(),
        },
    )
    assert result.success
    assert table_checksums(warehouse) == before


def test_tv_selection_is_every_tv_asset_and_no_other():
    from tmdb_assets.definitions import defs

    keys = {k.path[-1] for k in TV_SELECTION.resolve(defs.resolve_asset_graph())}
    assert keys == {
        TV.discover_asset,
        TV.details_asset,
        *TV_TABLES,
        *TV_EXPORT_ASSETS,
        TV.compact_table,
    }


def test_a_derived_view_names_what_it_renames(tmp_path):
    source = tmp_path / "vw_a.sql"
    source.write_text(
        "CREATE OR REPLACE VIEW warehouse.vw_a AS SELECT movie_id FROM warehouse.fact_movie_daily;"
        "\nCOMMENT ON VIEW warehouse.vw_a IS 'a';\n"
    )
    derived = tmp_path / "vw_b.sql"
    derived.write_text(
        "-- derived-from: vw_a\n-- rename: movie_id=tv_id fact_movie_daily=fact_tv_daily\n"
        "COMMENT ON VIEW warehouse.vw_b IS 'b';\n"
    )
    sql = View("vw_b", derived).sql
    assert (
        "CREATE OR REPLACE VIEW warehouse.vw_b AS SELECT tv_id FROM warehouse.fact_tv_daily" in sql
    )
    assert sql.index("CREATE") < sql.index("COMMENT ON VIEW warehouse.vw_b")
    assert "warehouse.vw_a" not in sql and View("vw_b", derived).description == "b"
    derived.write_text(
        "-- derived-from: vw_a\n-- rename: title=name\nCOMMENT ON VIEW warehouse.vw_b IS 'b';\n"
    )
    with pytest.raises(WarehouseError, match=r"'title' is not in vw_a\.sql"):
        _ = View("vw_b", derived).sql


def test_the_tv_catalogue_keeps_the_recorded_series():
    """The recorded series keep their ids; the synthetic ones stay below TMDb's TV id range."""
    from tmdb_simulator.tv import TVCatalog

    catalog = TVCatalog(150, 7)
    assert {1399, 1396, 2} <= set(catalog.by_id)
    assert all(0 < i <= TVCatalog.MAX_ID for i in catalog.by_id)
    assert catalog.list_item(catalog.by_id[1399], dt.date(2025, 3, 1))["name"] == "Game of Thrones"


def export_day(resources, sim):
    """DAY1's TV export, the simulator's clock the morning after (its file is built then)."""
    sim.state.set_date(DAY2)
    return materialize_day(resources, DAY1, None, selection=TV_EXPORT)


def test_the_tv_export_loads_every_series_and_dim_tv_series_learns_them(
    resources, simulator, warehouse
):
    """The series' daily export through the movies' export machinery: every line a row of
    fact_tv_popularity_daily, every series a dim_tv_series row (pending when nothing else
    knew it), an unreadable line quarantined as tv_export, a rerun converging."""
    from tmdb_assets.capture.export import file_name
    from tmdb_assets_tests.catalogue_helpers import with_exports

    resources = with_exports(resources, simulator)
    materialize_seed(resources)
    assert materialize_day(resources, DAY1, simulator, selection=WITH_TV).success
    name = file_name(DAY1, media=TV)
    assert name == "tv_series_ids_03_02_2025.json.gz"
    url = simulator.base_url.removesuffix("/3") + f"/p/exports/{name}"
    simulator.state.set_date(DAY2)  # the file is built the morning after DAY1 ended
    lines = gzip.decompress(requests.get(url, timeout=10).content).decode().splitlines()
    served = {json.loads(line)["id"]: json.loads(line) for line in lines}
    assert set(next(iter(served.values()))) == {"id", "original_name", "popularity"}
    bad = '{"id":"x","original_name":"Bad id","popularity":1}'
    admin_post(simulator, "exports", {"name": name, "lines": [*lines, bad]})
    result = export_day(resources, simulator)
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    rows = dict(
        warehouse.rows(
            "SELECT tv_id, popularity FROM warehouse.fact_tv_popularity_daily "
            "WHERE date_id = 20250301"
        )
    )
    assert rows == {i: o["popularity"] for i, o in served.items()}
    loaded = metadata(result, TV.export_table)
    assert loaded["rows"] == len(served) and loaded["quarantined_lines"] == 1
    assert warehouse.scalar("SELECT count(*) FROM raw.quarantine WHERE source = 'tv_export'") == 1
    known = dict(warehouse.rows("SELECT tv_id, details_status FROM warehouse.dim_tv_series"))
    assert set(served) <= set(known)
    discovered = {r[0] for r in warehouse.rows(RAW_TV_IDS, d=DAY1)}
    pending = {i for i, s in known.items() if s == "pending"}
    assert pending == set(served) - discovered
    some = next(iter(pending))
    assert (
        warehouse.scalar(
            "SELECT original_name FROM warehouse.dim_tv_series WHERE tv_id = :i", i=some
        )
        == served[some]["original_name"]
    )
    learned = metadata(result, TV.learn_asset)
    assert learned["inserted"] == len(pending) and learned["pending_series"] == len(pending)
    before = table_checksums(warehouse)
    again = export_day(resources, simulator)
    assert again.success and metadata(again, TV.export_asset)["reused"] is True
    assert metadata(again, TV.learn_asset)["inserted"] == 0
    assert table_checksums(warehouse) == before
