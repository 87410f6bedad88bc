-- Replace the sets of the movies (or series) whose latest state is day :d ({{owner}}.source_date
-- = :d). {{source}} unpacks the day's rows ({{columns}}, {{id}} first); a NULL {{key}} stands for
-- "this item's set is empty today". Rows that left a set are deleted, rows that joined it
-- inserted, rows whose attributes changed updated ({{on_conflict}}; rows already there as they
-- are not rewritten), and only rows whose item and dimension rows exist are written
-- ({{dim_join}}; {{unknown}} counts the others).
WITH s AS MATERIALIZED ({{source}}),
cur AS MATERIALIZED (
    SELECT o.{{id}} FROM {{owner}} o
    WHERE o.source_date = :d AND o.{{id}} IN (SELECT {{id}} FROM s)
),
wanted AS MATERIALIZED (
    SELECT {{s_columns}} FROM s
    JOIN cur ON cur.{{id}} = s.{{id}}
    {{dim_join}}
    WHERE s.{{key}} IS NOT NULL
),
del AS (
    DELETE FROM {{table}} b USING cur
    WHERE b.{{id}} = cur.{{id}}
      AND NOT EXISTS (SELECT 1 FROM s WHERE s.{{id}} = b.{{id}} AND s.{{key}} = b.{{key}})
    RETURNING 1
),
ins AS (
    INSERT INTO {{table}} AS b ({{columns}}) SELECT {{columns}} FROM wanted
    ON CONFLICT ({{id}}, {{key}}) {{on_conflict}}
    RETURNING (xmax = 0) AS inserted
)
SELECT
    (SELECT count(*) FROM cur) AS asserted,
    (SELECT count(*) FROM del) AS deleted,
    (SELECT count(*) FILTER (WHERE inserted) FROM ins) AS inserted,
    (SELECT count(*) FILTER (WHERE NOT inserted) FROM ins) AS updated,
    (SELECT count(*) FROM wanted) AS wanted,
    {{unknown}} AS unknown
