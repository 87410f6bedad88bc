-- vw_person_credits: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/011_people.sql.
CREATE OR REPLACE VIEW warehouse.vw_person_credits AS
SELECT c.person_id, p.name, c.movie_id, m.title, 'cast'::text AS credit, c.character AS role,
       c.cast_order
FROM warehouse.bridge_movie_cast c
JOIN warehouse.dim_person p ON p.person_id = c.person_id
JOIN warehouse.dim_movie m ON m.movie_id = c.movie_id
UNION ALL
SELECT c.person_id, p.name, c.movie_id, m.title, 'crew'::text, c.job, NULL::integer
FROM warehouse.bridge_movie_crew c
JOIN warehouse.dim_person p ON p.person_id = c.person_id
JOIN warehouse.dim_movie m ON m.movie_id = c.movie_id;

COMMENT ON VIEW warehouse.vw_person_credits IS 'Each person''s credits: the movie, cast or crew, the character played or the job held.';
