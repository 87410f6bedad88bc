-- Replace the sets of the movies whose latest state is day :d (dim_movie.source_date = :d).
-- {{source}} unpacks the day's rows ({{columns}}, movie_id first); a NULL {{key}} stands for
-- "this movie's set is empty today". Rows that left a set are deleted, rows that joined it
-- inserted, rows whose attributes changed updated ({{on_conflict}}; rows already there as they
-- are not rewritten), and only rows whose movie and dimension rows exist are written.
WITH s AS MATERIALIZED ({{source}}),
cur AS MATERIALIZED (
    SELECT dm.movie_id FROM warehouse.dim_movie dm
    WHERE dm.source_date = :d AND dm.movie_id IN (SELECT movie_id FROM s)
),
wanted AS MATERIALIZED (
    SELECT {{s_columns}} FROM s
    JOIN cur ON cur.movie_id = s.movie_id
    JOIN {{dim}} d ON d.{{dim_key}} = s.{{ref}}
),
del AS (
    DELETE FROM {{table}} b USING cur
    WHERE b.movie_id = cur.movie_id
      AND NOT EXISTS (SELECT 1 FROM s WHERE s.movie_id = b.movie_id AND s.{{key}} = b.{{key}})
    RETURNING 1
),
ins AS (
    INSERT INTO {{table}} AS b ({{columns}}) SELECT {{columns}} FROM wanted
    ON CONFLICT (movie_id, {{key}}) {{on_conflict}}
    RETURNING (xmax = 0) AS inserted
)
SELECT
    (SELECT count(*) FROM cur) AS asserted,
    (SELECT count(*) FROM del) AS deleted,
    (SELECT count(*) FILTER (WHERE inserted) FROM ins) AS inserted,
    (SELECT count(*) FILTER (WHERE NOT inserted) FROM ins) AS updated,
    (SELECT count(*) FROM wanted) AS wanted,
    (SELECT count(*) FROM s
        WHERE s.{{ref}} IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {{dim}} d WHERE d.{{dim_key}} = s.{{ref}})) AS unknown
