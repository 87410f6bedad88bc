-- Replace the key sets of the movies whose latest state is day :d (dim_movie.source_date = :d).
-- {{source}} unpacks the day's (movie_id, key) pairs; a NULL key stands for "this movie's set is
-- empty today". Pairs that left a set are deleted, pairs that joined it inserted (pairs already
-- there are not rewritten), and only pairs whose movie and dimension rows exist are inserted.
WITH s AS MATERIALIZED ({{source}}),
cur AS MATERIALIZED (
    SELECT dm.movie_id FROM warehouse.dim_movie dm
    WHERE dm.source_date = :d AND dm.movie_id IN (SELECT movie_id FROM s)
),
wanted AS MATERIALIZED (
    SELECT s.movie_id, s.{{key}} FROM s
    JOIN cur ON cur.movie_id = s.movie_id
    JOIN {{dim}} d ON d.{{dim_key}} = s.{{key}}
),
del AS (
    DELETE FROM {{table}} b USING cur
    WHERE b.movie_id = cur.movie_id
      AND NOT EXISTS (SELECT 1 FROM s WHERE s.movie_id = b.movie_id AND s.{{key}} = b.{{key}})
    RETURNING 1
),
ins AS (
    INSERT INTO {{table}} (movie_id, {{key}}) SELECT movie_id, {{key}} FROM wanted
    ON CONFLICT (movie_id, {{key}}) DO NOTHING
    RETURNING 1
)
SELECT
    (SELECT count(*) FROM cur) AS asserted,
    (SELECT count(*) FROM del) AS deleted,
    (SELECT count(*) FROM ins) AS inserted,
    (SELECT count(*) FROM wanted) AS wanted,
    (SELECT count(*) FROM s
        WHERE s.{{key}} IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {{dim}} d WHERE d.{{dim_key}} = s.{{key}})) AS unknown
