"""The TMDb client against the simulator over real HTTP."""

import datetime as dt
import logging
import socket

import pytest

from tmdb_assets.tmdb.client import TMDbClient
from tmdb_assets.tmdb.errors import TMDbAuthError, TMDbRequestError, TMDbUnavailableError
from tmdb_assets_tests.conftest import DAY1, admin_post, admin_state
from tmdb_simulator.server import RunningSimulator, SimulatorConfig

SECRET = "s3cr3t-token-value"


def client(sim, **kw) -> TMDbClient:
    kw.setdefault("rate_limit_per_second", 1000)
    kw.setdefault("backoff_max_s", 0.2)
    return TMDbClient(SECRET, sim.base_url, **kw)


def test_discover_paging_and_page_cap(simulator):
    c = client(simulator)
    pages = c.discover(3, {"sort_by": "popularity.desc"})
    assert [p.data["page"] for p in pages] == [1, 2, 3]
    assert all(len(p.data["results"]) == 20 for p in pages)
    total = pages[0].data["total_results"]
    assert pages[0].data["total_pages"] == -(-total // 20)
    # Stops at the last page TMDb has, even when asked for more.
    last = c.discover(500)
    assert len(last) == pages[0].data["total_pages"]
    with pytest.raises(ValueError, match=r"outside 1\.\.500"):
        c.discover_page(501)
    # The server's own answer to page 501 is the real error (code 22).
    with pytest.raises(TMDbRequestError, match=r"HTTP 400.*status_code 22"):
        c.get("/discover/movie", {"page": 501})


def test_dates_come_from_the_server(simulator):
    resp = client(simulator).genre_list()
    assert resp.date == dt.datetime(2025, 3, 2, 0, 5, tzinfo=dt.UTC) or (
        dt.timedelta(0)
        <= resp.date - dt.datetime(2025, 3, 2, 0, 5, tzinfo=dt.UTC)
        < dt.timedelta(minutes=5)
    )


def test_retries_429_and_5xx_then_succeeds(simulator):
    admin_post(simulator, "faults", {"fail_next": [429, 500, 503]})
    c = client(simulator, max_retries=5)
    resp = c.genre_list()
    assert len(resp.data["genres"]) == 19
    s = c.stats.as_dict()
    assert s["requests"] == 4 and s["retries"] == 3 and s["http_429"] == 1 and s["http_5xx"] == 2


def test_429_without_retry_after_still_backs_off(simulator):
    admin_post(simulator, "faults", {"fail_next": [429, 429], "retry_after": False})
    c = client(simulator, max_retries=3)
    assert c.countries().data
    assert c.stats.http_429 == 2


def test_retry_after_is_honoured(simulator):
    admin_post(simulator, "faults", {"fail_next": [429]})
    c = client(simulator, max_retries=2)
    t0 = dt.datetime.now()
    c.languages()
    assert (dt.datetime.now() - t0).total_seconds() >= 1.0  # the simulator sends Retry-After: 1


def test_gives_up_after_max_retries_with_a_clear_error(simulator):
    admin_post(simulator, "faults", {"fail_next": [500, 500, 500]})
    c = client(simulator, max_retries=2)
    with pytest.raises(TMDbUnavailableError, match=r"kept failing.*HTTP 500.*after 2 retries"):
        c.genre_list()


def test_401_fails_at_once_naming_the_variable_not_the_token(caplog):
    with RunningSimulator(SimulatorConfig(movies=50, token="the-right-one", date=DAY1)) as sim:
        c = client(sim, max_retries=5)
        with caplog.at_level(logging.DEBUG), pytest.raises(TMDbAuthError) as err:
            c.genre_list()
        assert "TMDB_API_TOKEN" in str(err.value) and "status_code 7" in str(err.value)
        assert SECRET not in str(err.value) and SECRET not in caplog.text
        assert c.stats.requests == 1  # no retry on 401
        assert admin_state(sim)["stats"]["by_status"] == {"401": 1}


def test_empty_token_is_refused_before_any_request():
    with pytest.raises(TMDbAuthError, match="TMDB_API_TOKEN is empty"):
        TMDbClient("  ", "http://127.0.0.1:9/3")


def test_404_is_not_found_not_a_crash(simulator):
    c = client(simulator)
    deleted = next(m.id for m in simulator.state.catalog.movies if m.deleted)
    assert c.movie_details(deleted) is None
    assert c.movie_details(999_999_999) is None
    assert c.stats.not_found == 2


def test_details_with_credits(simulator):
    resp = client(simulator).movie_details(550, ["credits"])
    assert resp.data["title"] == "Fight Club"
    assert resp.data["credits"]["cast"][0]["name"]


def test_unreachable_api_is_reported(caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = TMDbClient(SECRET, f"http://127.0.0.1:{port}/3", max_retries=1, backoff_max_s=0.1)
    with (
        caplog.at_level(logging.DEBUG),
        pytest.raises(TMDbUnavailableError, match="ConnectionError"),
    ):
        c.genre_list()
    assert c.stats.connection_errors == 2
    assert SECRET not in caplog.text


def test_rate_limit_compliance_measured_on_the_server():
    with RunningSimulator(SimulatorConfig(movies=300, rate_limit=25, date=DAY1)) as sim:
        c = TMDbClient(SECRET, sim.base_url, rate_limit_per_second=20, max_concurrency=8)
        ids = [m.id for m in sim.state.catalog.movies[:60]]  # 404s count as requests too
        results = dict(c.fetch_details(ids))
        assert set(results) == set(ids)
        stats = admin_state(sim)["stats"]
        assert stats["requests"] == 60
        assert stats["max_requests_in_1s"] <= 21  # one token of slack for timer granularity
        assert stats["by_status"].get("429", 0) == 0
        assert c.stats.http_429 == 0


def test_a_429_slows_the_whole_pool():
    # A server limit below the client's: 429s happen, every request still succeeds.
    with RunningSimulator(SimulatorConfig(movies=200, rate_limit=10, date=DAY1)) as sim:
        c = TMDbClient(
            SECRET, sim.base_url, rate_limit_per_second=40, max_concurrency=8, max_retries=8
        )
        ids = [m.id for m in sim.state.catalog.movies[:40] if not m.deleted and m.added <= DAY1]
        results = dict(c.fetch_details(ids))
        assert all(results[i] is not None for i in ids)
        assert c.stats.http_429 > 0


def test_changes_paging_stops_on_an_empty_page(simulator):
    c = client(simulator)
    ids = list(c.iter_changes(dt.date(2025, 2, 1), dt.date(2025, 3, 1)))  # 29 days: 3 windows
    expected = {
        i for i, _ in simulator.state.catalog.changed_ids(dt.date(2025, 2, 1), dt.date(2025, 3, 1))
    }
    assert set(ids) == expected and len(ids) > 100
    # Changes windows above 14 days are the API's error 20.
    with pytest.raises(TMDbRequestError, match="status_code 20"):
        c.get("/movie/changes", {"start_date": "2025-01-01", "end_date": "2025-02-01"})
