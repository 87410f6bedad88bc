-- Views the analysts' dashboard (tmdb_assets_viz) reads, beside the four of 004/007. Each is
-- filtered by date_id or movie_id by its readers, which PostgreSQL pushes below the joins and
-- grouping to the fact's indexes (fact_movie_daily_date, fact_movie_daily_movie_date).
-- tmdb_reader is granted them by the next migrate (tmdb_assets/roles.py). Idempotent.

-- One row per loaded day: how many movies, their mean popularity, how many were seen that day
-- for the first time, and whether the day is a late capture.
CREATE OR REPLACE VIEW warehouse.vw_daily_kpis AS
SELECT
    f.date_id,
    d.full_date,
    count(*)                                                   AS movies,
    avg(f.popularity)                                          AS mean_popularity,
    count(*) FILTER (WHERE m.first_seen_date = d.full_date)    AS new_movies,
    bool_or(f.late_capture)                                    AS late_capture,
    max(f.captured_at)                                         AS captured_at
FROM warehouse.fact_movie_daily f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
JOIN warehouse.dim_movie m ON m.movie_id = f.movie_id
GROUP BY f.date_id, d.full_date;
COMMENT ON VIEW warehouse.vw_daily_kpis IS 'Per loaded day: movies tracked, mean popularity, movies first seen that day, late-capture flag.';

-- A movie's figures on every loaded day, with its title: the dashboard's time series.
CREATE OR REPLACE VIEW warehouse.vw_movie_daily AS
SELECT
    f.date_id,
    d.full_date,
    f.movie_id,
    m.title,
    f.popularity,
    f.vote_average,
    f.vote_count,
    f.discover_rank,
    f.late_capture
FROM warehouse.fact_movie_daily f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
JOIN warehouse.dim_movie m ON m.movie_id = f.movie_id;
COMMENT ON VIEW warehouse.vw_movie_daily IS 'Each movie''s popularity and votes on each loaded day, with its title.';

-- Genre x continent per day: a movie counts once per (genre, continent) it belongs to.
CREATE OR REPLACE VIEW warehouse.vw_genre_continent_popularity AS
WITH movie_continent AS (
    SELECT DISTINCT bc.movie_id, c.continent
    FROM warehouse.bridge_movie_country bc
    JOIN warehouse.dim_country c ON c.iso_3166_1 = bc.iso_3166_1
    WHERE c.continent IS NOT NULL
)
SELECT
    f.date_id,
    d.full_date,
    g.name            AS genre,
    mc.continent,
    count(*)          AS movies,
    avg(f.popularity) AS mean_popularity
FROM warehouse.fact_movie_daily f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
JOIN warehouse.bridge_movie_genre bg ON bg.movie_id = f.movie_id
JOIN warehouse.dim_genre g ON g.genre_id = bg.genre_id
JOIN movie_continent mc ON mc.movie_id = f.movie_id
GROUP BY f.date_id, d.full_date, g.name, mc.continent;
COMMENT ON VIEW warehouse.vw_genre_continent_popularity IS 'Per day, genre and continent: movies and their mean popularity.';
