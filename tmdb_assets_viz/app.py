"""TMDb daily popularity: the analysts' dashboard (`tmdb-assets viz`).

Reads the warehouse's analytics views only, through the read-only login when
`tmdb-assets viz` sets one up. Every query result is cached per latest loaded day.
"""

import datetime as dt

import altair as alt
import streamlit as st
from sqlalchemy.exc import DBAPIError

from tmdb_assets_viz import data

TITLE = "TMDb daily popularity"


def _age(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    return f"{seconds // 60} min" if seconds < 7200 else f"{seconds // 3600} h"


st.set_page_config(page_title=TITLE, layout="wide")
st.title(TITLE)

try:
    url = data.database_url()
except data.NoDatabaseError as exc:
    st.error(str(exc))
    st.stop()


@st.cache_resource
def engine(url: str):
    return data.engine_for(url)


@st.cache_resource
def last_read() -> dict:
    """Per URL, the freshness last read from the warehouse and when (kept for as long as the
    server runs): what the page says it shows when the warehouse goes away."""
    return {}


@st.cache_data(ttl=60)
def freshness(url: str):
    return data.freshness(engine(url)), dt.datetime.now(dt.UTC)


# Everything below is keyed by the latest loaded day: a new day's load refreshes the page.
@st.cache_data
def cached(name: str, url: str, latest_id: int, *args):
    return getattr(data, name)(engine(url), *args)


def unreachable(exc: DBAPIError) -> str:
    first = (str(exc.orig or exc).strip().splitlines() or ["no answer"])[0]
    return f"The warehouse cannot be reached at {data.display(url)}: {first}."


# The warehouse is asked on every rerun (one light query), so the page knows at once when it
# is gone; its figures then come from the cache, saying so and how old they are.
try:
    data.ping(engine(url))
    fresh, read_at = freshness(url)
    last_read()[url] = (fresh, read_at)
    gone = None
except DBAPIError as exc:
    gone = unreachable(exc)
    if url not in last_read():
        st.error(
            f"{gone}\n\nStart its PostgreSQL (`tmdb-assets run --simulator` starts the embedded "
            "one and loads the demo), or set TMDB_DATABASE_URL, then reload this page."
        )
        st.stop()
    fresh, read_at = last_read()[url]
    age = dt.datetime.now(dt.UTC) - read_at
    st.warning(
        f"{gone} The figures below are **cached**: what the warehouse held at "
        f"{read_at:%Y-%m-%d %H:%M:%S} UTC ({_age(age)} ago); anything not cached cannot be "
        "shown. Reload once the warehouse is back."
    )

if fresh is None:
    st.info(
        "The warehouse has no loaded day yet. Load one, then reload this page: "
        "`tmdb-assets run --simulator` (the demo, against the local TMDb simulator) or "
        "`tmdb-assets run` (the real TMDb, with TMDB_API_TOKEN set)."
    )
    st.stop()

# --- freshness ---------------------------------------------------------------------------------
st.markdown(
    f"**Latest loaded day: {fresh.latest}** · {fresh.days} day{'s' if fresh.days != 1 else ''} "
    f"available, {fresh.first} to {fresh.latest}"
)
if fresh.late_capture:
    st.warning(
        f"{fresh.latest} is a late capture: TMDb's state when it was captured "
        f"({fresh.captured_at:%Y-%m-%d %H:%M} UTC), not at the end of that day."
    )
key = (url, fresh.latest_id)


def movies_page() -> None:
    # --- KPIs --------------------------------------------------------------------------------------
    k = cached("kpis", *key, fresh)
    today = k.iloc[0]
    before = k.iloc[1] if len(k) > 1 else None
    if before is None:
        st.caption("One day loaded: the changes appear from the second day on.")
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "Movies tracked",
        f"{int(today.movies):,}",
        None if before is None else f"{int(today.movies - before.movies):+,}",
    )
    c2.metric(
        "Mean popularity",
        f"{today.mean_popularity:.2f}",
        None if before is None else f"{today.mean_popularity - before.mean_popularity:+.2f}",
    )
    c3.metric(
        "New movies",
        f"{int(today.new_movies):,}",
        None if before is None else f"{int(today.new_movies - before.new_movies):+,}",
        help="Movies in the day's discover list for the first time",
    )

    # --- top movies --------------------------------------------------------------------------------
    st.header("Top movies")
    days = cached("loaded_days", *key)
    labels = [str(d) for d in days.full_date]
    chosen = st.selectbox("Day", labels, index=0)
    row = days.iloc[labels.index(chosen)]
    position = labels.index(chosen)
    previous_id = int(days.iloc[position + 1].date_id) if position + 1 < len(days) else None
    top = cached("top_movies", *key, int(row.date_id), previous_id)
    if not top.empty:
        st.markdown(f"Number 1 on {chosen}: **{top.iloc[0].title}**")
    st.dataframe(
        top[["rank", "title", "popularity", "rank_change", "vote_average", "vote_count"]],
        hide_index=True,
        column_config={
            "rank_change": st.column_config.NumberColumn(
                "rank change",
                help="Places gained since the previous day (empty: new in the top 100)",
            ),
            "popularity": st.column_config.NumberColumn(format="%.2f"),
        },
    )

    # --- trending and momentum ----------------------------------------------------------------
    trend = cached("trending", *key, int(row.date_id), "day")
    if not trend.empty:
        st.subheader(f"Trending on {chosen}, beside the popularity rank")
        st.dataframe(
            trend,
            hide_index=True,
            column_config={
                "trending_rank": "trending rank",
                "popularity_rank": st.column_config.NumberColumn(
                    "popularity rank", help="Its place in the discover list (empty: outside it)"
                ),
                "trending_popularity": st.column_config.NumberColumn("popularity", format="%.2f"),
            },
        )
    momentum_section(int(row.date_id), chosen)

    # --- over time ---------------------------------------------------------------------------------
    st.header("Popularity over time")
    genres_today = cached("genres_of_day", *key, fresh.latest_id)
    picked = st.multiselect(
        "Genres", list(genres_today.genre), default=list(genres_today.genre[:3]), key="genres"
    )
    if picked:
        history = cached("genre_history", *key, tuple(picked))
        st.line_chart(
            history.assign(day=history.full_date.astype(str)),
            x="day",
            y="mean_popularity",
            color="genre",
        )
    query = st.text_input("Movies: search a title", key="title")
    if query:
        found = cached("search_movies", *key, query)
        options = {f"{r.title} ({r.movie_id})": int(r.movie_id) for r in found.itertuples()}
        movies = st.multiselect("Movies", list(options), default=list(options)[:3], key="movies")
        if movies:
            history = cached("movie_history", *key, [options[m] for m in movies])
            st.line_chart(
                history.assign(day=history.full_date.astype(str)),
                x="day",
                y="popularity",
                color="title",
            )
            calendar = cached("release_calendar", *key, [options[m] for m in movies])
            if not calendar.empty:
                st.caption("Release calendar, country by country (as TMDb states it now)")
                st.dataframe(calendar, hide_index=True)
        elif not options:
            st.caption(f"No movie title contains {query!r}.")

    # --- continents ----------------------------------------------------------------------------------
    st.header(f"Continents on {fresh.latest}")
    conts = cached("continents", *key, fresh.latest_id)
    left, right = st.columns(2)
    left.bar_chart(conts, x="continent", y="movies")
    right.dataframe(conts.round(2), hide_index=True)
    heat = cached("genre_by_continent", *key, fresh.latest_id)
    if not heat.empty:
        st.altair_chart(
            alt.Chart(heat)
            .mark_rect()
            .encode(
                x=alt.X("continent:N", title="continent"),
                y=alt.Y("genre:N", title="genre"),
                color=alt.Color("mean_popularity:Q", title="mean popularity"),
                tooltip=[
                    "genre",
                    "continent",
                    "movies",
                    alt.Tooltip("mean_popularity", format=".2f"),
                ],
            ),
            use_container_width=True,
        )


MOMENTUM_HELP = (
    "Popularity against 7 days before: rising at +25% or more, falling at -20% or less "
    "(the same factor either way); movies not in the window 7 days before have no label."
)
PERCENT = st.column_config.NumberColumn("change over 7 days", format="percent")


def momentum_section(date_id: int, chosen: str) -> None:
    st.subheader(f"Rising and falling on {chosen}", help=MOMENTUM_HELP)
    left, right = st.columns(2)
    for column, label in ((left, "rising"), (right, "falling")):
        moves = cached("momentum", *key, date_id, label)
        column.markdown(f"**{label.capitalize()}** in the discover window")
        if moves.empty:
            column.caption(f"No {label} movie: a label needs the movie's day 7 days before.")
        else:
            column.dataframe(
                moves[["title", "popularity", "popularity_7d_ago", "popularity_change_7d_pct"]],
                hide_index=True,
                column_config={"popularity_change_7d_pct": PERCENT},
            )
    movers = {d: cached("catalogue_movers", *key, d) for d in ("rising", "falling")}
    if not movers["rising"].empty or not movers["falling"].empty:
        day = (movers["rising"] if not movers["rising"].empty else movers["falling"]).full_date[0]
        st.markdown(f"**Across the whole catalogue** (TMDb's daily export of {day})")
        left, right = st.columns(2)
        for column, d in ((left, "rising"), (right, "falling")):
            column.dataframe(
                movers[d][["rank", "title", "popularity", "popularity_change_7d"]],
                hide_index=True,
            )


def watch_page() -> None:
    st.header("Where to watch")
    countries = cached("watch_countries", *key)
    if countries.empty:
        st.info(
            "No availability is loaded yet: it arrives with the movies' details (appended "
            "watch/providers), from the next details fetched."
        )
        return
    labels = [f"{r.country} ({r.iso_3166_1})" for r in countries.itertuples()]
    picked = st.selectbox("Country", labels, index=0, key="watch_country")
    country = countries.iloc[labels.index(picked)].iso_3166_1
    st.caption(
        "Observed when a movie's details are fetched (new, changed or older than "
        "TMDB_DETAILS_MAX_AGE_DAYS): each row says when it was last seen."
    )
    now = cached("providers_now", *key, country)
    st.markdown(f"Most movies in {picked} now: **{now.iloc[0].provider}**")
    left, right = st.columns(2)
    left.altair_chart(
        alt.Chart(now.head(12))
        .mark_bar()
        .encode(
            x=alt.X("movies:Q", title="movies now"),
            y=alt.Y("provider:N", sort="-x", title=None),
            tooltip=["provider", "movies", "kinds"],
        ),
        use_container_width=True,
    )
    right.dataframe(now[["provider", "movies", "kinds"]], hide_index=True)
    kind = st.radio(
        "Kind", ["flatrate", "rent", "buy", "free", "ads"], horizontal=True, key="watch_kind"
    )
    history = cached("provider_history", *key, country, kind)
    if history.empty:
        st.caption(f"No {kind} offer in {picked} in the history.")
    else:
        st.line_chart(
            history.assign(day=history.full_date.astype(str)), x="day", y="movies", color="provider"
        )
    st.subheader("A movie's availability over time")
    query = st.text_input("Search a title", key="watch_title")
    found = cached("movies_to_watch", *key, country, query or "")
    options = {f"{r.title} ({r.movie_id})": int(r.movie_id) for r in found.itertuples()}
    if not options:
        st.caption(f"No movie available in {picked} has a title containing {query!r}.")
        return
    movie = st.selectbox("Movie", list(options), index=0, key="watch_movie")
    st.dataframe(
        cached("availability_history", *key, options[movie], country),
        hide_index=True,
        column_config={"valid_to": st.column_config.DateColumn("valid to (exclusive)")},
    )


def people_page() -> None:
    st.header("People")
    days = cached("loaded_days", *key)
    labels = [str(d) for d in days.full_date]
    chosen = st.selectbox("Day", labels, index=0, key="people_day")
    date_id = int(days.iloc[labels.index(chosen)].date_id)
    st.caption(
        "People ranked by the summed popularity of their movies and TV series in the day's "
        "discover lists (cast and crew, each title counted once per person)."
    )
    top = cached("top_people", *key, date_id)
    if top.empty:
        st.info(
            f"No credits are loaded for {chosen}: details fetched before credits were asked "
            "for carry none, and a movie gets its credits when its details are next fetched."
        )
        return
    st.markdown(f"Top person on {chosen}: **{top.iloc[0]['name']}**")
    st.dataframe(
        top[
            [
                "name",
                "known_for_department",
                "movies",
                "series",
                "summed_popularity",
                "mean_popularity",
            ]
        ],
        hide_index=True,
        column_config={
            "summed_popularity": st.column_config.NumberColumn("summed popularity", format="%.2f"),
            "mean_popularity": st.column_config.NumberColumn("mean popularity", format="%.2f"),
        },
    )
    st.subheader("A person's movies over time")
    query = st.text_input("Search a name", key="person")
    people = cached("search_people", *key, date_id, query) if query else top
    options = {f"{r.name} ({r.person_id})": int(r.person_id) for r in people.itertuples()}
    if not options:
        st.caption(f"Nobody in {chosen}'s movies has a name containing {query!r}.")
        return
    picked = st.selectbox("Person", list(options), index=0, key="person_pick")
    person_id = options[picked]
    history = cached("person_history", *key, person_id)
    st.line_chart(
        history.assign(day=history.full_date.astype(str)),
        x="day",
        y="summed_popularity",
    )
    credits = cached("person_credits", *key, person_id)
    st.dataframe(credits[["title", "credit", "role"]], hide_index=True)
    movies = cached("movie_history", *key, sorted(set(int(m) for m in credits.movie_id)))
    if not movies.empty:
        st.line_chart(
            movies.assign(day=movies.full_date.astype(str)),
            x="day",
            y="popularity",
            color="title",
        )


def tv_page() -> None:
    st.header("TV series")
    days = cached("tv_days", *key)
    if days.empty:
        st.info(
            "No TV series are loaded: `tmdb-assets run` captures them beside the movies "
            "(unless run with --no-tv); the day after, this page shows them."
        )
        return
    labels = [str(d) for d in days.full_date]
    chosen = st.selectbox("Day", labels, index=0, key="tv_day")
    date_id = int(days.iloc[labels.index(chosen)].date_id)
    k = cached("tv_kpis", *key, date_id).iloc[0]
    c1, c2 = st.columns(2)
    c1.metric("Series tracked", f"{int(k.series):,}")
    c2.metric("Mean popularity", f"{k.mean_popularity:.2f}")
    top = cached("top_series", *key, date_id)
    st.markdown(f"Top series on {chosen}: **{top.iloc[0]['name']}**")
    st.dataframe(
        top[["rank", "name", "networks", "popularity", "vote_average", "vote_count", "status"]],
        hide_index=True,
        column_config={
            "popularity": st.column_config.NumberColumn(format="%.1f"),
            "vote_average": st.column_config.NumberColumn("vote", format="%.1f"),
        },
    )
    st.subheader("Networks over time")
    st.caption(
        f"The 8 networks whose series were most popular on {labels[0]}: the summed popularity "
        "of the series they air, every loaded day (a series on two networks counts for both)."
    )
    networks = cached("network_history", *key, int(days.iloc[0].date_id))
    st.altair_chart(
        alt.Chart(networks.assign(day=networks.full_date.astype(str)))
        .mark_line(point=True)
        .encode(
            x=alt.X("day:N", title=None),
            y=alt.Y("total_popularity:Q", title="summed popularity"),
            color=alt.Color("network:N", title="network"),
            tooltip=["day", "network", "series", alt.Tooltip("total_popularity", format=".1f")],
        ),
        use_container_width=True,
    )
    st.subheader("A series over time")
    query = st.text_input("Search a series", key="series")
    found = cached("search_series", *key, query) if query else top
    options = {f"{r.name} ({r.tv_id})": int(r.tv_id) for r in found.itertuples()}
    if not options:
        st.caption(f"No discovered series has a name containing {query!r}.")
        return
    picked = st.selectbox("Series", list(options), index=0, key="series_pick")
    history = cached("series_history", *key, options[picked])
    latest = history.iloc[-1]
    st.caption(
        f"{len(history)} day(s) in the TV discover list; latest rank {int(latest.popularity_rank)}"
        + (f", momentum {latest.momentum}" if latest.momentum else "")
    )
    long = history.melt(
        id_vars=["full_date"], value_vars=["popularity", "popularity_ma7"], var_name="measure"
    )
    st.altair_chart(
        alt.Chart(long.assign(day=long.full_date.astype(str)))
        .mark_line(point=True)
        .encode(
            x=alt.X("day:N", title=None),
            y=alt.Y("value:Q", title="popularity"),
            color=alt.Color("measure:N", title=None),
        ),
        use_container_width=True,
    )


PAGES = {
    "Movies": movies_page,
    "TV series": tv_page,
    "Where to watch": watch_page,
    "People": people_page,
}
page = st.sidebar.radio("Page", list(PAGES), key="page")
try:
    PAGES[page]()
except DBAPIError as exc:  # a figure not in the cache while the warehouse is gone
    st.error(
        f"{unreachable(exc)} This part of the page is not in the cache: reload once the "
        "warehouse is back."
    )
