"""What the dashboard shows, as pandas data frames, read from the analytics views only.

Every query is filtered by day or movie (the views push those filters down to the fact's
indexes) and reads nothing from schema raw. The Streamlit app caches each result per latest
loaded day, so a page is computed once per new day of data.
"""

import datetime as dt
import os
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

# The dashboard is a package of its own: it imports nothing from the pipeline (import-linter's
# independence contract), so the two or three lines it shares with it are its own.


class NoDatabaseError(RuntimeError):
    """Neither URL is set: the dashboard was not started by `tmdb-assets viz`."""


def normalize_url(url: str) -> str:
    """Plain postgresql:// URLs with the installed driver (SQLAlchemy 2.1 assumes psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def database_url() -> str:
    """TMDB_DASHBOARD_DATABASE_URL (set by `tmdb-assets viz`: the read-only login), else
    TMDB_DATABASE_URL."""
    for name in ("TMDB_DASHBOARD_DATABASE_URL", "TMDB_DATABASE_URL"):
        url = os.environ.get(name, "").strip()
        if url:
            return normalize_url(url)
    raise NoDatabaseError(
        "No warehouse to read: start the dashboard with `tmdb-assets viz` (it starts the embedded "
        "PostgreSQL and passes the read-only login), or set TMDB_DATABASE_URL."
    )


def engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def ping(engine: Engine) -> None:
    """One light query: raises DBAPIError when the warehouse cannot be reached."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def display(url: str) -> str:
    """The URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


def frame(engine: Engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(text(sql), params)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


@dataclass(frozen=True)
class Freshness:
    latest: dt.date
    latest_id: int
    previous: dt.date | None
    previous_id: int | None
    first: dt.date
    days: int
    late_capture: bool
    captured_at: dt.datetime | None


def freshness(engine: Engine) -> Freshness | None:
    """The latest loaded day, the one before, the range available; None: nothing loaded."""
    # The two latest days first (an index read), then their KPIs: a constant list of days is
    # pushed down into the view's grouping; a subquery would aggregate every day first.
    latest_two = [
        int(d)
        for d in frame(
            engine, "SELECT date_id FROM warehouse.dim_date ORDER BY date_id DESC LIMIT 2"
        ).date_id
    ]
    days = frame(
        engine,
        "SELECT date_id, full_date, late_capture, captured_at FROM warehouse.vw_daily_kpis "
        "WHERE date_id = ANY(:ids) ORDER BY date_id DESC",
        ids=latest_two,
    )
    if days.empty:
        return None
    span = frame(engine, "SELECT min(full_date) AS first, count(*) AS days FROM warehouse.dim_date")
    latest = days.iloc[0]
    previous = days.iloc[1] if len(days) > 1 else None
    return Freshness(
        latest=latest.full_date,
        latest_id=int(latest.date_id),
        previous=previous.full_date if previous is not None else None,
        previous_id=int(previous.date_id) if previous is not None else None,
        first=span.iloc[0]["first"],
        days=int(span.iloc[0]["days"]),
        late_capture=bool(latest.late_capture),
        captured_at=latest.captured_at,
    )


def kpis(engine: Engine, fresh: Freshness) -> pd.DataFrame:
    """movies, mean_popularity, new_movies of the latest day and the one before (by date_id)."""
    ids = [fresh.latest_id] + ([fresh.previous_id] if fresh.previous_id else [])
    return frame(
        engine,
        "SELECT date_id, full_date, movies, mean_popularity, new_movies "
        "FROM warehouse.vw_daily_kpis WHERE date_id = ANY(:ids) ORDER BY date_id DESC",
        ids=ids,
    )


def loaded_days(engine: Engine) -> pd.DataFrame:
    return frame(engine, "SELECT date_id, full_date FROM warehouse.dim_date ORDER BY date_id DESC")


def top_movies(engine: Engine, date_id: int, previous_id: int | None, n: int = 20) -> pd.DataFrame:
    """The day's top n by popularity; rank_change = yesterday's rank - today's (positive: up),
    empty where the movie was not in the previous day's top 100."""
    top = frame(
        engine,
        "SELECT t.popularity_rank AS rank, t.title, t.popularity, t.vote_average, t.vote_count, "
        "p.popularity_rank AS previous_rank, t.movie_id "
        "FROM warehouse.vw_top_movies t LEFT JOIN warehouse.vw_top_movies p "
        "ON p.movie_id = t.movie_id AND p.date_id = :prev "
        "WHERE t.date_id = :d AND t.popularity_rank <= :n ORDER BY t.popularity_rank",
        d=date_id,
        prev=previous_id or 0,
        n=n,
    )
    top["rank_change"] = (top["previous_rank"] - top["rank"]).astype("Int64")
    top["previous_rank"] = top["previous_rank"].astype("Int64")
    return top


def search_movies(engine: Engine, text_: str, limit: int = 20) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT movie_id, title, latest_date, popularity FROM warehouse.vw_movie_latest "
        "WHERE title ILIKE :q ORDER BY popularity DESC NULLS LAST LIMIT :n",
        q=f"%{text_}%",
        n=limit,
    )


def movie_history(engine: Engine, movie_ids: list[int]) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT full_date, movie_id, title, popularity FROM warehouse.vw_movie_daily "
        "WHERE movie_id = ANY(:ids) ORDER BY full_date, movie_id",
        ids=list(movie_ids),
    )


def genres_of_day(engine: Engine, date_id: int) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT genre, movies, mean_popularity FROM warehouse.vw_genre_popularity "
        "WHERE date_id = :d ORDER BY mean_popularity DESC",
        d=date_id,
    )


def genre_history(engine: Engine, genres: list[str]) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT full_date, genre, mean_popularity, movies FROM warehouse.vw_genre_popularity "
        "WHERE genre = ANY(:g) ORDER BY full_date, genre",
        g=list(genres),
    )


def continents(engine: Engine, date_id: int) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT continent, movies, mean_popularity, mean_vote_average "
        "FROM warehouse.vw_continent_popularity WHERE date_id = :d ORDER BY movies DESC",
        d=date_id,
    )


def genre_by_continent(engine: Engine, date_id: int) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT genre, continent, movies, mean_popularity "
        "FROM warehouse.vw_genre_continent_popularity WHERE date_id = :d",
        d=date_id,
    )


def top_people(engine: Engine, date_id: int, n: int = 20) -> pd.DataFrame:
    """The day's people ranked by the summed popularity of their movies and series in the
    day's sets."""
    return frame(
        engine,
        "SELECT person_id, name, known_for_department, movies, series, summed_popularity, "
        "mean_popularity FROM warehouse.vw_person_popularity WHERE date_id = :d "
        "ORDER BY summed_popularity DESC NULLS LAST, person_id LIMIT :n",
        d=date_id,
        n=n,
    )


def search_people(engine: Engine, date_id: int, text_: str, limit: int = 20) -> pd.DataFrame:
    """People of the day's movies whose name contains text_."""
    return frame(
        engine,
        "SELECT person_id, name, movies, summed_popularity FROM warehouse.vw_person_popularity "
        "WHERE date_id = :d AND name ILIKE :q ORDER BY summed_popularity DESC NULLS LAST LIMIT :n",
        d=date_id,
        q=f"%{text_}%",
        n=limit,
    )


def person_credits(engine: Engine, person_id: int) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT movie_id, title, credit, role FROM warehouse.vw_person_credits "
        "WHERE person_id = :p ORDER BY title, credit, role",
        p=person_id,
    )


def person_history(engine: Engine, person_id: int) -> pd.DataFrame:
    """The person's movies in each day's set and their summed popularity, every loaded day."""
    return frame(
        engine,
        "SELECT full_date, movies, summed_popularity FROM warehouse.vw_person_popularity "
        "WHERE person_id = :p ORDER BY full_date",
        p=person_id,
    )


# --- where to watch (issue 24) ----------------------------------------------------------------


def watch_countries(engine: Engine) -> pd.DataFrame:
    """Countries with movies to watch now, the most first."""
    return frame(
        engine,
        "SELECT iso_3166_1, coalesce(country, iso_3166_1) AS country, "
        "count(DISTINCT movie_id) AS movies FROM warehouse.vw_where_to_watch "
        "GROUP BY 1, 2 ORDER BY movies DESC, iso_3166_1",
    )


def providers_now(engine: Engine, country: str) -> pd.DataFrame:
    """A country's providers by the movies they offer now (any kind), with the kinds."""
    return frame(
        engine,
        "SELECT provider, count(DISTINCT movie_id) AS movies, "
        "string_agg(DISTINCT kind, ', ') AS kinds, min(display_priority) AS priority "
        "FROM warehouse.vw_where_to_watch WHERE iso_3166_1 = :c "
        "GROUP BY provider ORDER BY movies DESC, provider",
        c=country,
    )


def provider_history(engine: Engine, country: str, kind: str) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT full_date, provider, movies FROM warehouse.vw_provider_catalogue_daily "
        "WHERE iso_3166_1 = :c AND kind = :k ORDER BY full_date, provider",
        c=country,
        k=kind,
    )


def movies_to_watch(engine: Engine, country: str, text_: str, limit: int = 20) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT DISTINCT movie_id, title FROM warehouse.vw_movie_availability_history "
        "WHERE iso_3166_1 = :c AND title ILIKE :q ORDER BY title, movie_id LIMIT :n",
        c=country,
        q=f"%{text_}%",
        n=limit,
    )


def availability_history(engine: Engine, movie_id: int, country: str) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT provider, kind, valid_from, valid_to, last_observed_date, is_current "
        "FROM warehouse.vw_movie_availability_history WHERE movie_id = :m AND iso_3166_1 = :c "
        "ORDER BY provider, kind, valid_from",
        m=movie_id,
        c=country,
    )


# --- release calendar, momentum and trending (issue 24) ---------------------------------------


def release_calendar(engine: Engine, movie_ids: list[int]) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT title, country, premiere_date, first_theatrical_date, first_digital_date, "
        "certification FROM warehouse.vw_movie_release_calendar WHERE movie_id = ANY(:ids) "
        "ORDER BY title, coalesce(first_theatrical_date, premiere_date), country",
        ids=list(movie_ids),
    )


def momentum(engine: Engine, date_id: int, label: str, n: int = 10) -> pd.DataFrame:
    """The day's rising (or falling) movies of the discover window, the largest move first."""
    order = "DESC" if label == "rising" else "ASC"
    return frame(
        engine,
        "SELECT title, popularity, popularity_7d_ago, popularity_change_7d_pct, rank_change_7d, "
        "popularity_ma7 FROM warehouse.vw_movie_momentum WHERE date_id = :d AND momentum = :l "
        f"ORDER BY popularity_change_7d_pct {order}, movie_id LIMIT :n",
        d=date_id,
        l=label,
        n=n,
    )


def catalogue_movers(engine: Engine, direction: str, n: int = 10) -> pd.DataFrame:
    """The whole catalogue's movers of its latest export day."""
    return frame(
        engine,
        "SELECT full_date, rank, title, popularity, popularity_7d_ago, popularity_change_7d, "
        "ever_in_discover FROM warehouse.vw_catalogue_movers WHERE direction = :w AND "
        "date_id = (SELECT max(date_id) FROM warehouse.vw_catalogue_movers) "
        "ORDER BY rank LIMIT :n",
        w=direction,
        n=n,
    )


def trending(engine: Engine, date_id: int, window: str, n: int = 20) -> pd.DataFrame:
    return frame(
        engine,
        "SELECT trending_rank, title, popularity_rank, trending_popularity "
        "FROM warehouse.vw_trending_daily WHERE date_id = :d AND time_window = :w "
        "ORDER BY trending_rank LIMIT :n",
        d=date_id,
        w=window,
        n=n,
    )


# --- TV series (issue 25) ---------------------------------------------------------------------


def tv_days(engine: Engine) -> pd.DataFrame:
    """The days with TV series loaded, newest first (TV may start later than the movies, or be
    left out: `tmdb-assets run --no-tv`)."""
    return frame(
        engine,
        "SELECT d.date_id, d.full_date FROM warehouse.dim_date d WHERE EXISTS "
        "(SELECT 1 FROM warehouse.vw_tv_top t WHERE t.date_id = d.date_id "
        "AND t.popularity_rank = 1) ORDER BY d.date_id DESC",
    )


def top_series(engine: Engine, date_id: int, n: int = 20) -> pd.DataFrame:
    """The day's top n TV series by popularity, with their networks."""
    return frame(
        engine,
        "SELECT popularity_rank AS rank, name, networks, popularity, vote_average, vote_count, "
        "first_air_date, status, tv_id FROM warehouse.vw_tv_top WHERE date_id = :d "
        "ORDER BY popularity_rank LIMIT :n",
        d=date_id,
        n=n,
    )


def tv_kpis(engine: Engine, date_id: int) -> pd.DataFrame:
    """The day's series and their mean popularity, from the top-100 view's day (a day of 100
    or fewer discovered series: every one of them)."""
    return frame(
        engine,
        "SELECT count(*) AS series, avg(popularity) AS mean_popularity "
        "FROM warehouse.vw_tv_top WHERE date_id = :d",
        d=date_id,
    )


def network_history(engine: Engine, latest_id: int, n: int = 8) -> pd.DataFrame:
    """Every loaded day of the n networks whose series were most popular on the latest day:
    series aired and their summed popularity."""
    return frame(
        engine,
        "WITH top AS (SELECT network_id FROM warehouse.vw_network_popularity "
        "WHERE date_id = :d ORDER BY total_popularity DESC, network_id LIMIT :n) "
        "SELECT v.full_date, v.network, v.series, v.total_popularity, v.mean_popularity "
        "FROM warehouse.vw_network_popularity v JOIN top USING (network_id) "
        "ORDER BY v.full_date, v.network",
        d=latest_id,
        n=n,
    )


def search_series(engine: Engine, text_: str, limit: int = 20) -> pd.DataFrame:
    """Discovered series whose name (or original name) contains text_, most popular first."""
    return frame(
        engine,
        "SELECT tv_id, name, networks, number_of_seasons, number_of_episodes, status, popularity "
        "FROM warehouse.vw_tv_latest WHERE name ILIKE :q OR original_name ILIKE :q "
        "ORDER BY popularity DESC NULLS LAST, tv_id LIMIT :n",
        q=f"%{text_}%",
        n=limit,
    )


def series_history(engine: Engine, tv_id: int) -> pd.DataFrame:
    """A series over every day it was in the TV discover list: popularity, its 7-day moving
    average, rank and momentum label."""
    return frame(
        engine,
        "SELECT full_date, popularity, popularity_ma7, popularity_rank, momentum "
        "FROM warehouse.vw_tv_momentum WHERE tv_id = :t ORDER BY full_date",
        t=tv_id,
    )
