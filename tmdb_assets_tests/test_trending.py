"""TMDb's trending ranks (issue 24): /trending/movie/{day,week} captured at the day's end like
discover, loaded as ranks 1..N per window beside the popularity ranks."""

import datetime as dt
import json
import urllib.request

import dagster as dg
import pytest

from tmdb_assets.capture.read import clear_cache
from tmdb_assets_tests.conftest import DAY1, admin_post, admin_state
from tmdb_assets_tests.helpers import DEFS, check_results, materialize_day, materialize_seed


def _served(base_url: str, window: str, pages: int) -> list[dict]:
    out: list[dict] = []
    for page in range(1, pages + 1):
        req = urllib.request.Request(
            f"{base_url}/trending/movie/{window}?page={page}&language=en-US",
            headers={"Authorization": "Bearer x"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            out += json.loads(resp.read())["results"]
    return out


def test_the_days_trending_lists_become_ranks_beside_popularity(resources, simulator, warehouse):
    materialize_seed(resources)
    admin_post(simulator, "reset", {})
    result = materialize_day(resources, DAY1, simulator)
    assert result.success
    by_route = admin_state(simulator)["stats"]["by_route"]
    pages = resources["tmdb"].trending_pages
    # A few pages of each list, nothing more.
    assert by_route.get("trending/movie/day") == by_route.get("trending/movie/week") == pages
    for window in ("day", "week"):
        served = _served(simulator.base_url, window, pages)
        expected, seen = [], set()
        for item in served:  # a movie listed twice keeps its first place
            if item["id"] not in seen:
                seen.add(item["id"])
                expected.append((item["id"], item["popularity"]))
        stored = warehouse.rows(
            "SELECT rank, movie_id, popularity FROM warehouse.fact_trending_daily "
            "WHERE date_id = :d AND time_window = :w ORDER BY rank",
            d=int(DAY1.strftime("%Y%m%d")),
            w=window,
        )
        assert [r[0] for r in stored] == list(range(1, len(expected) + 1))
        assert [(r[1], r[2]) for r in stored] == expected
    # A trending movie outside the discover window joins dim_movie as pending, with its title.
    outside = warehouse.rows(
        "SELECT DISTINCT t.movie_id, m.details_status, m.title FROM warehouse.fact_trending_daily t "
        "JOIN warehouse.dim_movie m USING (movie_id) "
        "WHERE NOT EXISTS (SELECT 1 FROM warehouse.fact_movie_daily f "
        "WHERE f.movie_id = t.movie_id AND f.date_id = t.date_id)"
    )
    assert outside and all(s == "pending" and title for _, s, title in outside)
    checks = check_results(result)
    for name in (
        "fact_trending_daily:trending_ranks_without_gaps",
        "raw_trending:trending_pages_captured",
    ):
        assert checks[name].passed, name
    # The view puts the day's trending rank beside the popularity rank.
    row = warehouse.rows(
        "SELECT trending_rank, popularity_rank, title FROM warehouse.vw_trending_daily "
        "WHERE date_id = :d AND time_window = 'day' ORDER BY trending_rank LIMIT 1",
        d=int(DAY1.strftime("%Y%m%d")),
    )[0]
    assert row[0] == 1 and row[2]
    # Loaded again: the same rows.
    before = warehouse.rows("SELECT * FROM warehouse.fact_trending_daily ORDER BY 1, 2, 3")
    assert materialize_day(resources, DAY1, simulator).success
    assert warehouse.rows("SELECT * FROM warehouse.fact_trending_daily ORDER BY 1, 2, 3") == before


def test_momentum_is_the_facts_moving_average_and_weekly_change(resources, simulator, warehouse):
    """Nine days of one discover page: vw_movie_momentum's moving average, change over 7 days,
    rank movement and label for the last day, against the fact rows computed here."""
    materialize_seed(resources)
    days = [DAY1 + dt.timedelta(days=i) for i in range(9)]
    one_page = {"ops": {"raw_discover_pages": {"config": {"pages": 1}}}}
    discover = dg.AssetSelection.assets("raw_discover_pages", "raw_movie_details")
    for day in days:  # each day captured at its end, then the fact loaded in one range run
        assert materialize_day(
            resources, day, simulator, selection=discover, run_config=one_page
        ).success
    clear_cache()
    assert dg.materialize(
        DEFS,
        resources=resources,
        selection=dg.AssetSelection.assets("dim_collection", "dim_movie", "dim_date")
        | dg.AssetSelection.assets("fact_movie_daily"),
        tags={
            "dagster/asset_partition_range_start": days[0].isoformat(),
            "dagster/asset_partition_range_end": days[-1].isoformat(),
        },
    ).success
    facts = {
        (d, m): (p, r)
        for d, m, p, r in warehouse.rows(
            "SELECT d.full_date, f.movie_id, f.popularity, f.discover_rank "
            "FROM warehouse.fact_movie_daily f JOIN warehouse.dim_date d USING (date_id)"
        )
    }
    last, week_before = days[-1], days[-8]
    rows = warehouse.rows(
        "SELECT movie_id, popularity_ma7, days_in_ma7, popularity_7d_ago, popularity_change_7d, "
        "rank_change_7d, momentum FROM warehouse.vw_movie_momentum WHERE full_date = :d",
        d=last,
    )
    assert len(rows) == sum(1 for d, _ in facts if d == last)
    labels = set()
    for movie_id, ma7, n, before, change, rank_change, label in rows:
        window = [facts[(d, movie_id)][0] for d in days[-7:] if (d, movie_id) in facts]
        assert n == len(window) and ma7 == pytest.approx(sum(window) / len(window))
        now = facts[(last, movie_id)]
        then = facts.get((week_before, movie_id))
        if then is None:
            assert (before, change, rank_change, label) == (None, None, None, None)
            continue
        assert before == then[0] and change == pytest.approx(now[0] - then[0])
        assert rank_change == then[1] - now[1]
        ratio = now[0] / then[0]
        assert label == ("rising" if ratio >= 1.25 else "falling" if ratio <= 0.8 else "steady")
        labels.add(label)
    assert "steady" in labels and len(labels) >= 2
