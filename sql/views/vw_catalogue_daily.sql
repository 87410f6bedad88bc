-- vw_catalogue_daily: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/013_catalogue_views.sql.
CREATE OR REPLACE VIEW warehouse.vw_catalogue_daily AS
SELECT
    c.date_id,
    to_date(c.date_id::text, 'YYYYMMDD') AS full_date,
    c.movies,
    c.previous_date_id,
    c.new_movies,
    c.removed_movies,
    c.adult_movies,
    c.video_movies,
    c.mean_popularity,
    c.median_popularity,
    c.p90_popularity,
    c.p99_popularity,
    c.max_popularity,
    c.zero_popularity
FROM warehouse.fact_catalogue_daily c;

COMMENT ON VIEW warehouse.vw_catalogue_daily IS 'Per export day: catalogue size, new and removed ids, popularity distribution.';
