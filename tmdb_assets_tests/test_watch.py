"""Where to watch as history (issue 24): the appended watch/providers part parsed on the real
response, the history rules on every order of observations, and the simulator's three days
where a movie loses a provider and regains it."""

import datetime as dt
import itertools
import json
import random
import urllib.request

import dagster as dg
from sqlalchemy import text

from tmdb_assets.transform.availability import decode, encode, merge
from tmdb_assets.transform.details import movie_details
from tmdb_assets_tests.conftest import DAY1, DAY2, admin_post, load_sample
from tmdb_assets_tests.helpers import materialize_day, materialize_seed

DAY3 = DAY2 + dt.timedelta(days=1)
KINDS = ("flatrate", "free", "ads", "rent", "buy")
WATCH = dg.AssetSelection.assets("fact_watch_observation", "fact_watch_availability")


def offers_in(part: dict) -> set[tuple[str, int, str]]:
    """Every (country, provider, kind) of a watch/providers part, read straight off the JSON."""
    return {
        (country, p["provider_id"], kind)
        for country, entry in part["results"].items()
        for kind in KINDS
        for p in entry.get(kind, [])
    }


def test_the_real_response_gives_every_offer_and_provider():
    real = load_sample("movie_12313_append_15_items_2024.json")
    watch = movie_details(real).watch
    assert watch is not None
    expected = offers_in(real["watch/providers"])
    assert watch.offers == expected and len(expected) == 35
    named = {
        p["provider_id"]: p["provider_name"]
        for entry in real["watch/providers"]["results"].values()
        for kind in KINDS
        for p in entry.get(kind, [])
    }
    assert {p.provider_id: p.name for p in watch.providers} == named
    # Apple TV is 4th in AT's list and 5th elsewhere: its best priority is kept.
    priorities = {p.provider_id: p.display_priority for p in watch.providers}
    seen = [
        p["display_priority"]
        for entry in real["watch/providers"]["results"].values()
        for kind in KINDS
        for p in entry.get(kind, [])
        if p["provider_id"] == 2
    ]
    assert priorities[2] == min(seen)


def test_unknown_empty_and_unreadable_parts_are_told_apart():
    real = load_sample("movie_12313_append_15_items_2024.json")
    # Stored before the part was asked for: unknown, not "nowhere".
    assert movie_details({k: v for k, v in real.items() if k != "watch/providers"}).watch is None
    # Nowhere to watch: an observation with no offer (it closes every open row).
    empty = movie_details({**real, "watch/providers": {"results": {}}}).watch
    assert empty is not None and empty.offers == frozenset()
    # One unreadable entry: the whole part is set aside and quarantined with its field; dropping
    # only the entry would close a row that the provider still holds.
    bad = json.loads(json.dumps(real))
    bad["watch/providers"]["results"]["AT"]["rent"][0]["provider_id"] = "Netflix?"
    parsed = movie_details(bad)
    assert parsed.watch is None and parsed.title == real["title"]
    assert [p.field for p in parsed.problems if p.field == "watch/providers"] == ["watch/providers"]


def _random_history(rng: random.Random) -> dict[dt.date, set]:
    offers = [(c, p, k) for c in ("US", "DE") for p in (8, 9, 337) for k in ("flatrate", "rent")]
    days = sorted(rng.sample(range(40), rng.randint(1, 9)))
    return {DAY1 + dt.timedelta(days=d): {o for o in offers if rng.random() < 0.5} for d in days}


def test_every_order_of_observations_gives_the_history_of_all_at_once():
    """The loader's rule (merge one day into a movie's stored intervals) in every order, and
    with days observed again, equals encoding every observation at once; decode inverts encode."""
    rng = random.Random(24)
    for _ in range(300):
        history = _random_history(rng)
        expected = encode(history)
        assert decode(expected, history) == history
        for order in itertools.islice(itertools.permutations(sorted(history)), 6):
            intervals, days = [], []
            for day in order:
                days.append(day)
                intervals = merge(intervals, days, day, history[day])
            assert intervals == expected
        # A day's observation replaced (a recapture), then removed (unreadable now).
        day = rng.choice(sorted(history))
        again = merge(expected, list(history), day, set())
        assert again == encode({**history, day: set()})
        gone = merge(expected, [d for d in history if d != day], day, None)
        assert gone == encode({d: o for d, o in history.items() if d != day})
    # Half-open, and a drop for one observation makes two rows.
    o = ("US", 8, "flatrate")
    rows = encode({DAY1: {o}, DAY2: set(), DAY3: {o}})
    assert rows == [(o, DAY1, DAY2, DAY1), (o, DAY3, None, DAY3)]


def _get(base_url: str, path: str) -> dict:
    req = urllib.request.Request(base_url + path, headers={"Authorization": "Bearer x"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _served(base_url: str, movie_id: int) -> dict:
    return _get(base_url, f"/movie/{movie_id}?append_to_response=watch/providers")[
        "watch/providers"
    ]


def _first_offer(part: dict) -> tuple[str, int, str] | None:
    """The offer the simulator's provider_drops leaves out: the first provider of the first
    kind of the first country."""
    if not part["results"]:
        return None
    country, entry = next(iter(part["results"].items()))
    kind = next(k for k in ("flatrate", "rent", "buy", "ads", "free") if k in entry)
    return country, entry[kind][0]["provider_id"], kind


def _history(warehouse) -> list[tuple]:
    return warehouse.rows(
        "SELECT movie_id, iso_3166_1, provider_id, kind, valid_from, valid_to, "
        "last_observed_date FROM warehouse.fact_watch_availability ORDER BY 1, 2, 3, 4, 5"
    )


def test_a_provider_lost_on_day_2_and_back_on_day_3_makes_two_rows(resources, simulator, warehouse):
    """Three simulator days; one movie loses a provider on day 2 and regains it on day 3 (TMDb
    lists it in /movie/changes both days, so its details are fetched): two history rows with the
    right dates. The other movies, not fetched on days 2 and 3, keep their rows open. Loaded
    again, and loaded in the order 3, 1, 2 after a wipe, the history is the same."""
    materialize_seed(resources)
    admin_post(simulator, "reset", {})
    movie_id, offer = None, None
    simulator.state.set_date(DAY1)
    for item in _get(simulator.base_url, "/discover/movie")["results"]:
        simulator.state.set_date(DAY1)
        first = _first_offer(_served(simulator.base_url, item["id"]))
        held = first is not None
        for day in (DAY2, DAY3):
            simulator.state.set_date(day)
            held = held and first in offers_in(_served(simulator.base_url, item["id"]))
        if held:
            movie_id, offer = item["id"], first
            break
    assert movie_id is not None
    admin_post(simulator, "faults", {"provider_drops": {str(movie_id): [DAY2.isoformat()]}})
    for day in (DAY1, DAY2, DAY3):
        assert materialize_day(resources, day, simulator).success
    rows = [r[4:] for r in _history(warehouse) if (r[0], *r[1:4]) == (movie_id, *offer)]
    assert rows == [(DAY1, DAY2, DAY1), (DAY3, None, DAY3)]
    observed = warehouse.rows(
        "SELECT movie_id, observed_date FROM warehouse.fact_watch_observation ORDER BY 2, 1"
    )
    assert (movie_id, DAY2) in observed and (movie_id, DAY3) in observed
    day1 = {m for m, d in observed if d == DAY1}
    later = {m for m, d in observed if d > DAY1}
    assert len(day1) > 30 and movie_id in later
    # Movies observed on DAY1 only keep their DAY1 offers open, unchanged.
    quiet = sorted(day1 - later)
    assert quiet
    for m in quiet[:5]:
        mine = [r for r in _history(warehouse) if r[0] == m]
        assert all(r[4:] == (DAY1, None, DAY1) for r in mine)
    # Every open row of the dropped movie is what TMDb served on DAY3.
    open_now = {r[1:4] for r in _history(warehouse) if r[0] == movie_id and r[5] is None}
    simulator.state.set_date(DAY3)
    assert open_now == offers_in(_served(simulator.base_url, movie_id))

    history = _history(warehouse)
    assert materialize_day(resources, DAY2, simulator, selection=WATCH).success
    assert _history(warehouse) == history  # a rerun changes nothing
    with warehouse.begin() as conn:
        conn.execute(
            text("TRUNCATE warehouse.fact_watch_availability, warehouse.fact_watch_observation")
        )
    for day in (DAY3, DAY1, DAY2):  # out of order
        assert materialize_day(resources, day, simulator, selection=WATCH).success
    assert _history(warehouse) == history
