-- The catalogue per day, summarised at load time, and one movie's history from both sources
-- Views moved to sql/views/ (one file each, applied after the migrations); this file's
-- earlier text, which created them here, is accepted by its checksum:
-- previous-checksum: 4fe54b183e65eb86293ba186ecd68d566598ff671efbcc55dfed159547eaab56
-- (issue 16). Idempotent.

-- One row per export day: computed from that day's million rows once (fact_catalogue_daily's
-- load), so a quarter of catalogue history is 90 rows to read, not 90 million.
CREATE TABLE IF NOT EXISTS warehouse.fact_catalogue_daily (
    date_id            integer PRIMARY KEY,
    movies             integer          NOT NULL,
    previous_date_id   integer,
    new_movies         integer,
    removed_movies     integer,
    adult_movies       integer          NOT NULL,
    video_movies       integer          NOT NULL,
    mean_popularity    double precision,
    median_popularity  double precision,
    p90_popularity     double precision,
    p99_popularity     double precision,
    max_popularity     double precision,
    zero_popularity    integer          NOT NULL
);
COMMENT ON TABLE warehouse.fact_catalogue_daily IS 'Per export day: the catalogue''s size, ids new and removed since the previous export day, and its popularity distribution.';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.date_id IS 'The partition day (YYYYMMDD)';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.movies IS 'Movies in the day''s export';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.previous_date_id IS 'The export day compared with (the latest loaded before it; NULL: none)';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.new_movies IS 'Ids in this day''s export and not in the previous export day''s';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.removed_movies IS 'Ids in the previous export day''s and not in this day''s';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.adult_movies IS 'Movies flagged adult';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.video_movies IS 'Movies flagged video';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.mean_popularity IS 'Mean popularity';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.median_popularity IS 'Median popularity';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.p90_popularity IS '90th percentile of popularity';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.p99_popularity IS '99th percentile of popularity';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.max_popularity IS 'Highest popularity';
COMMENT ON COLUMN warehouse.fact_catalogue_daily.zero_popularity IS 'Movies whose popularity is 0';

-- warehouse.vw_catalogue_daily: its current definition is sql/views/vw_catalogue_daily.sql.

-- A movie's popularity on every captured day: the export's value where the export has the day
-- (the day's whole-catalogue state), else discover's; both named. Filter by movie_id: each
-- branch then reads its index (one probe per month partition of the export).
-- warehouse.vw_movie_popularity_history: its current definition is sql/views/vw_movie_popularity_history.sql.
