-- vw_director_latest: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py). Before this file: sql/011_people.sql.
CREATE OR REPLACE VIEW warehouse.vw_director_latest AS
SELECT
    l.movie_id,
    l.title,
    p.person_id AS director_id,
    p.name      AS director,
    l.latest_date,
    l.popularity,
    l.vote_average,
    l.vote_count
FROM warehouse.bridge_movie_crew c
JOIN warehouse.dim_person p ON p.person_id = c.person_id
JOIN warehouse.vw_movie_latest l ON l.movie_id = c.movie_id
WHERE c.job = 'Director';

COMMENT ON VIEW warehouse.vw_director_latest IS 'Each movie''s directors with the movie''s latest popularity and votes.';
