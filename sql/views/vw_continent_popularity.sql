-- vw_continent_popularity: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/004_views.sql.
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

COMMENT ON VIEW warehouse.vw_continent_popularity IS 'Per day and continent of production: movies, mean popularity, mean vote, total votes (a movie counts once per continent).';
