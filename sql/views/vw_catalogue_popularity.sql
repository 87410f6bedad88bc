-- vw_catalogue_popularity: its current definition and description, applied after the migrations
-- on every migrate (tmdb_assets/warehouse/views.py).
-- Every movie of TMDb's daily ID export on every loaded day, over both forms of the history:
-- the open months' daily rows (fact_movie_popularity_daily) and the closed months' compacted
-- ones (fact_movie_popularity_monthly, day d at [d]). One lateral probe per loaded day
-- (export_day_loaded): a filter on date_id reads that day's month partition alone, a filter on
-- movie_id one index entry per day.
CREATE OR REPLACE VIEW warehouse.vw_catalogue_popularity AS
SELECT l.date_id, e.movie_id, e.popularity, e.adult, e.video
FROM warehouse.export_day_loaded l
CROSS JOIN LATERAL (
    SELECT p.movie_id, p.popularity, p.adult, p.video
    FROM warehouse.fact_movie_popularity_daily p
    WHERE p.date_id = l.date_id
    UNION ALL
    SELECT c.movie_id,
           coalesce(c.popularity_exact[l.date_id % 100],
                    c.popularity[l.date_id % 100] / 10000.0::double precision),
           (c.adult_days >> (l.date_id % 100 - 1)) & 1 = 1,
           (c.video_days >> (l.date_id % 100 - 1)) & 1 = 1
    FROM warehouse.fact_movie_popularity_monthly c
    WHERE c.month_id = l.date_id / 100
      AND (c.popularity[l.date_id % 100] IS NOT NULL
           OR c.popularity_exact[l.date_id % 100] IS NOT NULL)
) e
WHERE l.fact = 'fact_movie_popularity_daily';

COMMENT ON VIEW warehouse.vw_catalogue_popularity IS 'Every movie TMDb lists, every loaded export day (date_id, movie_id, popularity, adult, video), whether the day''s month is still daily or compacted. Filter by date_id (a whole day) or movie_id (a history).';
