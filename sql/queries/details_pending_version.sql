-- The newest details version of day :d left pending (not completed) by a failed run for the
-- discover capture :dc, newer than the current capture (:after): the one to resume.
SELECT capture_id, version
FROM raw.capture
WHERE asset = :a AND partition_date = :d AND completed_at IS NULL
  AND request_params->>'discover_capture_id' = :dc
  AND capture_id > :after
ORDER BY version DESC
LIMIT 1
