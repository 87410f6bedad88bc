-- vw_movie_daily: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/009_dashboard_views.sql.
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
