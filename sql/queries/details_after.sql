-- For a late capture of day :d: each of the movies :ids with readable details captured on a
-- later partition (the latest of them): (movie id, capture id, partition date).
SELECT DISTINCT ON (md.{{id}}) md.{{id}}, md.capture_id, c.partition_date
FROM {{details}} md
JOIN raw.capture c ON c.capture_id = md.capture_id
WHERE c.is_current AND c.asset = :a AND c.partition_date > :d
  AND md.{{id}} = ANY(:ids) AND md.http_status = 200 AND md.payload IS NOT NULL
ORDER BY md.{{id}}, c.partition_date DESC
