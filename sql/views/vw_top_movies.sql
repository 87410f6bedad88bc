-- vw_top_movies: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/007_views_and_comments.sql.
CREATE OR REPLACE VIEW warehouse.vw_top_movies AS
SELECT * FROM (
    SELECT
        f.date_id,
        d.full_date,
        row_number() OVER (PARTITION BY f.date_id ORDER BY f.popularity DESC NULLS LAST, f.movie_id) AS popularity_rank,
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

COMMENT ON VIEW warehouse.vw_top_movies IS 'Per day, the 100 most popular discovered movies, ranked.';
