"""What the details request brings beyond the credits at no extra request (issue 24): the
appended parts are asked for and stored whole; keywords reach dim_keyword and
bridge_movie_keyword, checked against the real recorded response and the simulator's JSON."""

import pytest

from tmdb_assets.capture import details as capture
from tmdb_assets.transform.details import movie_details
from tmdb_assets_tests.conftest import DAY1, DAY2, admin_post, admin_state, load_sample
from tmdb_assets_tests.helpers import materialize_day, materialize_seed

APPENDED = ("credits", "release_dates", "watch/providers", "keywords", "external_ids")


def test_the_real_15_item_response_gives_its_keywords():
    real = load_sample("movie_12313_append_15_items_2024.json")
    assert movie_details(real).keywords == [(2802, "mountain village")]
    # Details stored before keywords were appended: unknown, not empty.
    assert movie_details({k: v for k, v in real.items() if k != "keywords"}).keywords is None
    # A bad entry is dropped and recorded; the rest are kept, each once.
    odd = {**real, "keywords": {"id": 12313, "keywords": [
        {"id": "x", "name": "bad"}, {"id": 5, "name": "a"}, {"id": 5, "name": "a"}]}}  # fmt: skip
    parsed = movie_details(odd)
    assert parsed.keywords == [(5, "a")]
    assert [p.field for p in parsed.problems if p.field.startswith("keywords")] == ["keywords"]


def _keywords_served(sim, movie_id: int) -> list[tuple[int, str]]:
    from tmdb_simulator import enrich

    return [
        (k["id"], k["name"]) for k in enrich.keywords(movie_id, sim.state.catalog.seed)["keywords"]
    ]


def test_every_details_request_brings_its_parts_and_the_keywords_load(
    resources, simulator, warehouse
):
    materialize_seed(resources)
    admin_post(simulator, "reset", {})
    assert materialize_day(resources, DAY1, simulator).success
    stats = admin_state(simulator)["stats"]
    details = stats["by_route"]["details"]
    # One request per movie, every part appended to it.
    assert all(stats["by_append"].get(part) == details > 0 for part in APPENDED), stats
    stored = warehouse.scalar(
        "SELECT count(*) FROM raw.movie_details WHERE payload ? 'watch/providers' "
        "AND payload ? 'release_dates' AND payload ? 'external_ids'"
    )
    assert stored == warehouse.scalar(
        "SELECT count(*) FROM raw.movie_details WHERE http_status = 200"
    )
    ok = [m for (m,) in warehouse.rows(
        "SELECT movie_id FROM warehouse.dim_movie WHERE details_status = 'ok'")]  # fmt: skip
    assert len(ok) > 40
    bridge: dict[int, set[int]] = {}
    for movie_id, keyword_id in warehouse.rows(
        "SELECT movie_id, keyword_id FROM warehouse.bridge_movie_keyword"
    ):
        bridge.setdefault(movie_id, set()).add(keyword_id)
    names = dict(warehouse.rows("SELECT keyword_id, name FROM warehouse.dim_keyword"))
    with_none = 0
    for movie_id in ok:
        served = _keywords_served(simulator, movie_id)
        assert bridge.get(movie_id, set()) == {k for k, _ in served}, movie_id
        assert all(names[k] == name for k, name in served)
        with_none += not served
    assert 0 < with_none < len(ok)  # some movies have no keyword at all


@pytest.mark.slow
def test_details_stored_before_keywords_keep_no_set_and_a_later_day_fills_it(
    resources, simulator, warehouse
):
    """DAY1's details without keywords (as captured before this change): no keyword row, the
    set unknown rather than empty; DAY2 refetches only new, changed and stale movies as
    always (no refetch for the keywords), and those movies get their sets."""
    materialize_seed(resources)
    capture.APPEND["movie"], saved = ("credits",), capture.APPEND["movie"]
    try:
        assert materialize_day(resources, DAY1, simulator).success
    finally:
        capture.APPEND["movie"] = saved
    assert warehouse.scalar("SELECT count(*) FROM warehouse.bridge_movie_keyword") == 0
    admin_post(simulator, "reset", {})
    assert materialize_day(resources, DAY2, simulator).success
    refetched = {m for (m,) in warehouse.rows(
        "SELECT d.movie_id FROM raw.movie_details d JOIN raw.capture c USING (capture_id) "
        "WHERE c.partition_date = :d AND c.asset = 'raw_movie_details' AND d.http_status = 200 "
        "AND d.payload ? 'keywords'", d=DAY2)}  # fmt: skip
    with_keywords = {m for (m,) in warehouse.rows(
        "SELECT DISTINCT movie_id FROM warehouse.bridge_movie_keyword")}  # fmt: skip
    assert with_keywords <= refetched
    assert {m for m in refetched if _keywords_served(simulator, m)} == with_keywords
    assert admin_state(simulator)["stats"]["by_route"]["details"] == len(
        refetched
    ) + warehouse.scalar(
        "SELECT count(*) FROM raw.movie_details d JOIN raw.capture c USING (capture_id) "
        "WHERE c.partition_date = :d AND c.asset = 'raw_movie_details' AND d.http_status <> 200",
        d=DAY2,
    )


def test_the_real_15_item_response_gives_its_release_calendar():
    real = load_sample("movie_12313_append_15_items_2024.json")
    releases = movie_details(real).releases
    assert [(r.iso_3166_1, r.release_type, r.release_date.isoformat(), r.certification)
            for r in releases] == [("AT", 3, "2004-11-19", None), ("DE", 3, "2004-11-18", "6")]  # fmt: skip
    assert movie_details({k: v for k, v in real.items() if k != "release_dates"}).releases is None
    odd = {**real, "release_dates": {"results": [{"iso_3166_1": "us", "release_dates": [
        {"type": 9, "release_date": "2004-01-01T00:00:00.000Z"},
        {"type": 4, "release_date": "2005-02-03T00:00:00.000Z", "certification": "PG-13"}]}]}}  # fmt: skip
    parsed = movie_details(odd)
    assert [(r.iso_3166_1, r.release_type, r.certification) for r in parsed.releases] == [
        ("US", 4, "PG-13")
    ]
    assert "release type 9" in parsed.problems[0].reason


def test_the_release_calendar_loads_as_the_simulator_serves_it(resources, simulator, warehouse):
    from tmdb_simulator import enrich

    materialize_seed(resources)
    assert materialize_day(resources, DAY1, simulator).success
    stored = {}
    for movie_id, country, kind, name, day, cert in warehouse.rows(
        "SELECT movie_id, iso_3166_1, release_type, release_type_name, release_date, "
        "certification FROM warehouse.bridge_movie_release"
    ):
        stored.setdefault(movie_id, set()).add((country, kind, name, day.isoformat(), cert))
    cat = simulator.state.catalog
    ok = [m for (m,) in warehouse.rows(
        "SELECT movie_id FROM warehouse.dim_movie WHERE details_status = 'ok'")]  # fmt: skip
    names = {1: "Premiere", 2: "Theatrical (limited)", 3: "Theatrical", 4: "Digital",
             5: "Physical", 6: "TV"}  # fmt: skip
    for movie_id in ok:
        served = enrich.release_dates(movie_id, cat.details(cat.by_id[movie_id], DAY1), cat.seed)
        expected = {
            (c["iso_3166_1"], r["type"], names[r["type"]], r["release_date"][:10],
             r["certification"] or None)
            for c in served["results"] for r in c["release_dates"]
        }  # fmt: skip
        assert stored.get(movie_id, set()) == expected, movie_id
    assert sum(map(len, stored.values())) > len(ok)  # several releases a movie
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.bridge_movie_release WHERE certification IS NULL"
        )
        > 0
    )


def test_the_release_calendar_view_gives_each_countrys_first_releases(
    resources, simulator, warehouse
):
    materialize_seed(resources)
    assert materialize_day(resources, DAY1, simulator).success
    first: dict[tuple[int, str], dict[int, str]] = {}
    for movie_id, country, kind, day in warehouse.rows(
        "SELECT movie_id, iso_3166_1, release_type, release_date FROM warehouse.bridge_movie_release"
    ):
        kinds = first.setdefault((movie_id, country), {})
        kind = 3 if kind == 2 else kind  # limited or wide: theatrical
        kinds[kind] = min(kinds.get(kind, day), day)
    view = warehouse.rows(
        "SELECT movie_id, iso_3166_1, premiere_date, first_theatrical_date, first_digital_date, "
        "first_physical_date, first_tv_date FROM warehouse.vw_movie_release_calendar"
    )
    assert len(view) == len(first) > 0
    for movie_id, country, *dates in view:
        kinds = first[(movie_id, country)]
        assert dates == [kinds.get(k) for k in (1, 3, 4, 5, 6)], (movie_id, country)


def test_outside_ids_and_collections(resources, simulator, warehouse):
    """The recorded response's placeholder wikidata id ("wikidata") is set aside, the movie
    kept; on a simulator day dim_movie holds each movie's Wikidata id as served, and every
    collection a movie names is in dim_collection (the foreign key checked by the run)."""
    from tmdb_simulator import enrich

    real = movie_details(load_sample("movie_12313_append_15_items_2024.json"))
    assert real.wikidata_id is None and real.imdb_id == "tt0409732"
    assert "external_ids.wikidata_id" in [p.field for p in real.problems]
    materialize_seed(resources)
    assert materialize_day(resources, DAY1, simulator).success
    cat = simulator.state.catalog
    rows = warehouse.rows(
        "SELECT movie_id, wikidata_id, collection_id FROM warehouse.dim_movie "
        "WHERE details_status = 'ok'"
    )
    assert len(rows) > 40
    for movie_id, wikidata_id, _ in rows:
        body = cat.details(cat.by_id[movie_id], DAY1)
        assert wikidata_id == enrich.external_ids(movie_id, body, cat.seed)["wikidata_id"]
    assert any(w for _, w, _ in rows) and not all(w for _, w, _ in rows)
    named = {c for _, _, c in rows if c is not None}
    assert named and named <= {c for (c,) in warehouse.rows(
        "SELECT collection_id FROM warehouse.dim_collection")}  # fmt: skip
