"""The simulator is faithful to TMDb's envelopes, errors and limits, and deterministic."""

import datetime as dt
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tmdb_assets_tests.conftest import DAY1, DAY2, admin_post, load_sample
from tmdb_simulator.server import RunningSimulator, SimulatorConfig


def get(sim_url: str, path: str, token: str | None = "x") -> tuple[int, dict, dict]:
    req = urllib.request.Request(sim_url + path)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


def test_console_script_serves_a_real_shaped_page():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tmdb_simulator",
            "--port",
            "0",
            "--movies",
            "1000",
            "--seed",
            "7",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        line = proc.stdout.readline()
        base = line.strip().rsplit(" ", 1)[-1]
        assert base.startswith("http://127.0.0.1:") and base.endswith("/3")
        status, headers, body = get(base, "/discover/movie?page=1")
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        real = load_sample("discover_default_p1_2022-11-26.json")
        assert list(body) == list(real)  # page, results, total_pages, total_results
        assert list(body["results"][0]) == list(real["results"][0])
        assert len(body["results"]) == 20 and body["total_results"] > 900
    finally:
        proc.terminate()
        proc.wait(5)


def test_error_bodies_are_tmdbs(simulator):
    status, _, body = get(simulator.base_url, "/discover/movie", token=None)
    assert status == 401 and body == {
        "success": False,
        "status_code": 7,
        "status_message": "Invalid API key: You must be granted a valid key.",
    }
    status, _, body = get(simulator.base_url, "/movie/999999999")
    assert status == 404 and body == load_sample("error_34_not_found.json")
    status, _, body = get(simulator.base_url, "/discover/movie?page=501")
    assert status == 400 and body["status_code"] == 22
    status, _, body = get(
        simulator.base_url, "/movie/changes?start_date=2025-01-01&end_date=2025-02-01"
    )
    assert status == 422 and body["status_code"] == 20
    many = ",".join(["credits"] * 21)
    status, _, body = get(simulator.base_url, f"/movie/550?append_to_response={many}")
    assert status == 400 and body["status_code"] == 27


def test_rate_limit_answers_429_code_25():
    with RunningSimulator(SimulatorConfig(movies=50, rate_limit=5, date=DAY1)) as sim:
        statuses = [get(sim.base_url, "/genre/movie/list")[0] for _ in range(8)]
        assert statuses[:5] == [200] * 5 and 429 in statuses[5:]
        status, headers, body = get(sim.base_url, "/genre/movie/list")
        assert status == 429 and body["status_code"] == 25 and headers["Retry-After"] == "1"


def test_deterministic_for_a_seed_and_day():
    bodies = []
    for _ in range(2):
        with RunningSimulator(SimulatorConfig(movies=300, seed=11, rate_limit=0, date=DAY1)) as sim:
            bodies.append([get(sim.base_url, f"/discover/movie?page={p}")[2] for p in (1, 2)])
    assert bodies[0] == bodies[1]


def test_days_evolve_and_the_date_header_follows(simulator):
    _, h1, day1 = get(simulator.base_url, "/discover/movie?page=1")
    admin_post(simulator, "date", {"date": DAY2.isoformat()})
    _, h2, day2 = get(simulator.base_url, "/discover/movie?page=1")
    assert h1["Date"].startswith("Sun, 02 Mar 2025 00:0") and h2["Date"].startswith(
        "Mon, 03 Mar 2025 00:0"
    )
    pop1 = {r["id"]: r["popularity"] for r in day1["results"]}
    pop2 = {r["id"]: r["popularity"] for r in day2["results"]}
    common = set(pop1) & set(pop2)
    assert common and any(pop1[i] != pop2[i] for i in common)
    votes = {r["id"]: r["vote_count"] for r in day1["results"]}
    assert all(r["vote_count"] >= votes[r["id"]] for r in day2["results"] if r["id"] in votes)


def test_ranks_shift_between_pages(simulator):
    _, _, p1 = get(simulator.base_url, "/discover/movie?page=1")
    _, _, p2 = get(simulator.base_url, "/discover/movie?page=2")
    assert p1["results"][-1]["id"] == p2["results"][0]["id"]


def test_recorded_movies_are_served_as_recorded(simulator):
    recorded = load_sample("movie_550.json")
    _, _, body = get(simulator.base_url, "/movie/550")
    for key in ("title", "imdb_id", "genres", "production_companies", "release_date", "budget"):
        assert body[key] == recorded[key]
    _, _, stub = get(simulator.base_url, "/movie/1236474")
    assert stub["release_date"] == "" and stub["imdb_id"] is None


def test_filters_and_sorting(simulator):
    _, _, body = get(
        simulator.base_url, "/discover/movie?sort_by=vote_count.desc&with_original_language=ja"
    )
    assert body["results"] and all(r["original_language"] == "ja" for r in body["results"])
    counts = [r["vote_count"] for r in body["results"]]
    assert counts == sorted(counts, reverse=True)
    _, _, body = get(
        simulator.base_url,
        "/discover/movie?primary_release_date.gte=2000-01-01&primary_release_date.lte=2000-12-31",
    )
    assert all(r["release_date"].startswith("2000") for r in body["results"])


def test_changes_follow_the_catalog(simulator):
    _, _, body = get(simulator.base_url, "/movie/changes?start_date=2025-03-01&end_date=2025-03-01")
    expected = simulator.state.catalog.changed_ids(DAY1, DAY1)
    assert [r["id"] for r in body["results"]] == [i for i, _ in expected][:100]
    assert body["total_results"] == len(expected)
    # The future has not changed yet.
    _, _, future = get(
        simulator.base_url, "/movie/changes?start_date=2025-03-05&end_date=2025-03-06"
    )
    assert future["results"] == []


@pytest.mark.parametrize("day", [dt.date(2025, 1, 1), dt.date(2026, 6, 30)])
def test_catalog_numbers_are_sane(day):
    with RunningSimulator(SimulatorConfig(movies=500, date=day, rate_limit=0)) as sim:
        state = sim.state.catalog.state(day)
        assert all(p >= 0 for p in state.popularity.values())
        assert all(0 <= v <= 10 for v in state.vote_average.values())
        assert all(c >= 0 for c in state.vote_count.values())


# --- what TMDb appends to details, and its trending lists (issue 24's sources) -----------------

APPEND = "release_dates,watch/providers,keywords,external_ids"


def _appended(simulator, movie_id: int) -> dict | None:
    """The details with every appended part; None for a discovered movie that is gone (404)."""
    status, _, body = get(simulator.base_url, f"/movie/{movie_id}?append_to_response={APPEND}")
    assert status in (200, 404)
    return body if status == 200 else None


def test_appended_parts_have_the_real_responses_shapes_and_quirks(simulator):
    """Each appended part has the keys of a real response (movie 12313 with 15 items), and
    across the catalogue the quirks of real data show: empty certifications, countries with
    releases but no provider, no keywords, imdb_id null."""
    real = load_sample("movie_12313_append_15_items_2024.json")
    real_release = real["release_dates"]["results"][0]["release_dates"][0]
    real_provider = next(iter(real["watch/providers"]["results"].values()))["rent"][0]
    ids = [
        i["id"]
        for p in (1, 2)
        for i in get(simulator.base_url, f"/discover/movie?page={p}")[2]["results"]
    ]
    seen = {"empty_certification": 0, "no_keywords": 0, "no_provider_country": 0, "null_imdb": 0}
    for body in filter(None, (_appended(simulator, movie_id) for movie_id in ids)):
        releases = body["release_dates"]["results"]
        for country in releases:
            for entry in country["release_dates"]:
                assert set(entry) == set(real_release)
                assert 1 <= entry["type"] <= 6
                seen["empty_certification"] += entry["certification"] == ""
        providers = body["watch/providers"]["results"]
        for country, entry in providers.items():
            assert entry["link"].endswith(f"locale={country}")
            kinds = set(entry) - {"link"}
            assert kinds and kinds <= {"flatrate", "rent", "buy", "ads", "free"}
            for kind in kinds:
                assert all(set(p) == set(real_provider) for p in entry[kind])
        if releases:
            seen["no_provider_country"] += len(providers) < 10
        assert all(set(k) == {"id", "name"} for k in body["keywords"]["keywords"])
        seen["no_keywords"] += not body["keywords"]["keywords"]
        assert set(real["external_ids"]) <= set(body["external_ids"])
        seen["null_imdb"] += body["external_ids"]["imdb_id"] is None
        assert body["external_ids"]["imdb_id"] == (body.get("imdb_id") or None)
    assert all(seen.values()), seen


def test_a_movie_can_lose_a_provider_for_a_day(simulator):
    movie_id = next(
        i["id"]
        for i in get(simulator.base_url, "/discover/movie")[2]["results"]
        if (_appended(simulator, i["id"]) or {}).get("watch/providers", {}).get("results")
    )

    def offers() -> int:
        results = _appended(simulator, movie_id)["watch/providers"]["results"]
        return sum(len(v) for entry in results.values() for k, v in entry.items() if k != "link")

    before = offers()
    admin_post(simulator, "faults", {"provider_drops": {str(movie_id): [DAY1.isoformat()]}})
    assert offers() == before - 1
    admin_post(simulator, "faults", {"provider_drops": {str(movie_id): []}})
    assert offers() == before


def test_trending_pages_rank_the_days_movies_near_their_popularity(simulator):
    pages = [get(simulator.base_url, f"/trending/movie/day?page={p}")[2] for p in (1, 2)]
    items = [i for p in pages for i in p["results"]]
    assert [len(p["results"]) for p in pages] == [20, 20] and pages[0]["total_pages"] <= 500
    assert len({i["id"] for i in items}) == 40 and all(i["media_type"] == "movie" for i in items)
    popular = [i["id"] for i in get(simulator.base_url, "/discover/movie")[2]["results"]]
    top = [i["id"] for i in pages[0]["results"]]
    assert top != popular and len(set(top) & set(popular)) >= 8  # near popularity, not it
    week = get(simulator.base_url, "/trending/movie/week")[2]["results"]
    assert [i["id"] for i in week] != top
    status, _, _ = get(simulator.base_url, "/trending/movie/hour")
    assert status == 404
