-- vw_person_popularity: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/011_people.sql.
CREATE OR REPLACE VIEW warehouse.vw_person_popularity AS
WITH credits AS (
    SELECT 'movie' AS media_type, movie_id AS item_id, person_id FROM warehouse.bridge_movie_cast
    UNION
    SELECT 'movie', movie_id, person_id FROM warehouse.bridge_movie_crew
    UNION
    SELECT 'tv', tv_id, person_id FROM warehouse.bridge_tv_cast
    UNION
    SELECT 'tv', tv_id, person_id FROM warehouse.bridge_tv_crew
),
days AS (
    SELECT 'movie' AS media_type, date_id, movie_id AS item_id, popularity
    FROM warehouse.fact_movie_daily
    UNION ALL
    SELECT 'tv', date_id, tv_id, popularity FROM warehouse.fact_tv_daily
)
SELECT
    f.date_id,
    d.full_date,
    p.person_id,
    p.name,
    p.known_for_department,
    count(*) FILTER (WHERE f.media_type = 'movie') AS movies,
    sum(f.popularity)  AS summed_popularity,
    avg(f.popularity)  AS mean_popularity,
    count(*) FILTER (WHERE f.media_type = 'tv')    AS series
FROM days f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
JOIN credits c ON c.media_type = f.media_type AND c.item_id = f.item_id
JOIN warehouse.dim_person p ON p.person_id = c.person_id
GROUP BY f.date_id, d.full_date, p.person_id, p.name, p.known_for_department;

COMMENT ON VIEW warehouse.vw_person_popularity IS 'Per day and person: their movies and TV series in the day''s discover sets (movies, series), and the summed and mean popularity of both.';
