-- previous-checksum: a35033441d3a70049c5a44cc7289f07c2bb1e9e5ceacc9d772be799cd1143714
-- dim_movie learns every movie of the daily ID export, and the long tail's details arrive over
-- Views moved to sql/views/ (one file each, applied after the migrations); this file's
-- earlier text, which created them here, is accepted by its checksum:
-- previous-checksum: 9dc01410be4524352c3a0d85a5605886c8720675bc73bbb3c2e79a3255c71911
-- time within a daily request budget (issue 16). Idempotent.

-- 'pending': known from the export only (id, original title, adult, video); its details are
-- fetched by raw_movie_tail_details as the budget allows. A movie never discovered has no
-- first/last day in the discover list.
ALTER TABLE warehouse.dim_movie DROP CONSTRAINT IF EXISTS dim_movie_details_status_check;
ALTER TABLE warehouse.dim_movie ADD CONSTRAINT dim_movie_details_status_check
    CHECK (details_status IN ('ok', 'not_found', 'invalid', 'missing', 'pending'));
ALTER TABLE warehouse.dim_movie ALTER COLUMN first_seen_date DROP NOT NULL;
ALTER TABLE warehouse.dim_movie ALTER COLUMN last_seen_date DROP NOT NULL;

-- The tail's plan: pending movies (newest learned first) and the oldest-fetched ones.
CREATE INDEX IF NOT EXISTS dim_movie_pending
    ON warehouse.dim_movie (source_date DESC, movie_id) WHERE details_status = 'pending';
CREATE INDEX IF NOT EXISTS dim_movie_details_fetched
    ON warehouse.dim_movie (details_fetched_at) WHERE details_status <> 'pending';

COMMENT ON COLUMN warehouse.dim_movie.details_status IS 'ok: details parsed; not_found: TMDb answers 404 (deleted or merged); invalid: details unreadable, quarantined; missing: discovered, details not fetched yet; pending: known from the daily ID export only (id, original title, adult, video), details to come within TMDB_TAIL_DETAILS_PER_DAY';
COMMENT ON COLUMN warehouse.dim_movie.first_seen_date IS 'First day the movie was in the discover list (NULL: never discovered, known from the export)';
COMMENT ON COLUMN warehouse.dim_movie.last_seen_date IS 'Last day the movie was in the discover list (NULL: never discovered)';
COMMENT ON COLUMN warehouse.dim_movie.source_date IS 'Partition day the row''s values come from (a pending row: the first export day that listed it)';

-- The long tail's details: a fourth kind of raw capture, rows in raw.movie_details.
-- NOT VALID: a rebuild replays this file over raw rows of later kinds (sql/019 lists them all).
ALTER TABLE raw.capture DROP CONSTRAINT IF EXISTS capture_asset_check;
ALTER TABLE raw.capture ADD CONSTRAINT capture_asset_check
    CHECK (asset IN ('raw_discover_pages', 'raw_movie_details', 'raw_movie_id_export',
                     'raw_movie_tail_details')) NOT VALID;

-- vw_movie_latest: each discovered movie's latest day. The movies known only from the export
-- (a million, never in the discover list: last_seen_date NULL) have no fact_movie_daily row; the
-- view no longer probes the fact once for each of them. Same columns.
CREATE INDEX IF NOT EXISTS dim_movie_discovered
    ON warehouse.dim_movie (movie_id) WHERE last_seen_date IS NOT NULL;
-- warehouse.vw_movie_latest: its current definition is sql/views/vw_movie_latest.sql.
