-- vw_genre_continent_popularity: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/009_dashboard_views.sql.
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
