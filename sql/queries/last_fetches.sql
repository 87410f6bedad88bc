-- For each of the movies (or series: {{details}} and {{id}} say which) :ids, the partition
-- date of its latest details capture before :d. An unreadable body is not a fetch: the next day
-- asks for it again.
SELECT md.{{id}}, max(c.partition_date)
FROM {{details}} md
JOIN raw.capture c ON c.capture_id = md.capture_id
WHERE c.is_current AND c.asset = :a AND c.partition_date < :d
  AND NOT (md.payload IS NULL AND md.body IS NOT NULL)
  AND md.{{id}} = ANY(:ids)
GROUP BY md.{{id}}
