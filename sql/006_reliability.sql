-- A pipeline that heals itself (issue 10). Idempotent: the rebuild re-runs every file.

-- Bad input never removes a movie from its day: a field that cannot be read is quarantined on
-- its own (`field` names it) and the movie keeps every field that parsed. A fact measure that
-- could not be read is NULL (unknown), never a made-up 0.
ALTER TABLE raw.quarantine ADD COLUMN IF NOT EXISTS field text;
COMMENT ON COLUMN raw.quarantine.field IS
    'The field set aside (NULL: the whole payload was unusable and its movie got no row from it)';
ALTER TABLE warehouse.fact_movie_daily ALTER COLUMN popularity DROP NOT NULL;
ALTER TABLE warehouse.fact_movie_daily ALTER COLUMN vote_average DROP NOT NULL;
ALTER TABLE warehouse.fact_movie_daily ALTER COLUMN vote_count DROP NOT NULL;

-- A details response that stayed unreadable (not JSON, truncated) after its retries is kept as
-- received: http_status 200, payload NULL, body the text. Its movie is loaded with
-- details_status = 'invalid' and quarantined; the rest of the day loads.
ALTER TABLE raw.movie_details ADD COLUMN IF NOT EXISTS body text;
COMMENT ON COLUMN raw.movie_details.body IS
    'The response body as received when it was not JSON (payload is then NULL)';

-- Details captures are written as they are fetched, in a version that is not yet current
-- (completed_at NULL): a rerun after a failure resumes it and asks TMDb only for the rest.
CREATE INDEX IF NOT EXISTS capture_pending
    ON raw.capture (asset, partition_date) WHERE completed_at IS NULL;
