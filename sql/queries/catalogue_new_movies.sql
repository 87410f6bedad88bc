-- The ids of export day :d (date_id; :day the date; {{fact}}, the export's view over its daily
-- and compacted months) that {{dim}} does not hold yet,
-- or holds as pending from a later export day (a backfill run out of order); at most :cap of
-- them (more: the caller reads every line instead).
SELECT p.{{id}}
FROM {{fact}} p
LEFT JOIN {{dim}} m ON m.{{id}} = p.{{id}}
WHERE p.date_id = :d
  AND (m.{{id}} IS NULL OR (m.details_status = 'pending' AND m.source_date > :day))
LIMIT :cap
