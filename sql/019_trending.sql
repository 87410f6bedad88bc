-- previous-checksum: 2acb56e7f533f2e42075e79732706ac12cf87a3037564a6143c4cf783649ac37
-- TMDb's trending movies (issue 24): /trending/movie/day and /trending/movie/week, a few pages
-- each, captured at the day's end like discover (raw_trending), and their ranks per day
-- (fact_trending_daily, replaced per day). Idempotent. The capture kinds' constraint is
-- NOT VALID: a rebuild replays this file over raw rows of later kinds (sql/021 lists them all).
ALTER TABLE raw.capture DROP CONSTRAINT IF EXISTS capture_asset_check;
ALTER TABLE raw.capture ADD CONSTRAINT capture_asset_check
    CHECK (asset IN ('raw_discover_pages', 'raw_movie_details', 'raw_movie_id_export',
                     'raw_movie_tail_details', 'raw_trending')) NOT VALID;

CREATE TABLE IF NOT EXISTS raw.trending_page (
    capture_id   bigint      NOT NULL REFERENCES raw.capture (capture_id),
    time_window  text        NOT NULL CHECK (time_window IN ('day', 'week')),
    page         integer     NOT NULL CHECK (page BETWEEN 1 AND 500),
    captured_at  timestamptz NOT NULL,
    payload      jsonb       NOT NULL,
    PRIMARY KEY (capture_id, time_window, page)
);
COMMENT ON TABLE raw.trending_page IS 'Whole /trending/movie/{day,week} pages of a raw_trending capture.';

CREATE TABLE IF NOT EXISTS warehouse.fact_trending_daily (
    date_id      integer          NOT NULL,
    time_window  text             NOT NULL CHECK (time_window IN ('day', 'week')),
    rank         integer          NOT NULL CHECK (rank >= 1),
    movie_id     integer          NOT NULL,
    popularity   double precision,
    late_capture boolean          NOT NULL DEFAULT false,
    PRIMARY KEY (date_id, time_window, rank),
    UNIQUE (date_id, time_window, movie_id)
);
CREATE INDEX IF NOT EXISTS fact_trending_daily_movie
    ON warehouse.fact_trending_daily (movie_id, date_id);

COMMENT ON TABLE warehouse.fact_trending_daily IS 'TMDb''s trending ranks per day: the movies of /trending/movie/day and /trending/movie/week (a few pages each) at the end of the day.';
COMMENT ON COLUMN warehouse.fact_trending_daily.date_id IS 'dim_date.date_id (YYYYMMDD)';
COMMENT ON COLUMN warehouse.fact_trending_daily.time_window IS 'day: trending over the last day; week: over the last week';
COMMENT ON COLUMN warehouse.fact_trending_daily.rank IS 'Position in TMDb''s trending list, from 1, without gaps (a movie listed twice across pages keeps its better place)';
COMMENT ON COLUMN warehouse.fact_trending_daily.movie_id IS 'dim_movie.movie_id (a trending movie outside the discover window joins dim_movie as pending)';
COMMENT ON COLUMN warehouse.fact_trending_daily.popularity IS 'The popularity TMDb gave with the trending item';
COMMENT ON COLUMN warehouse.fact_trending_daily.late_capture IS 'The list was captured long after the day ended (TMDb''s state then)';
