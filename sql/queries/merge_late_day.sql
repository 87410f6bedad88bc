-- {{target}} (a table not attached yet) from {{old}} (the month's compacted rows) with day :k
-- replaced by the rows of stg_export_day (that day's export, loaded after its month was
-- compacted): an item's value of day :k becomes the file's, or NULL when the file does not list
-- it; an item new to the month gets a row; an item left without any value is dropped. A row
-- stays scaled unless it already held exact values or the day's value is not exact at 4
-- decimals (then all its values are kept as doubles).
INSERT INTO {{target}} (month_id, {{id}}, popularity, popularity_exact{{flag_columns}})
SELECT r.month_id, r.{{id}}, r.popularity, r.popularity_exact{{flag_columns}}
FROM (
    SELECT :month AS month_id,
           coalesce(o.{{id}}, s.{{id}}) AS {{id}},
           CASE WHEN m.exact THEN NULL
                WHEN o.{{id}} IS NULL THEN warehouse.day_values(ARRAY[:k], ARRAY[s.scaled], :n)
                ELSE o.popularity[1:(:k - 1)] || s.scaled || o.popularity[(:k + 1):(:n)]
           END AS popularity,
           CASE WHEN NOT m.exact THEN NULL
                WHEN o.{{id}} IS NULL THEN warehouse.day_values(ARRAY[:k], ARRAY[s.popularity], :n)
                ELSE m.base[1:(:k - 1)] || s.popularity || m.base[(:k + 1):(:n)]
           END AS popularity_exact{{flag_merge}}
    FROM {{old}} o
    FULL JOIN (
        SELECT x.*, warehouse.popularity_scaled(x.popularity) AS scaled FROM stg_export_day x
    ) s ON s.{{id}} = o.{{id}}
    CROSS JOIN LATERAL (
        SELECT e.exact,
               CASE WHEN e.exact AND o.{{id}} IS NOT NULL
                    THEN coalesce(o.popularity_exact, warehouse.popularity_unscaled(o.popularity))
               END AS base
        FROM (SELECT o.popularity_exact IS NOT NULL
                     OR (s.{{id}} IS NOT NULL AND s.scaled IS NULL) AS exact) e
    ) m
) r
WHERE array_remove(r.popularity, NULL) <> '{}' OR array_remove(r.popularity_exact, NULL) <> '{}'
