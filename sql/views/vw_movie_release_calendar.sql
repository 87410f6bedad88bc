-- vw_movie_release_calendar: its current definition and description, applied after the
-- migrations on every migrate (tmdb_assets/warehouse/views.py).
CREATE OR REPLACE VIEW warehouse.vw_movie_release_calendar AS
SELECT
    r.movie_id,
    m.title,
    r.iso_3166_1,
    c.name AS country,
    min(r.release_date) FILTER (WHERE r.release_type = 1)      AS premiere_date,
    min(r.release_date) FILTER (WHERE r.release_type IN (2, 3)) AS first_theatrical_date,
    min(r.release_date) FILTER (WHERE r.release_type = 4)      AS first_digital_date,
    min(r.release_date) FILTER (WHERE r.release_type = 5)      AS first_physical_date,
    min(r.release_date) FILTER (WHERE r.release_type = 6)      AS first_tv_date,
    (array_agg(r.certification ORDER BY r.release_type IN (2, 3) DESC, r.release_date)
        FILTER (WHERE r.certification IS NOT NULL))[1]         AS certification,
    count(*)                                                    AS releases
FROM warehouse.bridge_movie_release r
JOIN warehouse.dim_movie m ON m.movie_id = r.movie_id
LEFT JOIN warehouse.dim_country c ON c.iso_3166_1 = r.iso_3166_1
GROUP BY r.movie_id, m.title, r.iso_3166_1, c.name;

COMMENT ON VIEW warehouse.vw_movie_release_calendar IS 'Each movie''s release calendar per country, as TMDb states it now: its premiere, first theatrical (limited or wide), digital, physical and TV release, and its certification there (the theatrical one first).';
