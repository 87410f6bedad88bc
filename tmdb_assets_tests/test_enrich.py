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
    assert [p.field for p in parsed.problems] == ["keywords"]


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
    capture.DETAILS_APPEND, saved = ("credits",), capture.DETAILS_APPEND
    try:
        assert materialize_day(resources, DAY1, simulator).success
    finally:
        capture.DETAILS_APPEND = saved
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
