-- Star schema. Every dimension row carries source_date: the partition it was last set from, so
-- an older partition replayed later never overwrites newer state. Bridges hold each movie's
-- latest known set (the day it comes from is dim_movie.source_date) and declare no foreign keys:
-- the loader inserts only pairs whose movie and dimension exist and the blocking foreign_keys
-- checks verify both sides after every load (see 005_bridges_lean.sql for why).
--
-- Edited after release (the bridges were created with foreign keys and source_date, which
-- 005 removed); the schema it creates with 005 is the same. Checksums this file had before:
-- previous-checksum: ce179b34883808aff29c826b1a7c6a8bd97974c71df803f0cb5cc07eb56a63e7
CREATE SCHEMA IF NOT EXISTS warehouse;

CREATE TABLE IF NOT EXISTS warehouse.dim_date (
    date_id     integer PRIMARY KEY,       -- YYYYMMDD
    full_date   date     NOT NULL UNIQUE,
    year        smallint NOT NULL,
    quarter     smallint NOT NULL,
    month       smallint NOT NULL,
    day         smallint NOT NULL,
    iso_week    smallint NOT NULL,
    weekday     smallint NOT NULL,        -- ISO: 1 = Monday .. 7 = Sunday
    weekday_name text    NOT NULL,
    is_weekend  boolean  NOT NULL
);

CREATE TABLE IF NOT EXISTS warehouse.dim_movie (
    movie_id            integer PRIMARY KEY,   -- TMDb id
    title               text,
    original_title      text,
    original_language   text,
    overview            text,
    release_date        date,                 -- NULL where TMDb sends ""
    runtime             integer,
    budget              bigint,
    revenue             bigint,
    status              text,
    imdb_id             text,
    adult               boolean,
    video               boolean,
    homepage            text,
    tagline             text,
    collection_id       integer,
    collection_name     text,
    poster_path         text,
    details_status      text NOT NULL CHECK (details_status IN ('ok', 'not_found', 'invalid', 'missing')),
    first_seen_date     date NOT NULL,
    last_seen_date      date NOT NULL,
    details_fetched_at  timestamptz,
    source_date         date NOT NULL
);

CREATE TABLE IF NOT EXISTS warehouse.dim_genre (
    genre_id    integer PRIMARY KEY,
    name        text NOT NULL,
    source_date date NOT NULL
);

CREATE TABLE IF NOT EXISTS warehouse.dim_company (
    company_id      integer PRIMARY KEY,
    name            text NOT NULL,
    origin_country  text,                  -- NULL where TMDb sends ""
    logo_path       text,
    source_date     date NOT NULL
);

CREATE TABLE IF NOT EXISTS warehouse.country_continent (
    iso_3166_1      text PRIMARY KEY CHECK (iso_3166_1 ~ '^[A-Z]{2}$'),
    country_name    text NOT NULL,
    continent_code  text NOT NULL CHECK (continent_code IN ('AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA')),
    continent       text NOT NULL
);

CREATE TABLE IF NOT EXISTS warehouse.dim_country (
    iso_3166_1      text PRIMARY KEY,
    name            text NOT NULL,
    native_name     text,
    continent_code  text,
    continent       text,
    source_date     date NOT NULL
);

CREATE TABLE IF NOT EXISTS warehouse.dim_language (
    iso_639_1       text PRIMARY KEY,
    english_name    text,
    name            text,                  -- native name; NULL where TMDb sends ""
    source_date     date NOT NULL
);

CREATE TABLE IF NOT EXISTS warehouse.bridge_movie_genre (
    movie_id    integer NOT NULL,
    genre_id    integer NOT NULL,
    PRIMARY KEY (movie_id, genre_id)
);

CREATE TABLE IF NOT EXISTS warehouse.bridge_movie_company (
    movie_id    integer NOT NULL,
    company_id  integer NOT NULL,
    PRIMARY KEY (movie_id, company_id)
);

CREATE TABLE IF NOT EXISTS warehouse.bridge_movie_country (
    movie_id    integer NOT NULL,
    iso_3166_1  text    NOT NULL,
    PRIMARY KEY (movie_id, iso_3166_1)
);

CREATE TABLE IF NOT EXISTS warehouse.bridge_movie_language (
    movie_id    integer NOT NULL,
    iso_639_1   text    NOT NULL,
    PRIMARY KEY (movie_id, iso_639_1)
);

CREATE TABLE IF NOT EXISTS warehouse.fact_movie_daily (
    date_id         integer          NOT NULL REFERENCES warehouse.dim_date (date_id),
    movie_id        integer          NOT NULL REFERENCES warehouse.dim_movie (movie_id),
    popularity      double precision NOT NULL,
    vote_average    double precision NOT NULL,
    vote_count      integer          NOT NULL,
    discover_rank   integer          NOT NULL,
    captured_at     timestamptz      NOT NULL,
    late_capture    boolean          NOT NULL DEFAULT false,
    PRIMARY KEY (date_id, movie_id)
);
