-- vw_tv_catalogue_popularity: its current definition and description, applied after the
-- migrations on every migrate (tmdb_assets/warehouse/views.py).
-- Every series of TMDb's daily TV export on every loaded day, over both forms of the history,
-- as vw_catalogue_popularity for the movies (the TV export has no flags).
CREATE OR REPLACE VIEW warehouse.vw_tv_catalogue_popularity AS
SELECT l.date_id, e.tv_id, e.popularity
FROM warehouse.export_day_loaded l
CROSS JOIN LATERAL (
    SELECT p.tv_id, p.popularity
    FROM warehouse.fact_tv_popularity_daily p
    WHERE p.date_id = l.date_id
    UNION ALL
    SELECT c.tv_id,
           coalesce(c.popularity_exact[l.date_id % 100],
                    c.popularity[l.date_id % 100] / 10000.0::double precision)
    FROM warehouse.fact_tv_popularity_monthly c
    WHERE c.month_id = l.date_id / 100
      AND (c.popularity[l.date_id % 100] IS NOT NULL
           OR c.popularity_exact[l.date_id % 100] IS NOT NULL)
) e
WHERE l.fact = 'fact_tv_popularity_daily';

COMMENT ON VIEW warehouse.vw_tv_catalogue_popularity IS 'Every series TMDb lists, every loaded export day (date_id, tv_id, popularity), whether the day''s month is still daily or compacted. Filter by date_id (a whole day) or tv_id (a history).';
