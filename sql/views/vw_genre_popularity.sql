-- vw_genre_popularity: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/010_genre_daily.sql.
CREATE OR REPLACE VIEW warehouse.vw_genre_popularity AS
SELECT
    a.date_id,
    d.full_date,
    a.genre_id,
    g.name                AS genre,
    a.movies::bigint      AS movies,
    a.mean_popularity,
    a.median_popularity,
    a.mean_vote_average,
    a.total_votes
FROM warehouse.fact_genre_daily a
JOIN warehouse.dim_date d ON d.date_id = a.date_id
JOIN warehouse.dim_genre g ON g.genre_id = a.genre_id;

COMMENT ON VIEW warehouse.vw_genre_popularity IS 'Per day and genre: movies, mean and median popularity, mean vote average, total votes (from fact_genre_daily).';
