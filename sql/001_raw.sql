-- Raw layer: immutable captures of TMDb responses, one per (asset, partition date) and version.
CREATE SCHEMA IF NOT EXISTS raw;

-- One row per attempt to capture a partition of a raw asset. Only a complete capture is
-- current; a recapture adds a new version and keeps the old one (raw history is the only copy
-- of the past).
CREATE TABLE IF NOT EXISTS raw.capture (
    capture_id      bigserial PRIMARY KEY,
    asset           text        NOT NULL CHECK (asset IN ('raw_discover_pages', 'raw_movie_details')),
    partition_date  date        NOT NULL,
    version         integer     NOT NULL,
    is_current      boolean     NOT NULL DEFAULT false,
    started_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    captured_at     timestamptz,          -- when TMDb answered (response Date header)
    late_capture    boolean     NOT NULL DEFAULT false,
    request_params  jsonb       NOT NULL DEFAULT '{}'::jsonb,
    stats           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    UNIQUE (asset, partition_date, version)
);
CREATE UNIQUE INDEX IF NOT EXISTS capture_one_current
    ON raw.capture (asset, partition_date) WHERE is_current;

-- Whole /discover/movie pages of a capture.
CREATE TABLE IF NOT EXISTS raw.discover_page (
    capture_id      bigint      NOT NULL REFERENCES raw.capture (capture_id),
    page            integer     NOT NULL CHECK (page BETWEEN 1 AND 500),
    captured_at     timestamptz NOT NULL,
    request_params  jsonb       NOT NULL,
    payload         jsonb       NOT NULL,
    PRIMARY KEY (capture_id, page)
);

-- Reference lists fetched with the discover capture (genre list, countries, languages).
CREATE TABLE IF NOT EXISTS raw.reference_list (
    capture_id      bigint      NOT NULL REFERENCES raw.capture (capture_id),
    list_name       text        NOT NULL CHECK (list_name IN ('genres', 'countries', 'languages')),
    captured_at     timestamptz NOT NULL,
    payload         jsonb       NOT NULL,
    PRIMARY KEY (capture_id, list_name)
);

-- /movie/{id} responses of a details capture: 200 with the payload, or 404 recorded.
CREATE TABLE IF NOT EXISTS raw.movie_details (
    capture_id      bigint      NOT NULL REFERENCES raw.capture (capture_id),
    movie_id        integer     NOT NULL,
    http_status     smallint    NOT NULL,
    fetched_at      timestamptz NOT NULL,
    fetch_reason    text        NOT NULL,
    payload         jsonb,
    PRIMARY KEY (capture_id, movie_id)
);
CREATE INDEX IF NOT EXISTS movie_details_movie ON raw.movie_details (movie_id);

-- Ids TMDb listed in /movie/changes for one day: asked once, reused by every later plan.
CREATE TABLE IF NOT EXISTS raw.changes_day (
    day             date        PRIMARY KEY,
    movie_ids       integer[]   NOT NULL,
    fetched_at      timestamptz NOT NULL
);

-- Payloads that could not be parsed, with the reason: never dropped silently.
CREATE TABLE IF NOT EXISTS raw.quarantine (
    quarantine_id   bigserial PRIMARY KEY,
    partition_date  date        NOT NULL,
    source          text        NOT NULL,
    movie_id        integer,
    reason          text        NOT NULL,
    payload         jsonb,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partition_date, source, movie_id, reason)
);
