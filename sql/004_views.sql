-- Analytics views. Genre, country and company membership is the latest known (SCD type 1).

CREATE OR REPLACE VIEW warehouse.vw_movie_latest AS
SELECT DISTINCT ON (f.movie_id)
    f.movie_id,
    m.title,
    m.original_title,
    m.original_language,
    m.release_date,
    m.runtime,
    m.status,
    d.full_date AS latest_date,
    f.date_id   AS latest_date_id,
    f.popularity,
    f.vote_average,
    f.vote_count,
    f.discover_rank,
    f.captured_at,
    (SELECT string_agg(g.name, ', ' ORDER BY g.name)
       FROM warehouse.bridge_movie_genre bg
       JOIN warehouse.dim_genre g ON g.genre_id = bg.genre_id
      WHERE bg.movie_id = f.movie_id) AS genres
FROM warehouse.fact_movie_daily f
JOIN warehouse.dim_movie m ON m.movie_id = f.movie_id
JOIN warehouse.dim_date d ON d.date_id = f.date_id
ORDER BY f.movie_id, f.date_id DESC;

CREATE OR REPLACE VIEW warehouse.vw_genre_popularity AS
SELECT
    f.date_id,
    d.full_date,
    g.genre_id,
    g.name AS genre,
    count(*)                                                 AS movies,
    avg(f.popularity)                                        AS mean_popularity,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY f.popularity) AS median_popularity,
    avg(f.vote_average)                                      AS mean_vote_average,
    sum(f.vote_count)                                        AS total_votes
FROM warehouse.fact_movie_daily f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
JOIN warehouse.bridge_movie_genre bg ON bg.movie_id = f.movie_id
JOIN warehouse.dim_genre g ON g.genre_id = bg.genre_id
GROUP BY f.date_id, d.full_date, g.genre_id, g.name;

CREATE OR REPLACE VIEW warehouse.vw_top_movies AS
SELECT * FROM (
    SELECT
        f.date_id,
        d.full_date,
        row_number() OVER (PARTITION BY f.date_id ORDER BY f.popularity DESC, f.movie_id) AS popularity_rank,
        f.movie_id,
        m.title,
        m.original_language,
        m.release_date,
        f.popularity,
        f.vote_average,
        f.vote_count
    FROM warehouse.fact_movie_daily f
    JOIN warehouse.dim_date d ON d.date_id = f.date_id
    JOIN warehouse.dim_movie m ON m.movie_id = f.movie_id
) ranked
WHERE popularity_rank <= 100;

-- A movie made in two countries of one continent counts once for that continent.
CREATE OR REPLACE VIEW warehouse.vw_continent_popularity AS
WITH movie_continent AS (
    SELECT DISTINCT bc.movie_id, c.continent
    FROM warehouse.bridge_movie_country bc
    JOIN warehouse.dim_country c ON c.iso_3166_1 = bc.iso_3166_1
    WHERE c.continent IS NOT NULL
)
SELECT
    f.date_id,
    d.full_date,
    mc.continent,
    count(*)            AS movies,
    avg(f.popularity)   AS mean_popularity,
    avg(f.vote_average) AS mean_vote_average,
    sum(f.vote_count)   AS total_votes
FROM warehouse.fact_movie_daily f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
JOIN movie_continent mc ON mc.movie_id = f.movie_id
GROUP BY f.date_id, d.full_date, mc.continent;
