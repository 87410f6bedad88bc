"""The dashboard (tmdb_assets_viz/app.py) under Streamlit's AppTest, reading through the
read-only login a database the pipeline loaded from the simulator: every number it shows is
compared with SQL over the base tables."""

import contextlib
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tmdb_assets.db.embedded import normalize_url, with_database
from tmdb_assets.db.warehouse import Warehouse, dispose_engine
from tmdb_assets.defs.resources import QualityResource, TMDbResource, WarehouseResource
from tmdb_assets.warehouse.schema import forget as forget_migrated
from tmdb_assets.warehouse.schema import migrate
from tmdb_assets_tests.conftest import DAY1, DAY2
from tmdb_assets_tests.helpers import WITH_TV, materialize_day, materialize_seed
from tmdb_simulator.server import RunningSimulator, SimulatorConfig

APP = str(Path(__file__).resolve().parents[1] / "tmdb_assets_viz" / "app.py")
READER = f"dash_{uuid.uuid4().hex[:8]}"

pytestmark = pytest.mark.xdist_group("dashboard")


def _admin(server_url: str):
    return create_engine(with_database(server_url, "postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")  # kept for the run: xdist interleaves modules
def loaded(pg_server_url) -> Iterator[str]:
    """Two days loaded by the pipeline; yields the database URL (the warehouse's own user)."""
    name = f"tmdb_dash_{uuid.uuid4().hex[:10]}"
    admin = _admin(pg_server_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = with_database(pg_server_url, name)
    os.environ["TMDB_READER_USER"] = READER
    try:
        with RunningSimulator(SimulatorConfig(movies=300, seed=7, rate_limit=0, date=DAY1)) as sim:
            resources = {
                "tmdb": TMDbResource(
                    api_token="t",
                    base_url=sim.base_url,
                    discover_pages=4,
                    rate_limit_per_second=500,
                ),
                "warehouse": WarehouseResource(database_url=url),
                "quality": QualityResource(freshness_hours=1e9),
            }
            materialize_seed(resources)
            materialize_day(resources, DAY1, sim, selection=WITH_TV)
            materialize_day(resources, DAY2, sim, selection=WITH_TV)
    finally:
        del os.environ["TMDB_READER_USER"]
    dispose_engine(url)
    forget_migrated(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f"DROP ROLE IF EXISTS {READER}"))


def as_reader(url: str) -> str:
    return make_url(normalize_url(url)).set(username=READER).render_as_string(hide_password=False)


def run_app(url: str, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TMDB_DASHBOARD_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_kpis_match_the_base_tables(loaded, monkeypatch):
    at = run_app(as_reader(loaded), monkeypatch)
    wh = Warehouse(normalize_url(loaded))
    expected = {}
    for day in (DAY1, DAY2):
        did = int(day.strftime("%Y%m%d"))
        expected[day] = wh.rows(
            "SELECT count(*), avg(f.popularity), "
            "count(*) FILTER (WHERE m.first_seen_date = :day) "
            "FROM warehouse.fact_movie_daily f JOIN warehouse.dim_movie m USING (movie_id) "
            "WHERE f.date_id = :d",
            d=did,
            day=day,
        )[0]
    (movies2, mean2, new2), (movies1, mean1, new1) = expected[DAY2], expected[DAY1]
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Movies tracked"] == (f"{movies2:,}", f"{movies2 - movies1:+,}")
    assert metrics["Mean popularity"] == (f"{mean2:.2f}", f"{mean2 - mean1:+.2f}")
    assert metrics["New movies"] == (f"{new2:,}", f"{new2 - new1:+,}")
    assert 0 < new2 < movies2 and new1 == movies1  # day 1: every movie is new
    assert f"Latest loaded day: {DAY2}" in at.markdown[0].value
    assert f"2 days available, {DAY1} to {DAY2}" in at.markdown[0].value
    assert not at.warning  # no late capture


def test_top_movies_and_rank_movement_match_sql(loaded, monkeypatch):
    at = run_app(as_reader(loaded), monkeypatch)
    wh = Warehouse(normalize_url(loaded))
    ranked = """
        SELECT f.movie_id, m.title, f.popularity,
               row_number() OVER (ORDER BY f.popularity DESC NULLS LAST, f.movie_id) AS rank
        FROM warehouse.fact_movie_daily f JOIN warehouse.dim_movie m USING (movie_id)
        WHERE f.date_id = :d
    """
    today = wh.rows(f"SELECT * FROM ({ranked}) r ORDER BY rank LIMIT 20", d=20250302)
    before = {r[0]: r[3] for r in wh.rows(ranked, d=20250301) if r[3] <= 100}
    table = at.dataframe[0].value
    assert list(table["title"]) == [r[1] for r in today]
    assert list(table["rank"]) == [r[3] for r in today]
    assert [round(p, 6) for p in table["popularity"]] == [round(r[2], 6) for r in today]
    changes = [None if before.get(r[0]) is None else before[r[0]] - r[3] for r in today]
    shown = [None if str(v) == "<NA>" else int(v) for v in table["rank_change"]]
    assert shown == changes and any(c not in (None, 0) for c in changes)
    # Another day chosen: that day's list.
    at.selectbox[0].select(str(DAY1)).run()
    first = wh.rows(f"SELECT title FROM ({ranked}) r ORDER BY rank LIMIT 20", d=20250301)
    assert list(at.dataframe[0].value["title"]) == [r[0] for r in first]


def test_continents_and_movie_search(loaded, monkeypatch):
    at = run_app(as_reader(loaded), monkeypatch)
    wh = Warehouse(normalize_url(loaded))
    expected = wh.rows(
        "SELECT c.continent, count(DISTINCT f.movie_id) FROM warehouse.fact_movie_daily f "
        "JOIN warehouse.bridge_movie_country bc USING (movie_id) "
        "JOIN warehouse.dim_country c USING (iso_3166_1) "
        "WHERE f.date_id = 20250302 AND c.continent IS NOT NULL GROUP BY 1"
    )
    table = at.dataframe[-1].value  # the last table of the page
    assert dict(zip(table["continent"], table["movies"], strict=True)) == dict(expected)
    title = wh.scalar(
        "SELECT m.title FROM warehouse.fact_movie_daily f JOIN warehouse.dim_movie m "
        "USING (movie_id) WHERE f.date_id = 20250302 ORDER BY f.popularity DESC LIMIT 1"
    )
    at.text_input(key="title").input(title[:8]).run()
    assert not at.exception
    picked = at.multiselect(key="movies").value
    assert any(p.startswith(title) for p in picked)
    # The picked movies' release calendar, as the bridge states it.
    ids = [int(p.rsplit("(", 1)[1].rstrip(")")) for p in picked]
    releases = wh.scalar(
        "SELECT count(DISTINCT (movie_id, iso_3166_1)) FROM warehouse.bridge_movie_release "
        "WHERE movie_id = ANY(:ids)",
        ids=ids,
    )
    calendar = [d.value for d in at.dataframe if "first_theatrical_date" in d.value.columns]
    assert releases > 0 and len(calendar) == 1 and len(calendar[0]) == releases


def test_trending_and_momentum_match_sql(loaded, monkeypatch):
    at = run_app(as_reader(loaded), monkeypatch)
    wh = Warehouse(normalize_url(loaded))
    expected = wh.rows(
        "SELECT t.rank, m.title, f.discover_rank FROM warehouse.fact_trending_daily t "
        "JOIN warehouse.dim_movie m USING (movie_id) LEFT JOIN warehouse.fact_movie_daily f "
        "ON f.date_id = t.date_id AND f.movie_id = t.movie_id "
        "WHERE t.date_id = 20250302 AND t.time_window = 'day' ORDER BY t.rank LIMIT 20"
    )
    (table,) = [d.value for d in at.dataframe if "trending_rank" in d.value.columns]
    assert list(table["trending_rank"]) == [r[0] for r in expected] == list(range(1, 21))
    assert list(table["title"]) == [r[1] for r in expected]
    shown = [None if str(v) in ("<NA>", "nan") else int(v) for v in table["popularity_rank"]]
    assert shown == [r[2] for r in expected]
    # Two days loaded: no movie has its day 7 days before, so no momentum label, and it says so.
    labelled = wh.scalar(
        "SELECT count(*) FROM warehouse.vw_movie_momentum WHERE momentum IS NOT NULL"
    )
    assert labelled == 0
    assert any("No rising movie" in c.value for c in at.caption)


def test_where_to_watch_page_matches_sql(loaded, monkeypatch):
    at = run_app(as_reader(loaded), monkeypatch)
    at.sidebar.radio(key="page").set_value("Where to watch").run()
    assert not at.exception, at.exception
    wh = Warehouse(normalize_url(loaded))
    country = wh.rows(
        "SELECT iso_3166_1, count(DISTINCT movie_id) FROM warehouse.fact_watch_availability "
        "WHERE valid_to IS NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
    )[0][0]
    assert at.selectbox(key="watch_country").value.endswith(f"({country})")
    providers = wh.rows(
        "SELECT p.name, count(DISTINCT a.movie_id) FROM warehouse.fact_watch_availability a "
        "JOIN warehouse.dim_watch_provider p USING (provider_id) "
        "WHERE a.valid_to IS NULL AND a.iso_3166_1 = :c GROUP BY p.name ORDER BY 2 DESC, 1",
        c=country,
    )
    (table,) = [d.value for d in at.dataframe if "kinds" in d.value.columns]
    assert list(zip(table["provider"], table["movies"], strict=True)) == providers
    assert any(f"**{providers[0][0]}**" in m.value for m in at.markdown)
    # A movie's history there: all its rows, current and closed.
    movie_id = int(at.selectbox(key="watch_movie").value.rsplit("(", 1)[1].rstrip(")"))
    history = wh.scalar(
        "SELECT count(*) FROM warehouse.fact_watch_availability WHERE movie_id = :m "
        "AND iso_3166_1 = :c",
        m=movie_id,
        c=country,
    )
    assert len(at.dataframe[-1].value) == history > 0
    # Another kind: the page draws its history per provider.
    at.radio(key="watch_kind").set_value("rent").run()
    assert not at.exception


def test_people_page_matches_sql(loaded, monkeypatch):
    at = run_app(as_reader(loaded), monkeypatch)
    at.sidebar.radio(key="page").set_value("People").run()
    assert not at.exception, at.exception
    wh = Warehouse(normalize_url(loaded))
    # Each person's distinct movies and series of the day and their summed popularity, from
    # the base tables.
    expected = wh.rows(
        """
        WITH c AS (SELECT 'm' AS k, movie_id AS id, person_id FROM warehouse.bridge_movie_cast
                   UNION SELECT 'm', movie_id, person_id FROM warehouse.bridge_movie_crew
                   UNION SELECT 't', tv_id, person_id FROM warehouse.bridge_tv_cast
                   UNION SELECT 't', tv_id, person_id FROM warehouse.bridge_tv_crew),
        f AS (SELECT 'm' AS k, movie_id AS id, popularity FROM warehouse.fact_movie_daily
              WHERE date_id = 20250302
              UNION ALL SELECT 't', tv_id, popularity FROM warehouse.fact_tv_daily
              WHERE date_id = 20250302)
        SELECT p.name, count(*) FILTER (WHERE f.k = 'm'), count(*) FILTER (WHERE f.k = 't'),
               sum(f.popularity)
        FROM f JOIN c USING (k, id) JOIN warehouse.dim_person p USING (person_id)
        GROUP BY p.person_id, p.name ORDER BY sum(f.popularity) DESC, p.person_id LIMIT 20
        """
    )
    table = at.dataframe[0].value
    assert list(table["name"]) == [r[0] for r in expected]
    assert list(table["movies"]) == [r[1] for r in expected]
    assert list(table["series"]) == [r[2] for r in expected]
    assert [round(v, 6) for v in table["summed_popularity"]] == [round(r[3], 6) for r in expected]
    assert f"Top person on {DAY2}: **{expected[0][0]}**" in at.markdown[1].value
    # The top person's credits, and their movies' popularity over both days.
    person = wh.scalar("SELECT person_id FROM warehouse.dim_person WHERE name = :n LIMIT 1",
                       n=expected[0][0])  # fmt: skip
    credits = wh.rows(
        "SELECT m.title FROM warehouse.bridge_movie_cast c JOIN warehouse.dim_movie m "
        "USING (movie_id) WHERE c.person_id = :p UNION ALL SELECT m.title FROM "
        "warehouse.bridge_movie_crew c JOIN warehouse.dim_movie m USING (movie_id) "
        "WHERE c.person_id = :p",
        p=person,
    )
    assert sorted(at.dataframe[1].value["title"]) == sorted(r[0] for r in credits)
    # A search by part of a name finds the person; a name nobody has says so.
    at.text_input(key="person").input(expected[1][0][:6]).run()
    assert any(expected[1][0] in o for o in at.selectbox(key="person_pick").options)
    at.text_input(key="person").input("zzqx").run()
    assert "has a name containing 'zzqx'" in at.caption[-1].value


def test_tv_page_matches_sql(loaded, monkeypatch):
    at = run_app(as_reader(loaded), monkeypatch)
    at.sidebar.radio(key="page").set_value("TV series").run()
    assert not at.exception, at.exception
    wh = Warehouse(normalize_url(loaded))
    assert at.selectbox(key="tv_day").options == [str(DAY2), str(DAY1)]
    count, mean = wh.rows(
        "SELECT count(*), avg(popularity) FROM warehouse.fact_tv_daily WHERE date_id = 20250302"
    )[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Series tracked"] == f"{min(count, 100):,}" and count <= 100
    assert metrics["Mean popularity"] == f"{mean:.2f}"
    expected = wh.rows(
        "SELECT s.name, f.popularity FROM warehouse.fact_tv_daily f "
        "JOIN warehouse.dim_tv_series s USING (tv_id) WHERE f.date_id = 20250302 "
        "ORDER BY f.popularity DESC NULLS LAST, f.tv_id LIMIT 20"
    )
    table = at.dataframe[0].value
    assert list(table["name"]) == [r[0] for r in expected]
    assert [round(v, 6) for v in table["popularity"]] == [round(r[1], 6) for r in expected]
    assert f"Top series on {DAY2}: **{expected[0][0]}**" in at.markdown[1].value
    hbo = wh.scalar(
        "SELECT count(*) FROM warehouse.fact_tv_daily f JOIN warehouse.bridge_tv_network b "
        "USING (tv_id) WHERE f.date_id = 20250302 AND b.network_id = 49"
    )
    assert hbo > 0  # Game of Thrones at least: the networks chart has HBO
    # A series found by name: its days in the discover list, with its momentum view's figures.
    at.text_input(key="series").input("Thrones").run()
    assert at.selectbox(key="series_pick").options == ["Game of Thrones (1399)"]
    assert "2 day(s) in the TV discover list" in at.caption[-1].value
    at.text_input(key="series").input("zzqx").run()
    assert "No discovered series has a name containing 'zzqx'" in at.caption[-1].value


def test_an_empty_warehouse_says_how_to_load_a_day(database_url, monkeypatch):
    migrate(Warehouse(normalize_url(database_url)))
    at = run_app(database_url, monkeypatch)
    assert "no loaded day yet" in at.info[0].value and "tmdb-assets run" in at.info[0].value
    assert not at.metric


def test_an_unreachable_database_says_what_to_do(monkeypatch):
    at = run_app("postgresql://tmdb:secret-pw@127.0.0.1:1/tmdb", monkeypatch)
    message = at.error[0].value
    assert "cannot be reached at" in message and "127.0.0.1:1" in message
    assert "secret-pw" not in message and "TMDB_DATABASE_URL" in message


def test_a_single_late_day_shows_no_changes_and_warns(database_url, monkeypatch):
    with RunningSimulator(SimulatorConfig(movies=120, seed=3, rate_limit=0, date=DAY1)) as sim:
        resources = {
            "tmdb": TMDbResource(
                api_token="t", base_url=sim.base_url, discover_pages=2, rate_limit_per_second=500
            ),
            "warehouse": WarehouseResource(database_url=database_url),
            "quality": QualityResource(freshness_hours=1e9),
        }
        materialize_seed(resources)
        materialize_day(resources, DAY1, sim)
    wh = Warehouse(normalize_url(database_url))
    with wh.begin() as conn:  # as a late capture would be recorded
        conn.execute(text("UPDATE warehouse.fact_movie_daily SET late_capture = true"))
    at = run_app(database_url, monkeypatch)
    assert "One day loaded" in at.caption[0].value
    assert [m.delta for m in at.metric] == ["", "", ""]
    assert f"{DAY1} is a late capture" in at.warning[0].value
    assert "1 day available" in at.markdown[0].value


@pytest.mark.slow
def test_the_dashboard_in_a_real_browser(loaded, tmp_path):
    """`tmdb-assets viz` served on 127.0.0.1 and opened in Debian's headless Chromium through
    Playwright (no browser download); the page is shot once its charts are drawn."""
    from tmdb_assets_tests.screenshots import CHROMIUM, running_dashboard, shoot_dashboard

    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} missing: apt-get install chromium (CI installs it)")
    shot, people_shot = tmp_path / "dashboard.png", tmp_path / "dashboard_people.png"
    watch_shot, tv_shot = tmp_path / "dashboard_watch.png", tmp_path / "dashboard_tv.png"
    with running_dashboard(loaded, READER) as dashboard:
        page = shoot_dashboard(dashboard, shot)
        people = shoot_dashboard(dashboard, people_shot, people=True)
        watch = shoot_dashboard(dashboard, watch_shot, watch=True)
        tv = shoot_dashboard(dashboard, tv_shot, tv=True)
    wh = Warehouse(normalize_url(loaded))
    top = wh.scalar(
        "SELECT m.title FROM warehouse.fact_movie_daily f JOIN warehouse.dim_movie m "
        "USING (movie_id) WHERE f.date_id = 20250302 "
        "ORDER BY f.popularity DESC NULLS LAST, f.movie_id LIMIT 1"
    )
    assert page["title"] == "TMDb daily popularity"
    assert f"Latest loaded day: {DAY2}" in page["text"]
    assert top in page["text"]
    assert page["charts"] >= 3  # genres over time, continents, the heat map
    assert shot.stat().st_size > 20_000
    top_person = wh.scalar(
        "SELECT name FROM warehouse.vw_person_popularity WHERE date_id = 20250302 "
        "ORDER BY summed_popularity DESC NULLS LAST, person_id LIMIT 1"
    )
    assert f"Top person on {DAY2}: {top_person}" in people["text"] and people["charts"] >= 2
    top_provider = wh.scalar(
        "SELECT provider FROM warehouse.vw_where_to_watch WHERE iso_3166_1 = (SELECT iso_3166_1 "
        "FROM warehouse.vw_where_to_watch GROUP BY 1 ORDER BY count(DISTINCT movie_id) DESC, 1 "
        "LIMIT 1) GROUP BY 1 ORDER BY count(DISTINCT movie_id) DESC, 1 LIMIT 1"
    )
    assert "Most movies in" in watch["text"] and top_provider in watch["text"]
    assert watch["charts"] >= 2 and watch_shot.stat().st_size > 20_000
    top_series = wh.scalar(
        "SELECT name FROM warehouse.vw_tv_top WHERE date_id = 20250302 AND popularity_rank = 1"
    )
    assert (
        f"Top series on {DAY2}: {top_series}" in tv["text"] and "Networks over time" in tv["text"]
    )
    assert tv["charts"] >= 2 and tv_shot.stat().st_size > 20_000
    if os.environ.get("TMDB_UPDATE_SCREENSHOTS"):  # the README's pictures
        docs = Path(APP).parents[1] / "docs" / "screenshots"
        shutil.copyfile(shot, docs / "dashboard.png")
        shutil.copyfile(people_shot, docs / "dashboard_people.png")
        shutil.copyfile(watch_shot, docs / "dashboard_watch.png")
        shutil.copyfile(tv_shot, docs / "dashboard_tv.png")


class TcpProxy:
    """A TCP forwarder to PostgreSQL that the test can take away (a database that goes down:
    connections cut, new ones refused)."""

    def __init__(self, url):
        # TCP, or the embedded server's Unix socket (its directory in the URL's `host` query).
        directory = url.query.get("host")
        if directory:
            self.target = f"{directory}/.s.PGSQL.{url.port or 5432}"
        else:
            self.target = (url.host or "127.0.0.1", url.port or 5432)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if isinstance(self.target, str):
                server = socket.socket(socket.AF_UNIX)
                server.connect(self.target)
            else:
                server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # wakes the blocked accept(): nothing listens
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def test_without_its_database_the_dashboard_says_its_figures_are_cached_and_how_old(
    loaded, monkeypatch
):
    """The warehouse goes away under a running dashboard: the next rerun says so at once,
    shows the cached figures saying they are cached and their age, and a figure that is not in
    the cache is a message, never a traceback."""
    target = make_url(as_reader(loaded))
    proxy = TcpProxy(target)
    url = target.set(host="127.0.0.1", port=proxy.port, query={}).render_as_string(
        hide_password=False
    )
    at = run_app(url, monkeypatch)
    before = {m.label: m.value for m in at.metric}
    assert before and not at.warning, [e.value for e in at.error]
    proxy.stop()
    at.run()
    assert not at.exception, at.exception
    (warning,) = [w.value for w in at.warning]
    assert "cannot be reached" in warning and "**cached**" in warning and " s ago)" in warning
    assert {m.label: m.value for m in at.metric} == before  # the same figures, from the cache
    at.sidebar.radio[0].set_value("People").run()
    assert not at.exception, at.exception
    assert any("not in the cache" in e.value for e in at.error)
