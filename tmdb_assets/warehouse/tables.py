"""The warehouse tables, each declared once.

An entry says everything the code needs about a table: its name, key and columns, the
dimensions its foreign keys point at, the assets it is derived from, the pure function that
builds its rows for a day (transform/rows.py), the loader that writes them (load.py), its business
description and its Dagster group. The asset factory (defs/common.py, used by defs/warehouse/assets.py), the key and
foreign-key checks, the bridge loader, the CLI summary, the benchmark's floor and the tests'
inventories all read it. The SQL that creates a table is its numbered migration in sql/.

Adding a table: a migration in sql/, its row builder in transform/rows.py (a transform in
transform/discover.py or details.py if it reads a new field), one entry here, and its tests.
See docs/design.md, "Adding a table".
"""

from tmdb_assets.transform import rows
from tmdb_assets.transform.media import TV
from tmdb_assets.warehouse import availability, load, trending
from tmdb_assets.warehouse.table import ForeignKey, Table, bridge, columns
from tmdb_assets.warehouse.tv_tables import TV_RAW, TV_TABLES

# A movie's bridges to the dimensions, loaded in one Dagster step (they depend on nothing of
# each other; the credits, which do, have steps of their own).
MOVIE_BRIDGES = "movie_bridges"
# The dimensions both domains share read the TV day beside the movies' when it was captured.
SHARED = {"also_media": (TV,)}

__all__ = ["SEED", "TABLES", "ForeignKey", "Table", "columns"]

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "dim_date",
            ("date_id",),
            columns(
                "date_id full_date year quarter month day iso_week weekday weekday_name is_weekend"
            ),
            "Calendar attributes of each loaded day (date_id = YYYYMMDD): year, quarter, "
            "month, ISO week, weekday, weekend flag.",
            rows=rows.dim_date_rows,
            deps=(),
            guard=None,
            reads_raw=False,
        ),
        Table(
            "dim_collection",
            ("collection_id",),
            ("collection_id", "name", "source_date"),
            "Collections (franchises: a series of movies) that the movies' details name "
            "(belongs_to_collection); dim_movie.collection_id points here.",
            rows=rows.dim_collection_rows,  # every discovered movie's details, as dim_movie
        ),
        Table(
            "dim_movie",
            ("movie_id",),
            columns(
                "movie_id title original_title original_language overview release_date runtime "
                "budget revenue status imdb_id adult video homepage tagline collection_id "
                "collection_name poster_path details_status first_seen_date last_seen_date "
                "details_fetched_at source_date credits_status wikidata_id"
            ),
            "One row per movie ever discovered or listed in TMDb's daily ID export: title, "
            "languages, release date, runtime, budget, revenue, status, IMDb id, first/last day "
            "in the discover list. Movies whose details are gone (404) keep their discover "
            "attributes, flagged by details_status; movies known only from the export are "
            "'pending' (id, original title, adult, video) until their details arrive.",
            rows=rows.dim_movie_rows,
            load=load.load_item_dim,
            deps=("raw_discover_pages", "raw_movie_details", "dim_collection"),
            foreign_keys=(ForeignKey("collection_id", "dim_collection", "collection_id"),),
            # A movie known only from the daily ID export (catalogue_movies) takes any day's
            # discover or details values, whatever day it was learned on.
            guard_unless="t.details_status = 'pending'",
            merge=(
                ("first_seen_date", "LEAST(t.first_seen_date, EXCLUDED.first_seen_date)"),
                ("last_seen_date", "GREATEST(t.last_seen_date, EXCLUDED.last_seen_date)"),
            ),
        ),
        Table(
            "dim_genre",
            ("genre_id",),
            ("genre_id", "name", "media_type", "source_date"),
            "TMDb genres (id and name) of movies and TV series, with the lists that name each "
            "(media_type movie, tv or both: one id space serves both).",
            rows=rows.dim_genre_rows,
            deps=("raw_discover_pages", "raw_movie_details", *TV_RAW),
            # Named by one list on one day and the other on another: both, whatever the order.
            merge=(
                (
                    "media_type",
                    "CASE WHEN t.media_type = EXCLUDED.media_type THEN t.media_type "
                    "ELSE 'both' END",
                ),
            ),
            **SHARED,
        ),
        Table(
            "dim_company",
            ("company_id",),
            ("company_id", "name", "origin_country", "logo_path", "source_date"),
            "Production companies of the discovered movies and series, with their country of "
            "origin.",
            rows=rows.dim_company_rows,
            deps=("raw_movie_details", TV.details_asset),
            **SHARED,
        ),
        Table(
            "dim_country",
            ("iso_3166_1",),
            ("iso_3166_1", "name", "native_name", "continent_code", "continent", "source_date"),
            "Countries TMDb knows (ISO 3166-1, historical codes included) with their continent.",
            rows=rows.dim_country_rows,
            load=load.load_dim_country,
            deps=("raw_discover_pages", "raw_movie_details", "country_continent", *TV_RAW),
            **SHARED,
            # The continent comes from the seed, not from TMDb: always take the latest mapping.
            merge=(
                ("continent_code", "EXCLUDED.continent_code"),
                ("continent", "EXCLUDED.continent"),
            ),
        ),
        Table(
            "dim_language",
            ("iso_639_1",),
            ("iso_639_1", "english_name", "name", "source_date"),
            "Languages (ISO 639-1) with English and native names.",
            rows=rows.dim_language_rows,
            deps=("raw_discover_pages", "raw_movie_details", *TV_RAW),
            **SHARED,
        ),
        bridge(
            "bridge_movie_genre",
            "genre_id",
            "dim_genre",
            "Which genres each movie belongs to.",
            rows.genre_ids,
            rows.discover_genre_ids,
            step=MOVIE_BRIDGES,
        ),
        bridge(
            "bridge_movie_company",
            "company_id",
            "dim_company",
            "Which companies produced each movie.",
            rows.company_ids,
            step=MOVIE_BRIDGES,
        ),
        bridge(
            "bridge_movie_country",
            "iso_3166_1",
            "dim_country",
            "In which countries each movie was produced.",
            rows.country_codes,
            step=MOVIE_BRIDGES,
        ),
        bridge(
            "bridge_movie_language",
            "iso_639_1",
            "dim_language",
            "Which languages are spoken in each movie.",
            rows.language_codes,
            step=MOVIE_BRIDGES,
        ),
        Table(
            "dim_person",
            ("person_id",),
            columns(
                "person_id name original_name gender known_for_department profile_path "
                "popularity source_date"
            ),
            "People credited in the discovered movies' and series' details (cast and crew, a "
            "series' aggregate credits): name, original name, gender, the department they are "
            "known for, their TMDb popularity.",
            rows=rows.dim_person_rows,
            deps=("raw_movie_details", TV.details_asset),
            **SHARED,
        ),
        bridge(
            "bridge_movie_cast",
            "credit_id",
            "dim_person",
            "Each movie's cast: who plays which character, in billing order (cast_order).",
            rows.cast_credits,
            ref="person_id",
            attributes=("character", "cast_order"),
        ),
        bridge(
            "bridge_movie_crew",
            "credit_id",
            "dim_person",
            "Each movie's crew: who worked in which department and job (a person may hold "
            "several jobs).",
            rows.crew_credits,
            ref="person_id",
            attributes=("department", "job"),
            # After the cast: its check that every movie with details has credits reads both.
            deps=("bridge_movie_cast",),
        ),
        Table(
            "dim_keyword",
            ("keyword_id",),
            ("keyword_id", "name", "source_date"),
            "TMDb keywords (id and name) of the movies and series whose details came with them "
            "(appended to the details request: no request of their own).",
            rows=rows.dim_keyword_rows,
            deps=("raw_movie_details", TV.details_asset),
            **SHARED,
        ),
        bridge(
            "bridge_movie_keyword",
            "keyword_id",
            "dim_keyword",
            "Each movie's keywords, to group movies by theme (a movie whose stored details "
            "predate the keywords has no set: unknown, not empty).",
            rows.keyword_ids,
            step=MOVIE_BRIDGES,
        ),
        bridge(
            "bridge_movie_release",
            "release_key",
            "dim_country",
            "Each movie's release calendar as TMDb states it now, country by country: every "
            "release (premiere, limited and wide theatrical, digital, physical, TV) with its "
            "date, certification (PG-13, FSK 12, 12A; NULL when TMDb gives none) and note.",
            rows.releases,
            ref="iso_3166_1",
            attributes=(
                "release_type",
                "release_type_name",
                "release_date",
                "certification",
                "note",
            ),
            step=MOVIE_BRIDGES,
        ),
        Table(
            "dim_watch_provider",
            ("provider_id",),
            columns("provider_id name logo_path display_priority source_date"),
            "Streaming services and stores (Netflix, Apple TV, Tubi, ...) that the movies' and "
            "series' watch/providers name (appended to the details request: no request of its "
            "own).",
            rows=rows.dim_watch_provider_rows,
            deps=("raw_movie_details", TV.details_asset),
            **SHARED,
        ),
        Table(
            "fact_watch_observation",
            ("movie_id", "observed_date"),
            columns("movie_id observed_date source countries providers offers fetched_at"),
            "The days each movie's availability was observed: its details fetched with a "
            "readable watch/providers part (the discover window's movies when they change or "
            "age, the tail's within its budget), with how many countries, providers and offers "
            "were seen. How fresh fact_watch_availability is, movie by movie.",
            rows=rows.watch_observation_rows,
            load=availability.load_watch_observations,
            deps=("raw_movie_details", "dim_movie"),
            foreign_keys=(ForeignKey("movie_id", "dim_movie", "movie_id"),),
            guard=None,
            step="movie_watch",
        ),
        Table(
            "fact_watch_availability",
            ("movie_id", "iso_3166_1", "provider_id", "kind", "valid_from"),
            columns("movie_id iso_3166_1 provider_id kind valid_from valid_to last_observed_date"),
            "Where each movie could be watched over time, a history TMDb does not keep: one "
            "row per offer (country, provider; kind flatrate, free, ads, rent or buy) and run "
            "of observations holding it, valid_from the first, last_observed_date the last, "
            "valid_to the first observation without it (NULL while current). A movie not "
            "observed on a day keeps its rows; a late or repeated day is placed among the others.",
            load=availability.load_watch_availability,
            deps=("fact_watch_observation", "dim_watch_provider", "dim_movie"),
            foreign_keys=(
                ForeignKey("movie_id", "dim_movie", "movie_id"),
                ForeignKey("provider_id", "dim_watch_provider", "provider_id"),
            ),
            guard=None,
            step="movie_watch",
        ),
        Table(
            "fact_movie_daily",
            ("date_id", "movie_id"),
            columns(
                "date_id movie_id popularity vote_average vote_count discover_rank captured_at "
                "late_capture"
            ),
            "One row per movie and day: popularity, vote average and vote count as TMDb "
            "reported them at the end of the day, with the movie's rank in the discover list and "
            "when it was captured (late captures flagged).",
            rows=rows.fact_rows,
            load=load.replace_day,
            deps=("raw_discover_pages", "dim_movie", "dim_date"),
            foreign_keys=(
                ForeignKey("movie_id", "dim_movie", "movie_id"),
                ForeignKey("date_id", "dim_date", "date_id"),
            ),
            guard=None,
        ),
        Table(
            "fact_trending_daily",
            ("date_id", "time_window", "rank"),
            columns("date_id time_window rank movie_id popularity late_capture"),
            "TMDb's trending ranks per day, beside the popularity ranks: the movies of "
            "/trending/movie/day and /trending/movie/week (a few pages each, at the end of the "
            "day), ranked from 1 without gaps, with the popularity TMDb gave. A trending movie "
            "outside the discover window joins dim_movie as pending (its details come with the "
            "long tail).",
            load=trending.load_trending_day,
            deps=("raw_trending", "dim_movie", "dim_date"),
            foreign_keys=(
                ForeignKey("movie_id", "dim_movie", "movie_id"),
                ForeignKey("date_id", "dim_date", "date_id"),
            ),
            guard=None,
            reads_raw=False,
        ),
        Table(
            "fact_genre_daily",
            ("date_id", "genre_id"),
            columns(
                "date_id genre_id movies mean_popularity median_popularity mean_vote_average "
                "total_votes"
            ),
            "Per day and genre: how many of the day's discovered movies have the genre (by the "
            "genres TMDb gave that day) and their mean and median popularity, mean vote and "
            "total votes. A year of genre history in a few rows per genre (vw_genre_popularity).",
            rows=rows.genre_daily_rows,
            load=load.replace_day,
            deps=("raw_discover_pages", "raw_movie_details", "dim_genre", "dim_date"),
            foreign_keys=(
                ForeignKey("genre_id", "dim_genre", "genre_id"),
                ForeignKey("date_id", "dim_date", "date_id"),
            ),
            guard=None,
        ),
        Table(
            "fact_movie_popularity_daily",
            ("date_id", "movie_id"),
            columns("date_id movie_id popularity adult video"),
            "Every movie TMDb lists, every day (about a million): its popularity and flags from "
            "TMDb's daily ID export (partition D: the file built the morning after D ended). "
            "Partitioned by month; a day within TMDb's three-month retention can be re-captured "
            "with its true values.",
            load=load.load_export_day,
            deps=("raw_movie_id_export",),
            guard=None,
            reads_raw=False,
            count_rows=False,
        ),
        Table(
            "fact_catalogue_daily",
            ("date_id",),
            columns(
                "date_id movies previous_date_id new_movies removed_movies adult_movies "
                "video_movies mean_popularity median_popularity p90_popularity p99_popularity "
                "max_popularity zero_popularity"
            ),
            "Per export day: how many movies TMDb lists, how many ids are new and how many "
            "gone since the previous export day, and the popularity distribution (mean, median, "
            "90th and 99th percentiles, max, zeros). A quarter of catalogue history in 90 rows.",
            load=load.load_catalogue_day,
            deps=("fact_movie_popularity_daily",),
            guard=None,
            reads_raw=False,
        ),
        Table(
            "fact_catalogue_movers",
            ("date_id", "direction", "rank"),
            columns(
                "date_id direction rank movie_id popularity popularity_7d_ago "
                "popularity_change_7d popularity_change_7d_pct"
            ),
            "Per export day: the 50 movies of the whole catalogue whose popularity rose most "
            "over 7 days and the 50 that fell most (vw_catalogue_movers), computed at load from "
            "the two days' export rows, so a year of them reads in milliseconds. Loading a day "
            "also recomputes the day 7 days after it (a backfill out of order converges).",
            load=load.load_catalogue_movers,
            deps=("fact_movie_popularity_daily", "catalogue_movies"),
            foreign_keys=(ForeignKey("movie_id", "dim_movie", "movie_id"),),
            guard=None,
            reads_raw=False,
        ),
        *TV_TABLES,
    )
}

SEED = Table(
    "country_continent",
    ("iso_3166_1",),
    ("iso_3166_1", "country_name", "continent_code", "continent"),
    "data/country_continent.csv: each ISO 3166-1 country code with its continent.",
    deps=(),
    guard=None,
    partitioned=False,
)
