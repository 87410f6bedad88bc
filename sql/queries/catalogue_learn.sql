-- {{dim}} (dim_movie, dim_tv_series) learns the ids of export day :day staged in
-- stg_export_item (its readable lines: id, line, original title, adult, video): the ones it
-- does not hold become pending rows with {{columns}}; pending rows learned from a later day take
-- this day's values. An id listed twice in the file: its first line. Only ids of the day's
-- loaded export rows ({{fact}}: the export's view, daily or compacted months).
WITH learned AS (
    INSERT INTO {{dim}} AS t
        ({{id}}, {{columns}}, details_status, source_date)
    SELECT DISTINCT ON (s.item_id) s.item_id, {{values}}, 'pending', :day
    FROM stg_export_item s
    JOIN {{fact}} p ON p.date_id = :d AND p.{{id}} = s.item_id
    LEFT JOIN {{dim}} m ON m.{{id}} = s.item_id
    WHERE m.{{id}} IS NULL OR (m.details_status = 'pending' AND m.source_date > :day)
    ORDER BY s.item_id, s.line
    ON CONFLICT ({{id}}) DO UPDATE SET
        {{set}},
        source_date = EXCLUDED.source_date
    WHERE t.details_status = 'pending' AND t.source_date > EXCLUDED.source_date
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM learned
