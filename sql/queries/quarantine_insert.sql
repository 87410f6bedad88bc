-- What could not be parsed, with its reason: idempotent per day, source, movie and reason.
INSERT INTO raw.quarantine (partition_date, source, movie_id, reason, payload, field)
SELECT DISTINCT ON (partition_date, source, movie_id, reason) *
FROM stg_quarantine
ON CONFLICT (partition_date, source, movie_id, reason) DO NOTHING
