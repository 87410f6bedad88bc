-- Genre figures per day, stored at load time (issue 14): a year of history in a few rows per
-- Views moved to sql/views/ (one file each, applied after the migrations); this file's
-- earlier text, which created them here, is accepted by its checksum:
-- previous-checksum: 67bf3b52dbe31b4a72b6c9f85c7e043076f1f1321a9b3a0973cdf3159b69bfa7
-- genre instead of an aggregate over every fact row of every day. Each day's row is built from
-- that day's own genres (its details, else its discover genre_ids: rows.genre_daily_rows), so a
-- movie re-genred later does not rewrite the past. vw_genre_popularity reads it (same columns).
-- Idempotent: the rebuild re-runs every file.

CREATE TABLE IF NOT EXISTS warehouse.fact_genre_daily (
    date_id            integer          NOT NULL,
    genre_id           integer          NOT NULL,
    movies             integer          NOT NULL,
    mean_popularity    double precision,
    median_popularity  double precision,
    mean_vote_average  double precision,
    total_votes        bigint,
    PRIMARY KEY (date_id, genre_id)
);
-- One genre over every day (the dashboard's genre history).
CREATE INDEX IF NOT EXISTS fact_genre_daily_genre_date ON warehouse.fact_genre_daily (genre_id, date_id);

COMMENT ON TABLE warehouse.fact_genre_daily IS 'Per day and genre: the day''s discovered movies of that genre (by the genres TMDb gave that day) and their popularity and votes.';
COMMENT ON COLUMN warehouse.fact_genre_daily.date_id IS 'dim_date.date_id (YYYYMMDD)';
COMMENT ON COLUMN warehouse.fact_genre_daily.genre_id IS 'dim_genre.genre_id';
COMMENT ON COLUMN warehouse.fact_genre_daily.movies IS 'Movies of the day''s discover set with this genre';
COMMENT ON COLUMN warehouse.fact_genre_daily.mean_popularity IS 'Their mean popularity';
COMMENT ON COLUMN warehouse.fact_genre_daily.median_popularity IS 'Their median popularity';
COMMENT ON COLUMN warehouse.fact_genre_daily.mean_vote_average IS 'Their mean vote average (0-10)';
COMMENT ON COLUMN warehouse.fact_genre_daily.total_votes IS 'Their votes, summed';

-- Days loaded before this table existed: filled once from their facts with the genres known
-- now (the best the warehouse can say without re-reading raw; `tmdb-assets rebuild` or a
-- derived backfill of those days replaces them with each day's own genres).
INSERT INTO warehouse.fact_genre_daily
SELECT
    f.date_id,
    bg.genre_id,
    count(*),
    avg(f.popularity),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY f.popularity),
    avg(f.vote_average),
    sum(f.vote_count)
FROM warehouse.fact_movie_daily f
JOIN warehouse.bridge_movie_genre bg ON bg.movie_id = f.movie_id
GROUP BY f.date_id, bg.genre_id
ON CONFLICT DO NOTHING;

-- warehouse.vw_genre_popularity: its current definition is sql/views/vw_genre_popularity.sql.
