-- previous-checksum: f336a0931f89694e5552b4b17e7b29d6aa15924fb0c15cca509e94ecc9ad71ab
-- The whole catalogue every day from TMDb's daily ID export (issue 16). Idempotent.
-- previous-checksum: e723d970e56d4223081b71aeaa51397c9aec168ccc033a3d4e09ab57a2e65f3b

-- A third kind of raw capture: the day's export file, kept as TMDb served it (gzip bytes). The
-- list names 014's tail details too: `tmdb-assets rebuild` runs every file again over a raw
-- schema that may hold them.
-- NOT VALID: a rebuild replays this file over raw rows of later kinds (sql/019 lists them all).
ALTER TABLE raw.capture DROP CONSTRAINT IF EXISTS capture_asset_check;
ALTER TABLE raw.capture ADD CONSTRAINT capture_asset_check
    CHECK (asset IN ('raw_discover_pages', 'raw_movie_details', 'raw_movie_id_export',
                     'raw_movie_tail_details')) NOT VALID;

CREATE TABLE IF NOT EXISTS raw.export_chunk (
    capture_id  bigint  NOT NULL REFERENCES raw.capture (capture_id),
    seq         integer NOT NULL,
    data        bytea   NOT NULL,
    PRIMARY KEY (capture_id, seq)
);
-- Already compressed: PostgreSQL need not try again.
ALTER TABLE raw.export_chunk ALTER COLUMN data SET STORAGE EXTERNAL;
COMMENT ON TABLE raw.export_chunk IS 'TMDb daily ID export files (movie_ids_MM_DD_YYYY.json.gz) as downloaded, in 1 MiB chunks, one capture version per file.';

-- One row per movie per day from the export, partitioned by month of date_id (partitions are
-- created by the load, ahead of the days it writes; never by hand).
CREATE TABLE IF NOT EXISTS warehouse.fact_movie_popularity_daily (
    date_id     integer          NOT NULL,
    movie_id    integer          NOT NULL,
    popularity  double precision NOT NULL,
    adult       boolean          NOT NULL,
    video       boolean          NOT NULL,
    PRIMARY KEY (date_id, movie_id)
) PARTITION BY RANGE (date_id);
-- A movie over every day: one index probe per month partition.
CREATE INDEX IF NOT EXISTS fact_movie_popularity_daily_movie
    ON warehouse.fact_movie_popularity_daily (movie_id, date_id);

COMMENT ON TABLE warehouse.fact_movie_popularity_daily IS 'Every movie TMDb lists, every day: popularity from the daily ID export (partition D: the file built the morning after D). Partitioned by month.';
COMMENT ON COLUMN warehouse.fact_movie_popularity_daily.date_id IS 'dim_date.date_id (YYYYMMDD) of the partition day';
COMMENT ON COLUMN warehouse.fact_movie_popularity_daily.movie_id IS 'TMDb movie id';
COMMENT ON COLUMN warehouse.fact_movie_popularity_daily.popularity IS 'TMDb popularity in the export';
COMMENT ON COLUMN warehouse.fact_movie_popularity_daily.adult IS 'Adult flag in the export';
COMMENT ON COLUMN warehouse.fact_movie_popularity_daily.video IS 'Video flag in the export (not a feature film)';
