-- Where each of the movies :ids has its latest details captured on or before :d (without the
-- payloads): (movie id, capture id, HTTP status, fetched_at, the capture's partition date).
SELECT DISTINCT ON (md.{{id}}) md.{{id}}, md.capture_id, md.http_status, md.fetched_at,
    c.partition_date
FROM {{details}} md
JOIN raw.capture c ON c.capture_id = md.capture_id
WHERE c.is_current AND c.asset = :a AND c.partition_date <= :d
  AND md.{{id}} = ANY(:ids)
ORDER BY md.{{id}}, c.partition_date DESC
