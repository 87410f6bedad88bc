-- vw_movie_availability_history: its current definition and description, applied after the
-- migrations on every migrate (tmdb_assets/warehouse/views.py).
CREATE OR REPLACE VIEW warehouse.vw_movie_availability_history AS
SELECT
    a.movie_id,
    m.title,
    a.iso_3166_1,
    c.name              AS country,
    a.provider_id,
    p.name              AS provider,
    a.kind,
    a.valid_from,
    a.valid_to,
    a.last_observed_date,
    a.valid_to IS NULL  AS is_current
FROM warehouse.fact_watch_availability a
JOIN warehouse.dim_movie m ON m.movie_id = a.movie_id
JOIN warehouse.dim_watch_provider p ON p.provider_id = a.provider_id
LEFT JOIN warehouse.dim_country c ON c.iso_3166_1 = a.iso_3166_1;

COMMENT ON VIEW warehouse.vw_movie_availability_history IS 'Every availability interval of every movie, with names: where it could be watched (country, provider, kind) from valid_from until valid_to (exclusive; NULL while current), last seen on last_observed_date.';
