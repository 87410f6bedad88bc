-- Where to watch, as history (issue 24), from the details request's appended watch/providers
-- (no request of its own). TMDb shows only the present; each details fetch is an observation of
-- a movie's offers (country, provider, kind), and the history is what those observations say:
-- - fact_watch_observation: the days each movie's offers were observed (its details fetched with
--   a readable watch/providers part), with what was seen;
-- - fact_watch_availability: one row per run of observations in which an offer was present:
--   valid_from (its first observation), last_observed_date (its last), valid_to (the first
--   observation without it; NULL while current). An interval is half-open: available on day d
--   when valid_from <= d < coalesce(valid_to, infinity).
-- Together they encode every observation exactly, so a day loaded late or again is placed among
-- the others (an older observation never reopens or closes what a newer one set). Idempotent.
CREATE TABLE IF NOT EXISTS warehouse.dim_watch_provider (
    provider_id       integer PRIMARY KEY,
    name              text    NOT NULL,
    logo_path         text,
    display_priority  integer,
    source_date       date    NOT NULL
);

CREATE TABLE IF NOT EXISTS warehouse.fact_watch_observation (
    movie_id       integer     NOT NULL,
    observed_date  date        NOT NULL,
    source         text        NOT NULL CHECK (source IN ('discover', 'tail')),
    countries      integer     NOT NULL,
    providers      integer     NOT NULL,
    offers         integer     NOT NULL,
    fetched_at     timestamptz NOT NULL,
    PRIMARY KEY (movie_id, observed_date)
);
CREATE INDEX IF NOT EXISTS fact_watch_observation_day
    ON warehouse.fact_watch_observation (observed_date, source);

CREATE TABLE IF NOT EXISTS warehouse.fact_watch_availability (
    movie_id            integer NOT NULL,
    iso_3166_1          text    NOT NULL,
    provider_id         integer NOT NULL,
    kind                text    NOT NULL CHECK (kind IN ('flatrate', 'free', 'ads', 'rent', 'buy')),
    valid_from          date    NOT NULL,
    valid_to            date,
    last_observed_date  date    NOT NULL,
    PRIMARY KEY (movie_id, iso_3166_1, provider_id, kind, valid_from),
    CHECK (valid_from <= last_observed_date),
    CHECK (valid_to IS NULL OR last_observed_date < valid_to)
);
-- At most one open row per offer.
CREATE UNIQUE INDEX IF NOT EXISTS fact_watch_availability_open
    ON warehouse.fact_watch_availability (movie_id, iso_3166_1, provider_id, kind)
    WHERE valid_to IS NULL;
-- The dashboard's country page: a country's providers now and over time.
CREATE INDEX IF NOT EXISTS fact_watch_availability_country
    ON warehouse.fact_watch_availability (iso_3166_1, provider_id, kind, valid_from);
-- Each load finds the movies whose rows name its day (a capture of the day replaced since).
CREATE INDEX IF NOT EXISTS fact_watch_availability_days
    ON warehouse.fact_watch_availability (last_observed_date);
CREATE INDEX IF NOT EXISTS fact_watch_availability_from
    ON warehouse.fact_watch_availability (valid_from);
CREATE INDEX IF NOT EXISTS fact_watch_availability_to
    ON warehouse.fact_watch_availability (valid_to) WHERE valid_to IS NOT NULL;

COMMENT ON TABLE warehouse.dim_watch_provider IS 'Streaming services and stores (Netflix, Apple TV, ...) that TMDb''s watch/providers name.';
COMMENT ON COLUMN warehouse.dim_watch_provider.provider_id IS 'TMDb (JustWatch) provider id';
COMMENT ON COLUMN warehouse.dim_watch_provider.name IS 'Provider name';
COMMENT ON COLUMN warehouse.dim_watch_provider.logo_path IS 'Logo image path (https://image.tmdb.org/t/p/w92 + path)';
COMMENT ON COLUMN warehouse.dim_watch_provider.display_priority IS 'TMDb''s order of providers, lower first (it varies by country: the best seen)';
COMMENT ON COLUMN warehouse.dim_watch_provider.source_date IS 'Partition day the values come from';
COMMENT ON TABLE warehouse.fact_watch_observation IS 'The days each movie''s availability was observed: its details fetched with a readable watch/providers part (how fresh fact_watch_availability is, movie by movie).';
COMMENT ON COLUMN warehouse.fact_watch_observation.movie_id IS 'dim_movie.movie_id';
COMMENT ON COLUMN warehouse.fact_watch_observation.observed_date IS 'Partition day of the details capture that observed it';
COMMENT ON COLUMN warehouse.fact_watch_observation.source IS 'discover: the discover window''s details; tail: the long tail''s';
COMMENT ON COLUMN warehouse.fact_watch_observation.countries IS 'Countries with at least one offer';
COMMENT ON COLUMN warehouse.fact_watch_observation.providers IS 'Distinct providers with at least one offer';
COMMENT ON COLUMN warehouse.fact_watch_observation.offers IS '(country, provider, kind) offers seen (0: nowhere to watch)';
COMMENT ON COLUMN warehouse.fact_watch_observation.fetched_at IS 'When the details were fetched';
COMMENT ON TABLE warehouse.fact_watch_availability IS 'Where each movie could be watched over time: one row per offer (country, provider, kind) and run of observations holding it; available on day d when valid_from <= d < coalesce(valid_to, infinity).';
COMMENT ON COLUMN warehouse.fact_watch_availability.movie_id IS 'dim_movie.movie_id';
COMMENT ON COLUMN warehouse.fact_watch_availability.iso_3166_1 IS 'Country of the offer (ISO 3166-1)';
COMMENT ON COLUMN warehouse.fact_watch_availability.provider_id IS 'dim_watch_provider.provider_id';
COMMENT ON COLUMN warehouse.fact_watch_availability.kind IS 'flatrate (subscription), free, ads (free with ads), rent or buy';
COMMENT ON COLUMN warehouse.fact_watch_availability.valid_from IS 'First observation day of this run';
COMMENT ON COLUMN warehouse.fact_watch_availability.valid_to IS 'First observation day without the offer (exclusive); NULL while current';
COMMENT ON COLUMN warehouse.fact_watch_availability.last_observed_date IS 'Last observation day that saw the offer';
