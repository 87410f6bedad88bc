"""The whole catalogue from TMDb's daily ID export: the simulator's files and hand-made files
with the real format's quirks, captured over HTTP and loaded into a real PostgreSQL."""

import datetime as dt

import dagster as dg
import pytest
from sqlalchemy import text

from tmdb_assets.capture.export import file_name
from tmdb_assets.defs.resources import TMDbResource
from tmdb_assets_tests.catalogue_helpers import (
    QUIRKS,
    catalogue,
    day_rows,
    served_ids,
    tail_config,
    with_exports,
)
from tmdb_assets_tests.conftest import DAY1, DAY2, admin_post
from tmdb_assets_tests.helpers import (
    DEFS,
    PARTITIONED,
    check_results,
    materialize_day,
    materialize_seed,
    metadata,
    table_checksums,
)

TRENDING_RANKS = dg.AssetSelection.assets("fact_trending_daily")
MARCH_31 = dt.date(2025, 3, 31)


@pytest.fixture
def resources(resources, simulator):
    return with_exports(resources, simulator)


def test_a_day_of_the_simulators_export_loads_whole_and_reruns_identically(
    resources, simulator, warehouse
):
    result = catalogue(resources, simulator, DAY1, DAY2)
    served = served_ids(simulator, DAY1)
    rows = day_rows(warehouse, DAY1)
    assert [r[0] for r in rows] == sorted(served) and len(rows) > 300
    assert all(r[1] == served[r[0]]["popularity"] for r in rows)
    raw = metadata(result, "raw_movie_id_export")
    assert raw["file"] == "movie_ids_03_02_2025.json.gz" and raw["lines"] == len(served)
    assert raw["late_capture"] is False
    fact = metadata(result, "fact_movie_popularity_daily")
    assert fact["rows"] == len(served) and fact["quarantined_lines"] == 0
    # Month partitions: the day's and the next, created by the load.
    partitions = {
        r[0]
        for r in warehouse.rows(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'warehouse.fact_movie_popularity_daily'::regclass"
        )
    }
    assert partitions == {
        "fact_movie_popularity_daily_2025_03",
        "fact_movie_popularity_daily_2025_04",
    }
    # A rerun reuses the capture and leaves the day as it was; a recapture adds a version.
    again = catalogue(resources, simulator, DAY1, DAY2)
    assert metadata(again, "raw_movie_id_export")["reused"] is True
    assert day_rows(warehouse, DAY1) == rows
    recaptured = catalogue(
        resources,
        simulator,
        DAY1,
        DAY2,
        run_config={"ops": {"raw_movie_id_export": {"config": {"recapture": True}}}},
    )
    assert metadata(recaptured, "raw_movie_id_export")["capture_version"] == 2
    assert day_rows(warehouse, DAY1) == rows
    checks = check_results(result)
    assert all(c.passed for c in checks.values()), {k: c.metadata for k, c in checks.items()}


def test_the_export_agrees_with_discover_for_the_movies_in_both(resources, simulator, warehouse):
    materialize_seed(resources)
    materialize_day(resources, DAY1, simulator)
    result = catalogue(resources, simulator, DAY1, DAY2)
    checks = check_results(result)
    agree = checks["fact_movie_popularity_daily:export_agrees_with_discover"]
    both, differing = agree.metadata["movies_in_both_and_differing"].value[str(DAY1)]
    assert agree.passed and differing == 0
    assert both == warehouse.scalar(
        "SELECT count(*) FROM warehouse.fact_movie_daily WHERE date_id = 20250301"
    )


def test_catalogue_summary_and_a_movies_history_from_both_sources(resources, simulator, warehouse):
    materialize_seed(resources)
    day3 = DAY2 + dt.timedelta(days=1)
    for day in (DAY1, DAY2, day3):  # discover for three days
        materialize_day(resources, day, simulator)
    for day in (DAY1, DAY2):  # the export for two (day 3's file is built the next morning)
        catalogue(resources, simulator, day, day3)
    first, second = served_ids(simulator, DAY1), served_ids(simulator, DAY2)
    (row,) = warehouse.rows(
        "SELECT movies, previous_date_id, new_movies, removed_movies, median_popularity, "
        "max_popularity FROM warehouse.vw_catalogue_daily WHERE date_id = 20250302"
    )
    pops = sorted(o["popularity"] for o in second.values())
    mid = len(pops) // 2
    median = pops[mid] if len(pops) % 2 else (pops[mid - 1] + pops[mid]) / 2
    assert row[:4] == (len(second), 20250301, len(set(second) - set(first)),
                       len(set(first) - set(second)))  # fmt: skip
    assert row[4] == pytest.approx(median) and row[5] == max(pops)
    assert (
        warehouse.scalar(
            "SELECT new_movies FROM warehouse.fact_catalogue_daily WHERE date_id = 20250301"
        )
        is None
    )  # no export day before it
    # A discovered movie: the export's value on days 1-2, discover's on day 3, each named.
    movie = warehouse.scalar(
        "SELECT movie_id FROM warehouse.fact_movie_daily WHERE date_id = 20250303 "
        "ORDER BY discover_rank LIMIT 1"
    )
    history = warehouse.rows(
        "SELECT full_date, source, popularity, discover_popularity "
        "FROM warehouse.vw_movie_popularity_history WHERE movie_id = :m ORDER BY date_id",
        m=movie,
    )
    assert [(h[0], h[1]) for h in history] == [
        (DAY1, "export"), (DAY2, "export"), (day3, "discover")
    ]  # fmt: skip
    assert history[1][2] == second[movie]["popularity"] == pytest.approx(history[1][3])
    # A range of days reads only the month partitions it covers: March's is pruned from the
    # export's scan and never executed in discover's lookup.
    plan = [
        r[0]
        for r in warehouse.rows(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM "
            "warehouse.vw_movie_popularity_history WHERE movie_id = :m AND date_id >= 20250401",
            m=movie,
        )
    ]
    assert any("fact_movie_popularity_daily_2025_04" in line for line in plan)
    march = [line for line in plan if "fact_movie_popularity_daily_2025_03" in line]
    assert all("never executed" in line for line in march), "\n".join(plan)


@pytest.mark.slow
def test_rebuild_replays_the_catalogue_from_its_raw_files(
    resources, simulator, warehouse, database_url, tmp_path
):
    from tmdb_assets_tests.test_cli import cli_env, run_cli

    materialize_seed(resources)
    materialize_day(resources, DAY1, simulator)
    catalogue(resources, simulator, DAY1, DAY2, run_config=tail_config(50))
    # March's last day too: the month is compacted, and rebuilt compacted from the two files.
    catalogue(resources, simulator, MARCH_31, MARCH_31 + dt.timedelta(days=1))
    assert warehouse.scalar("SELECT count(*) FROM warehouse.compacted_month") == 1
    assert warehouse.scalar("SELECT count(*) FROM warehouse.dim_movie") > 300
    before = table_checksums(warehouse)
    requests_before = simulator.state.stats.as_dict()["requests"]
    exports_before = simulator.state.stats.as_dict()["by_route"]["exports"]
    done = run_cli(["rebuild", "--yes"], cli_env(database_url, tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "tmdb_catalogue 2025-03-01..2025-03-01: ok" in done.stdout
    assert "tmdb_catalogue 2025-03-31..2025-03-31: ok" in done.stdout
    # Every table, dim_movie's pending rows and the tail's details included, equal.
    assert table_checksums(warehouse) == before
    # Replayed from raw: neither the files host nor the API was asked again.
    assert simulator.state.stats.as_dict()["by_route"]["exports"] == exports_before
    assert simulator.state.stats.as_dict()["requests"] == requests_before


def test_a_day_whose_catalogue_shrinks_past_the_band_fails_its_check(
    resources, simulator, warehouse
):
    catalogue(resources, simulator, DAY1, DAY2 + dt.timedelta(days=1))
    admin_post(simulator, "exports", {"name": file_name(DAY2), "lines": QUIRKS})
    result = catalogue(resources, simulator, DAY2, DAY2 + dt.timedelta(days=1))
    band = check_results(result)["fact_catalogue_daily:catalogue_count_within_band"]
    previous = warehouse.scalar("SELECT movies FROM warehouse.fact_catalogue_daily "
                                "WHERE date_id = 20250301")  # fmt: skip
    assert not band.passed
    assert band.metadata["outside_band"].value == {str(DAY2): [previous, 4]}


# --- dim_movie learns the whole catalogue; the long tail's details within a budget -------------


def movie_rows(warehouse) -> dict[int, tuple]:
    return {
        r[0]: tuple(r[1:])
        for r in warehouse.rows(
            "SELECT movie_id, details_status, original_title, adult, video, title, "
            "first_seen_date, source_date FROM warehouse.dim_movie"
        )
    }


def tail_ids(warehouse, day) -> list[int]:
    return [
        r[0]
        for r in warehouse.rows(
            "SELECT md.movie_id FROM raw.movie_details md JOIN raw.capture c USING (capture_id) "
            "WHERE c.asset = 'raw_movie_tail_details' AND c.is_current AND c.partition_date = :d "
            "ORDER BY 1",
            d=day,
        )
    ]


def test_dim_movie_learns_every_export_movie_and_the_tail_arrives_within_its_budget(
    resources, simulator, warehouse
):
    admin_post(simulator, "exports", {"tail": 60})  # ids discover never lists
    materialize_seed(resources)
    # Without the trending ranks: a trending movie outside the discover window would join
    # dim_movie as pending before the export does (test_trending.py).
    materialize_day(resources, DAY1, simulator, selection=PARTITIONED - TRENDING_RANKS)
    discovered = {r[0] for r in warehouse.rows("SELECT movie_id FROM warehouse.dim_movie")}
    requests_before = simulator.state.stats.as_dict()["by_route"]["details"]
    result = catalogue(resources, simulator, DAY1, DAY2, run_config=tail_config(100))
    served = served_ids(simulator, DAY1)
    movies = movie_rows(warehouse)

    # Every id of the file is a dim_movie row; the ones discover never showed are pending with
    # the file's original title and flags, no discover days, learned on the day.
    assert set(movies) == set(served) | discovered
    learned = metadata(result, "catalogue_movies")
    assert learned["new_movies"] == len(set(served) - discovered)
    fetched = set(tail_ids(warehouse, DAY1))
    pending = set(served) - discovered - fetched
    assert len(pending) == len(set(served) - discovered) - 100
    for movie_id in pending:
        status, original_title, adult, video, title, first_seen, source = movies[movie_id]
        line = served[movie_id]
        assert (status, original_title, adult, video) == (
            "pending",
            line["original_title"],
            line["adult"],
            line["video"],
        )
        assert (title, first_seen, source) == (None, None, DAY1)
    assert metadata(result, "catalogue_movie_details")["pending_movies"] == len(pending)

    # The budget went to the pending movies, the most popular of the day first.
    tail = metadata(result, "raw_movie_tail_details")
    assert tail["planned"] == 100 and tail["fetch_reasons"] == {"new": 100}
    new_ids = sorted(set(served) - discovered, key=lambda m: (-served[m]["popularity"], m))
    assert fetched == set(new_ids[:100])
    # One request per planned movie (and one for TMDb's clock): nothing else was asked.
    details_requests = simulator.state.stats.as_dict()["by_route"]["details"] - requests_before
    assert details_requests == 100 == tail["requests"] - 1
    # Their details replaced the pending rows: titles from /movie/{id}, 404s flagged; their
    # genres, companies and cast are in the bridges, whose keys all hold.
    loaded = metadata(result, "catalogue_movie_details")
    ok = [m for m in fetched if movies[m][0] == "ok"]
    assert loaded["details_ok"] == len(ok) > 80
    assert loaded["details_not_found"] == len(fetched) - len(ok)
    assert {movies[m][0] for m in fetched} <= {"ok", "not_found"}
    for movie_id in ok[:5]:
        body = simulator.state.catalog.by_id.get(movie_id)
        if body is not None:
            assert movies[movie_id][4] == body.details["title"]
    bridged = warehouse.scalar(
        "SELECT count(DISTINCT movie_id) FROM warehouse.bridge_movie_genre WHERE movie_id = ANY(:ids)",
        ids=ok,
    )
    cast = warehouse.scalar(
        "SELECT count(DISTINCT movie_id) FROM warehouse.bridge_movie_cast WHERE movie_id = ANY(:ids)",
        ids=ok,
    )
    assert bridged > 0.7 * len(ok) and cast > 0.7 * len(ok)
    # The tail's details observe where each movie can be watched too, as the window's do.
    observed = warehouse.rows(
        "SELECT movie_id, source, observed_date FROM warehouse.fact_watch_observation "
        "WHERE movie_id = ANY(:ids)",
        ids=ok,
    )
    assert {m for m, _, _ in observed} == set(ok)
    assert {(s, d) for _, s, d in observed} == {("tail", DAY1)}
    checks = check_results(result)
    assert all(c.passed for c in checks.values()), {k: c.metadata for k, c in checks.items()}

    # The checks fail when a learned movie or a loaded tail movie goes missing.
    gone, waiting = sorted(pending)[0], sorted(fetched)[0]
    with warehouse.begin() as conn:
        for sql, m in (
            (
                "UPDATE warehouse.dim_movie SET details_status = 'pending' WHERE movie_id = :m",
                waiting,
            ),
        ):
            conn.execute(text(sql), {"m": m})
        conn.execute(text("DELETE FROM warehouse.dim_movie WHERE movie_id = :m"), {"m": gone})
    # Checks alone (the UI's "Execute checks"): on the latest loaded day, day 1.
    broken = check_results(
        dg.materialize(
            DEFS,
            resources=resources,
            selection=dg.AssetSelection.checks_for_assets(
                "catalogue_movies", "catalogue_movie_details"
            ),
            raise_on_error=False,
        )
    )
    learned_check = broken["catalogue_movies:every_export_movie_in_dim_movie"]
    loaded_check = broken["catalogue_movie_details:tail_details_loaded"]
    assert not learned_check.passed and not loaded_check.passed
    assert learned_check.metadata["missing_by_day"].value == {str(DAY1): 1}
    assert loaded_check.metadata["still_pending_by_day"].value == {str(DAY1): 1}
    # Rematerialized, the day heals: the movie learned again, the details loaded again.
    healed = catalogue(resources, simulator, DAY1, DAY2, run_config=tail_config(100))
    assert all(c.passed for c in check_results(healed).values())
    assert warehouse.scalar(
        "SELECT details_status FROM warehouse.dim_movie WHERE movie_id = :m", m=waiting
    ) in ("ok", "not_found")

    # The next day: what is left of the pending ones (no movie asked twice, none stale yet).
    budget = len(pending) + 50
    day2 = catalogue(
        resources, simulator, DAY2, DAY2 + dt.timedelta(days=1), run_config=tail_config(budget)
    )
    tail2 = metadata(day2, "raw_movie_tail_details")
    in_day2 = set(served_ids(simulator, DAY2))
    assert set(tail_ids(warehouse, DAY2)) == (pending & in_day2) | (
        in_day2 - set(movies)  # ids new on day 2
    )
    assert set(tail["fetch_reasons"]) == {"new"} and not fetched & set(tail_ids(warehouse, DAY2))
    assert tail2["planned"] < budget
    assert metadata(day2, "catalogue_movie_details")["pending_movies"] == len(pending - in_day2)
    # A rerun reuses the captures and leaves dim_movie as it was.
    before = table_checksums(warehouse)
    again = catalogue(
        resources, simulator, DAY2, DAY2 + dt.timedelta(days=1), run_config=tail_config(budget)
    )
    assert metadata(again, "raw_movie_tail_details")["reused"] is True
    assert table_checksums(warehouse) == before


def test_the_tail_refreshes_the_oldest_details_once_the_pending_are_done(
    resources, simulator, warehouse
):
    materialize_seed(resources)
    day3 = DAY2 + dt.timedelta(days=1)
    day4 = day3 + dt.timedelta(days=1)
    catalogue(resources, simulator, DAY1, DAY2, run_config=tail_config(1000))
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.dim_movie WHERE details_status = 'pending'"
        )
        == 0
    )
    fetched_at = dict(
        warehouse.rows(
            "SELECT movie_id, details_fetched_at FROM warehouse.dim_movie "
            "WHERE details_status <> 'pending'"
        )
    )
    # Within the max age nothing is asked again; past it, the oldest-fetched first.
    quiet = catalogue(resources, simulator, DAY2, day3, run_config=tail_config(1000))
    assert metadata(quiet, "raw_movie_tail_details")["planned"] == len(
        set(served_ids(simulator, DAY2)) - set(fetched_at)
    )
    # Day 1's tail was fetched at the end of day 2 (the simulator's clock): on day 4, with a
    # one-day max age, it is stale; day 2's (fetched at the end of day 3) is not yet.
    tmdb = resources["tmdb"]
    short = {
        **resources,
        "tmdb": TMDbResource(
            api_token=tmdb.api_token,
            base_url=tmdb.base_url,
            exports_base_url=tmdb.exports_base_url,
            details_max_age_days=1,
        ),
    }
    stale = catalogue(
        short, simulator, day4, day4 + dt.timedelta(days=1), run_config=tail_config(25)
    )
    tail = metadata(stale, "raw_movie_tail_details")
    assert tail["fetch_reasons"] == {"stale": 25}
    oldest = sorted(
        (m for m in fetched_at if m in served_ids(simulator, day4)),
        key=lambda m: (fetched_at[m], m),
    )
    assert tail_ids(warehouse, day4) == sorted(oldest[:25])


def test_a_pending_movie_takes_an_earlier_days_discover_values(resources, simulator, warehouse):
    """Learned from day 2's export first, then day 1's discover backfilled: the discover row
    replaces the pending one (a pending row never holds back a day's details)."""
    materialize_seed(resources)
    catalogue(resources, simulator, DAY2, DAY2 + dt.timedelta(days=1), run_config=tail_config(0))
    assert (
        warehouse.scalar(
            "SELECT count(*) FROM warehouse.dim_movie WHERE details_status <> 'pending'"
        )
        == 0
    )
    result = materialize_day(resources, DAY1, simulator)
    discovered = warehouse.rows(
        "SELECT f.movie_id, m.details_status, m.title IS NOT NULL, m.first_seen_date, "
        "m.source_date FROM warehouse.fact_movie_daily f JOIN warehouse.dim_movie m USING (movie_id)"
    )
    assert (
        len(discovered) == warehouse.scalar("SELECT count(*) FROM warehouse.fact_movie_daily") > 50
    )
    assert {(r[1] in ("ok", "not_found"), r[2], r[3], r[4]) for r in discovered} == {
        (True, True, DAY1, DAY1)
    }
    # And their bridges hold day 1's sets (the set of a movie whose state is day 1's).
    assert (
        warehouse.scalar("SELECT count(DISTINCT movie_id) FROM warehouse.bridge_movie_genre") > 50
    )
    checks = check_results(result)
    # Every ERROR check passes (the simulator's far-off release dates warn, as on any day).
    failed = {
        k: c.metadata
        for k, c in checks.items()
        if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    }
    assert not failed and checks, failed


def test_the_catalogues_movers_are_those_of_the_files_whatever_the_load_order(
    resources, simulator, warehouse
):
    """fact_catalogue_movers of a day: the 50 movies of the whole export whose popularity rose
    most over 7 days and the 50 that fell most, as the two files say. Day 8 loaded before day 1
    has none (nothing to compare with); loading day 1 then fills day 8's."""
    day8 = DAY1 + dt.timedelta(days=7)
    no_tail = tail_config(0)
    catalogue(resources, simulator, day8, day8 + dt.timedelta(days=1), run_config=no_tail)
    assert not warehouse.scalar("SELECT count(*) FROM warehouse.fact_catalogue_movers")
    catalogue(resources, simulator, DAY1, DAY2, run_config=no_tail)
    now, before = served_ids(simulator, day8), served_ids(simulator, DAY1)
    moves = sorted(
        (now[m]["popularity"] - before[m]["popularity"], m)
        for m in now.keys() & before.keys()
        if now[m]["popularity"] != before[m]["popularity"]
    )
    rising = [m for change, m in sorted(moves, key=lambda x: (-x[0], x[1])) if change > 0][:50]
    falling = [m for change, m in moves if change < 0][:50]
    stored = {
        d: [
            m
            for (m,) in warehouse.rows(
                "SELECT movie_id FROM warehouse.vw_catalogue_movers WHERE date_id = :d "
                "AND direction = :w ORDER BY rank",
                d=int(day8.strftime("%Y%m%d")),
                w=d,
            )
        ]
        for d in ("rising", "falling")
    }
    assert stored == {"rising": rising, "falling": falling} and len(rising) > 10
    change = warehouse.rows(
        "SELECT popularity, popularity_7d_ago, popularity_change_7d FROM "
        "warehouse.vw_catalogue_movers WHERE direction = 'rising' AND rank = 1"
    )[0]
    top = rising[0]
    assert change == pytest.approx(
        (now[top]["popularity"], before[top]["popularity"],
         now[top]["popularity"] - before[top]["popularity"])
    )  # fmt: skip
    checks = check_results(catalogue(resources, simulator, DAY1, DAY2, run_config=no_tail))
    assert checks["fact_catalogue_movers:foreign_keys"].passed
