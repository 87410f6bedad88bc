-- The versions of (:a, :d) left pending (not completed) by a failed run, newer than the
-- current capture (:after), newest first: the one to resume is the first no live run leases.
-- For details captures (:dc not null), only those made for discover capture :dc.
SELECT capture_id, version
FROM raw.capture
WHERE asset = :a AND partition_date = :d AND completed_at IS NULL
  AND (CAST(:dc AS text) IS NULL OR request_params->>'discover_capture_id' = :dc)
  AND capture_id > :after
ORDER BY version DESC
