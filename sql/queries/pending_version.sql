-- The newest version of (:a, :d) left pending (not completed) by a failed run, newer than the
-- current capture (:after): the one to resume. For details captures (:dc not null), only one
-- made for discover capture :dc.
SELECT capture_id, version
FROM raw.capture
WHERE asset = :a AND partition_date = :d AND completed_at IS NULL
  AND (CAST(:dc AS text) IS NULL OR request_params->>'discover_capture_id' = :dc)
  AND capture_id > :after
ORDER BY version DESC
LIMIT 1
