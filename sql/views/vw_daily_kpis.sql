-- vw_daily_kpis: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/009_dashboard_views.sql.
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
