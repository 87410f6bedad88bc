-- vw_movie_latest: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/014_catalogue_movies.sql.
CREATE OR REPLACE VIEW warehouse.vw_movie_latest AS
SELECT
    m.movie_id,
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
      WHERE bg.movie_id = m.movie_id) AS genres
FROM warehouse.dim_movie m
CROSS JOIN LATERAL (
    SELECT * FROM warehouse.fact_movie_daily f
    WHERE f.movie_id = m.movie_id ORDER BY f.date_id DESC LIMIT 1
) f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
WHERE m.last_seen_date IS NOT NULL;

COMMENT ON VIEW warehouse.vw_movie_latest IS 'Each movie''s latest loaded day: popularity, votes and rank with its attributes and genres.';
