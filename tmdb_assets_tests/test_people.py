"""People from credits: parsed from real TMDb responses, loaded into a real PostgreSQL, and
captured through the simulator at no extra request."""

import collections
import dataclasses
import datetime as dt

import pytest

from tmdb_assets.capture import details as capture
from tmdb_assets.transform.day import DayData
from tmdb_assets.transform.details import Credits, movie_details
from tmdb_assets.warehouse.tables import TABLES
from tmdb_assets_tests.conftest import (
    DAY1,
    DAY2,
    admin_post,
    admin_state,
    load_sample,
    scratch_database,
)
from tmdb_assets_tests.helpers import materialize_day, materialize_seed
from tmdb_assets_tests.test_rows import day as day  # the real discover day (a fixture)

CREDITS = "movie_550_credits.json"


def fight_club() -> dict:
    return {**load_sample("movie_550.json"), "credits": load_sample(CREDITS)}


def test_fight_club_credits_parse_whole():
    payload = fight_club()
    credits = movie_details(payload).credits
    cast, crew = payload["credits"]["cast"], payload["credits"]["crew"]
    assert len(credits.cast) == len(cast) == 76 and len(credits.crew) == len(crew) == 187
    assert {p.person_id for p in credits.people} == {c["id"] for c in cast + crew}
    assert [c.order for c in credits.cast] == [c["order"] for c in cast]
    assert collections.Counter((c.department, c.job) for c in credits.crew) == collections.Counter(
        (c["department"], c["job"]) for c in crew
    )
    names = {p.name for p in credits.people}
    assert {"Edward Norton", "Fríða Aradóttir", "Ceán Chaffin"} <= names
    assert (
        credits.cast[0].character == "Narrator"
        and credits.cast[0].credit_id == cast[0]["credit_id"]
    )


def test_credits_without_credit_ids_get_stable_stand_ins():
    """Credits recorded in 2014 have no credit_id: each gets one from what identifies it."""
    payload = load_sample("movie_22855_append_2014.json")
    first = movie_details(payload).credits
    again = movie_details(payload).credits
    assert first == again and len(first.cast) == len(payload["credits"]["cast"]) == 20
    assert first.crew[0].credit_id == "~90367:Directing:Director"
    assert len({c.credit_id for c in first.cast}) == 20


def test_details_without_credits_are_unknown_and_bad_entries_are_set_aside():
    assert movie_details(load_sample("movie_550.json")).credits is None  # unknown, not empty
    payload = fight_club()
    payload["credits"] = {**payload["credits"], "cast": [{"id": "x", "name": "?"}, {}]}
    parsed = movie_details(payload)
    assert parsed.credits.cast == [] and len(parsed.credits.crew) == 187
    assert [p.field for p in parsed.problems] == ["cast", "cast"]
    payload["credits"] = "not an object"
    parsed = movie_details(payload)
    assert parsed.credits is None and parsed.title == "Fight Club"


def _with_details(day: DayData, payload: dict) -> DayData:
    movie_id = day.items[0].movie_id
    return dataclasses.replace(
        day,
        details={movie_id: movie_details({**payload, "id": movie_id})},
        details_status={movie_id: "ok"},
    )


def _load(warehouse, data: DayData, *names: str) -> dict:
    counts = {}
    for name in names:
        table = TABLES[name]
        with warehouse.begin() as conn:
            counts[name] = table.load(conn, table, data)
    return counts


PEOPLE = ("dim_movie", "dim_person", "bridge_movie_cast", "bridge_movie_crew")


def test_real_credits_load_whole_and_unknown_credits_keep_the_stored_ones(day, warehouse):
    payload = fight_club()
    data = _with_details(day, payload)
    movie = day.items[0].movie_id
    _load(warehouse, data, *PEOPLE)
    cast, crew = payload["credits"]["cast"], payload["credits"]["crew"]
    count = "SELECT count(*) FROM warehouse.{} WHERE movie_id = :m"
    assert warehouse.scalar(count.format("bridge_movie_cast"), m=movie) == len(cast)
    assert warehouse.scalar(count.format("bridge_movie_crew"), m=movie) == len(crew)
    assert warehouse.scalar("SELECT count(*) FROM warehouse.dim_person") == len(
        {c["id"] for c in cast + crew}
    )
    jobs = warehouse.rows(
        "SELECT department, job, count(*) FROM warehouse.bridge_movie_crew WHERE movie_id = :m "
        "GROUP BY 1, 2",
        m=movie,
    )
    assert {(d, j): n for d, j, n in jobs} == collections.Counter(
        (c["department"], c["job"]) for c in crew
    )
    assert warehouse.rows(
        "SELECT p.name, c.character, c.cast_order FROM warehouse.bridge_movie_cast c "
        "JOIN warehouse.dim_person p USING (person_id) WHERE c.movie_id = :m ORDER BY cast_order "
        "LIMIT 2",
        m=movie,
    ) == [("Edward Norton", "Narrator", 0), ("Brad Pitt", "Tyler Durden", 1)]
    assert warehouse.scalar(
        "SELECT credits_status FROM warehouse.dim_movie WHERE movie_id = :m", m=movie
    ) == ("ok")
    # A later day whose details carry no credits (fetched before credits were asked for) says
    # nothing about the cast: the stored credits stay, the movie is flagged unknown.
    later = dataclasses.replace(day, day=day.day + dt.timedelta(days=1))
    without = _with_details(later, {k: v for k, v in payload.items() if k != "credits"})
    counts = _load(warehouse, without, *PEOPLE)
    assert counts["bridge_movie_cast"]["deleted"] == counts["bridge_movie_crew"]["deleted"] == 0
    assert warehouse.scalar(count.format("bridge_movie_cast"), m=movie) == len(cast)
    assert (
        warehouse.scalar(
            "SELECT credits_status FROM warehouse.dim_movie WHERE movie_id = :m", m=movie
        )
        == "unknown"
    )
    # A character renamed is updated in place; an empty credits list empties the sets.
    renamed = {**payload, "credits": {**payload["credits"], "cast": [dict(cast[0], character="N")]}}
    counts = _load(warehouse, _with_details(later, renamed), *PEOPLE)
    assert counts["bridge_movie_cast"]["updated"] == 1
    assert counts["bridge_movie_cast"]["deleted"] == len(cast) - 1
    assert warehouse.rows(
        "SELECT character FROM warehouse.bridge_movie_cast WHERE movie_id = :m", m=movie
    ) == [("N",)]
    none = dataclasses.replace(without, details={movie: dataclasses.replace(
        without.details[movie], credits=Credits([], [], []))})  # fmt: skip
    _load(warehouse, none, *PEOPLE)
    assert warehouse.scalar(count.format("bridge_movie_crew"), m=movie) == 0
    assert (
        warehouse.scalar(
            "SELECT credits_status FROM warehouse.dim_movie WHERE movie_id = :m", m=movie
        )
        == "none"
    )


def _capture_two_days(resources: dict, sim, credits: bool) -> list[dict]:
    """DAY1 and DAY2 through the simulator; DAY1 without credits when `credits` is False (as
    this project captured details before it asked for credits). Returns each day's stats."""
    materialize_seed(resources)
    stats = []
    for d in (DAY1, DAY2):
        admin_post(sim, "reset", {})
        if not credits and d == DAY1:
            capture.APPEND["movie"], saved = (), capture.APPEND["movie"]
            try:
                materialize_day(resources, d, sim)
            finally:
                capture.APPEND["movie"] = saved
        else:
            materialize_day(resources, d, sim)
        stats.append(admin_state(sim)["stats"])
    return stats


@pytest.mark.slow
def test_credits_cost_no_request_and_old_details_are_not_refetched_for_them(
    resources, simulator, warehouse, pg_server_url
):
    now = _capture_two_days(resources, simulator, credits=True)
    # Every details request carried the credits; no credits request was made.
    for day_stats in now:
        routes = day_stats["by_route"]
        assert day_stats["by_append"].get("credits", 0) == routes.get("details", 0) > 0
        assert "credits" not in routes
    # Every credited movie's cast and crew as the simulator serves them, names intact.
    cat = simulator.state.catalog
    stored = {
        (m, kind): n
        for kind in ("cast", "crew")
        for m, n in warehouse.rows(
            f"SELECT movie_id, count(*) FROM warehouse.bridge_movie_{kind} GROUP BY 1"
        )
    }
    ok = [m for (m,) in warehouse.rows("SELECT movie_id FROM warehouse.dim_movie "
                                       "WHERE details_status = 'ok'")]  # fmt: skip
    assert len(ok) > 40
    for movie_id in ok:
        body = cat.credits(cat.by_id[movie_id])
        for kind in ("cast", "crew"):
            assert stored.get((movie_id, kind), 0) == len(body[kind]), (movie_id, kind)
    names = dict(warehouse.rows("SELECT person_id, original_name FROM warehouse.dim_person"))
    served = {p["id"]: p["original_name"] for p in cat.people if p["id"] in names}
    assert served and all(names[i] == n for i, n in served.items())
    assert any(not n.isascii() for n in served.values())  # Cyrillic, CJK, Devanagari
    assert warehouse.scalar("SELECT count(*) FROM warehouse.vw_director_latest") >= len(ok)

    # The same two days where DAY1's details were stored before credits were asked for: the
    # request counts are the same, and DAY2 refetches only what the incremental rules say.
    with scratch_database(pg_server_url) as url:
        from tmdb_assets.defs.resources import WarehouseResource

        other = {**resources, "warehouse": WarehouseResource(database_url=url)}
        before = _capture_two_days(other, simulator, credits=False)
        assert [s["requests"] for s in before] == [s["requests"] for s in now]
        assert [s["by_route"] for s in before] == [s["by_route"] for s in now]
        old = other["warehouse"].get()
        statuses = dict(
            old.rows("SELECT credits_status, count(*) FROM warehouse.dim_movie GROUP BY 1")
        )
        refetched = now[1]["by_route"]["details"]
        assert statuses["unknown"] > 0 and statuses["ok"] <= refetched
        # Unknown is not empty: those movies have no credit rows, and the check passes.
        assert (
            old.scalar(
                "SELECT count(*) FROM warehouse.bridge_movie_cast c JOIN warehouse.dim_movie m "
                "USING (movie_id) WHERE m.credits_status = 'unknown'"
            )
            == 0
        )


def test_person_views_agree_with_the_bridges(day, warehouse):
    payload = fight_club()
    data = _with_details(day, payload)
    _load(warehouse, data, "dim_date", "dim_movie", *PEOPLE[1:], "fact_movie_daily")
    movie = day.items[0].movie_id
    popularity = day.items[0].popularity
    norton = warehouse.rows(
        "SELECT movies, summed_popularity, mean_popularity FROM warehouse.vw_person_popularity "
        "WHERE date_id = :d AND person_id = 819",
        d=data.date_id,
    )
    assert norton == [(1, pytest.approx(popularity), pytest.approx(popularity))]
    # Fincher is in the crew more than once (director, and more): one movie for him.
    assert (
        warehouse.scalar(
            "SELECT movies FROM warehouse.vw_person_popularity WHERE date_id = :d AND person_id = 7467",
            d=data.date_id,
        )
        == 1
    )
    directors = warehouse.rows(
        "SELECT director, popularity FROM warehouse.vw_director_latest WHERE movie_id = :m", m=movie
    )
    assert directors == [("David Fincher", pytest.approx(popularity))]
