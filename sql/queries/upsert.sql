-- Set-based upsert of a batch into {{table}}: one INSERT ... SELECT ... ON CONFLICT.
-- Returns (inserted, touched, updated): `updated` counts rows whose data changed ({{diff}}, read
-- in the same statement, so it sees the table as it was before the insert).
WITH s AS MATERIALIZED ({{source}}),
ins AS (
    INSERT INTO {{table}} AS t ({{columns}})
    SELECT {{columns}} FROM s
    ON CONFLICT ({{key}}) {{on_conflict}}
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted),
       count(*) FILTER (WHERE NOT inserted),
       ({{diff}})
FROM ins
