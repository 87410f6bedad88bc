-- vw_trending_daily: its current definition and description, applied after the migrations on
-- every migrate (tmdb_assets/warehouse/views.py).
CREATE OR REPLACE VIEW warehouse.vw_trending_daily AS
SELECT
    t.date_id,
    d.full_date,
    t.time_window,
    t.rank            AS trending_rank,
    t.movie_id,
    m.title,
    t.popularity      AS trending_popularity,
    f.discover_rank   AS popularity_rank,
    f.popularity,
    t.late_capture
FROM warehouse.fact_trending_daily t
JOIN warehouse.dim_date d ON d.date_id = t.date_id
JOIN warehouse.dim_movie m ON m.movie_id = t.movie_id
LEFT JOIN warehouse.fact_movie_daily f ON f.date_id = t.date_id AND f.movie_id = t.movie_id;

COMMENT ON VIEW warehouse.vw_trending_daily IS 'TMDb''s trending ranks per day and window (day, week) beside each movie''s popularity rank that day (its place in the discover list; NULL: outside the discover window).';
