-- vw_movie_popularity_history: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/013_catalogue_views.sql.
-- The export's days come from vw_catalogue_popularity (daily and compacted months alike).
CREATE OR REPLACE VIEW warehouse.vw_movie_popularity_history AS
SELECT
    e.movie_id,
    e.date_id,
    to_date(e.date_id::text, 'YYYYMMDD') AS full_date,
    e.popularity,
    'export'::text AS source,
    f.popularity AS discover_popularity,
    f.discover_rank
FROM warehouse.vw_catalogue_popularity e
LEFT JOIN warehouse.fact_movie_daily f ON f.date_id = e.date_id AND f.movie_id = e.movie_id
UNION ALL
SELECT
    f.movie_id,
    f.date_id,
    to_date(f.date_id::text, 'YYYYMMDD'),
    f.popularity,
    'discover'::text,
    f.popularity,
    f.discover_rank
FROM warehouse.fact_movie_daily f
WHERE NOT EXISTS (
    SELECT 1 FROM warehouse.vw_catalogue_popularity e
    WHERE e.date_id = f.date_id AND e.movie_id = f.movie_id
);

COMMENT ON VIEW warehouse.vw_movie_popularity_history IS 'A movie''s popularity on every captured day: the export''s where it has the day, else discover''s (source says which).';
