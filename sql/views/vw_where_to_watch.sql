-- vw_where_to_watch: its current definition and description, applied after the migrations on
-- every migrate (tmdb_assets/warehouse/views.py).
CREATE OR REPLACE VIEW warehouse.vw_where_to_watch AS
SELECT
    a.movie_id,
    m.title,
    a.iso_3166_1,
    c.name               AS country,
    a.provider_id,
    p.name               AS provider,
    p.logo_path,
    p.display_priority,
    a.kind,
    a.valid_from         AS available_since,
    a.last_observed_date,
    -- A scalar subquery, not a join: a query that does not read the column never computes it.
    (SELECT max(w.observed_date) FROM warehouse.fact_watch_observation w
     WHERE w.movie_id = a.movie_id) AS movie_last_observed_date
FROM warehouse.fact_watch_availability a
JOIN warehouse.dim_movie m ON m.movie_id = a.movie_id
JOIN warehouse.dim_watch_provider p ON p.provider_id = a.provider_id
LEFT JOIN warehouse.dim_country c ON c.iso_3166_1 = a.iso_3166_1
WHERE a.valid_to IS NULL;

COMMENT ON VIEW warehouse.vw_where_to_watch IS 'Where each movie can be watched as last observed, per country, provider and kind (flatrate, free, ads, rent, buy), since when, and when the movie''s availability was last observed (its details last fetched): how fresh the row is.';
