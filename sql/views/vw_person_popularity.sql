-- vw_person_popularity: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/011_people.sql.
CREATE OR REPLACE VIEW warehouse.vw_person_popularity AS
WITH credits AS (
    SELECT movie_id, person_id FROM warehouse.bridge_movie_cast
    UNION
    SELECT movie_id, person_id FROM warehouse.bridge_movie_crew
)
SELECT
    f.date_id,
    d.full_date,
    p.person_id,
    p.name,
    p.known_for_department,
    count(*)           AS movies,
    sum(f.popularity)  AS summed_popularity,
    avg(f.popularity)  AS mean_popularity
FROM warehouse.fact_movie_daily f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
JOIN credits c ON c.movie_id = f.movie_id
JOIN warehouse.dim_person p ON p.person_id = c.person_id
GROUP BY f.date_id, d.full_date, p.person_id, p.name, p.known_for_department;

COMMENT ON VIEW warehouse.vw_person_popularity IS 'Per day and person: their movies in the day''s discover set, summed and mean popularity.';
