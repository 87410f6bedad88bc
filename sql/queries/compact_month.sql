-- {{target}} (a table not attached yet) from the month's daily rows in {{source}}: one row per
-- {{id}}, the value of day d of the month at [d] (NULL: not in that day's export, or the day not
-- loaded). Popularity × 10^4 as integers when every value of the row is exact so (TMDb's export
-- has at most 4 decimals), else the values as given in popularity_exact. An item with a row on
-- each loaded day, read in day order (the usual case), is placed by {{placed}}, written for the
-- month's loaded days (:loaded); any other by warehouse.day_values.
INSERT INTO {{target}} (month_id, {{id}}, popularity, popularity_exact{{flag_columns}})
SELECT :month, a.{{id}},
       CASE WHEN a.exact THEN NULL
            WHEN a.days = CAST(:loaded AS integer[]) THEN {{placed}}
            ELSE warehouse.day_values(a.days, a.scaled, :n) END,
       CASE WHEN a.exact THEN warehouse.day_values(a.days, a.vals, :n) END{{flag_values}}
FROM (
    SELECT s.{{id}},
           array_agg(s.date_id - :base) AS days,
           array_agg(warehouse.popularity_scaled(s.popularity)) AS scaled,
           array_agg(s.popularity) AS vals,
           bool_or(warehouse.popularity_scaled(s.popularity) IS NULL) AS exact{{flag_aggregates}}
    FROM (SELECT * FROM {{source}} ORDER BY {{id}}, date_id) s
    GROUP BY s.{{id}}
) a
