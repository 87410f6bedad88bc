-- TV series (issue 25): the second domain of TMDb through the same machinery as movies. Raw:
-- /discover/tv pages in raw.discover_page (asset raw_discover_tv_pages), /tv/{id} responses in
-- raw.tv_details (raw_tv_details), /tv/changes per day in raw.tv_changes_day. Warehouse: the
-- series, their networks and seasons, bridges to the shared dimensions, the daily fact.
-- Idempotent.

-- NOT VALID: a rebuild replays this file over raw rows of later kinds.
ALTER TABLE raw.capture DROP CONSTRAINT IF EXISTS capture_asset_check;
ALTER TABLE raw.capture ADD CONSTRAINT capture_asset_check
    CHECK (asset IN ('raw_discover_pages', 'raw_movie_details', 'raw_movie_id_export',
                     'raw_movie_tail_details', 'raw_trending', 'raw_discover_tv_pages',
                     'raw_tv_details', 'raw_tv_id_export')) NOT VALID;

-- /tv/{id} responses of a details capture, as raw.movie_details holds /movie/{id}'s.
CREATE TABLE IF NOT EXISTS raw.tv_details (
    capture_id      bigint      NOT NULL REFERENCES raw.capture (capture_id),
    tv_id           integer     NOT NULL,
    http_status     smallint    NOT NULL,
    fetched_at      timestamptz NOT NULL,
    fetch_reason    text        NOT NULL,
    payload         jsonb,
    body            text,
    PRIMARY KEY (capture_id, tv_id)
);
CREATE INDEX IF NOT EXISTS tv_details_tv ON raw.tv_details (tv_id);
COMMENT ON TABLE raw.tv_details IS '/tv/{id}?append_to_response=... responses of a raw_tv_details capture: 200 with the payload, 404 recorded, an unreadable body kept as text (body).';

CREATE TABLE IF NOT EXISTS raw.tv_changes_day (
    day         date        PRIMARY KEY,
    tv_ids      integer[]   NOT NULL,
    fetched_at  timestamptz NOT NULL
);
COMMENT ON TABLE raw.tv_changes_day IS 'Ids TMDb listed in /tv/changes for one day: asked once, reused by every later plan.';

-- Genres: TMDb keeps one id space for movie and TV genres (18 Drama is both; 10765 Sci-Fi &
-- Fantasy is TV only, 878 Science Fiction movies only).
ALTER TABLE warehouse.dim_genre ADD COLUMN IF NOT EXISTS media_type text NOT NULL DEFAULT 'movie'
    CHECK (media_type IN ('movie', 'tv', 'both'));
COMMENT ON COLUMN warehouse.dim_genre.media_type IS 'Which of TMDb''s genre lists name the genre: movie, tv or both';

CREATE TABLE IF NOT EXISTS warehouse.dim_tv_series (
    tv_id               integer PRIMARY KEY,
    name                text,
    original_name       text,
    original_language   text,
    overview            text,
    first_air_date      date,
    last_air_date       date,
    status              text,
    type                text,
    number_of_seasons   integer CHECK (number_of_seasons >= 0),
    number_of_episodes  integer CHECK (number_of_episodes >= 0),
    in_production       boolean,
    adult               boolean,
    homepage            text,
    tagline             text,
    poster_path         text,
    origin_country      text[],
    details_status      text NOT NULL
        CHECK (details_status IN ('ok', 'not_found', 'invalid', 'missing', 'pending')),
    first_seen_date     date,
    last_seen_date      date,
    details_fetched_at  timestamptz,
    source_date         date NOT NULL
);
COMMENT ON TABLE warehouse.dim_tv_series IS 'One row per TV series ever discovered (or listed in TMDb''s daily TV export): names, first and last air dates, status, type, seasons and episodes, its latest known attributes (SCD type 1, never regresses).';
COMMENT ON COLUMN warehouse.dim_tv_series.type IS 'TMDb''s series type: Scripted, Reality, Documentary, Miniseries, Talk Show, News, Video';
COMMENT ON COLUMN warehouse.dim_tv_series.origin_country IS 'Countries of origin (ISO 3166-1), as TMDb lists them';
COMMENT ON COLUMN warehouse.dim_tv_series.details_status IS 'ok: details parsed; not_found: TMDb answers 404; invalid: details unreadable, quarantined; missing: discovered, details not fetched yet; pending: known from the daily TV export only';
COMMENT ON COLUMN warehouse.dim_tv_series.source_date IS 'Partition day the row''s values come from';

CREATE TABLE IF NOT EXISTS warehouse.dim_network (
    network_id      integer PRIMARY KEY,
    name            text NOT NULL,
    origin_country  text,
    logo_path       text,
    source_date     date NOT NULL
);
COMMENT ON TABLE warehouse.dim_network IS 'TV networks and streaming services that air the series (HBO, Netflix, BBC One), with their country of origin.';

-- A series' seasons from its details (no request of their own), replaced as a set from the
-- series' latest day, like a bridge.
CREATE TABLE IF NOT EXISTS warehouse.dim_tv_season (
    tv_id           integer NOT NULL,
    season_number   integer NOT NULL CHECK (season_number >= 0),
    season_id       integer,
    name            text,
    air_date        date,
    episode_count   integer,
    vote_average    double precision,
    poster_path     text,
    PRIMARY KEY (tv_id, season_number)
);
COMMENT ON TABLE warehouse.dim_tv_season IS 'Each series'' seasons as its latest details list them: number (0: specials), air date, episode count.';

CREATE TABLE IF NOT EXISTS warehouse.bridge_tv_genre (
    tv_id integer NOT NULL, genre_id integer NOT NULL, PRIMARY KEY (tv_id, genre_id));
CREATE TABLE IF NOT EXISTS warehouse.bridge_tv_network (
    tv_id integer NOT NULL, network_id integer NOT NULL, PRIMARY KEY (tv_id, network_id));
CREATE TABLE IF NOT EXISTS warehouse.bridge_tv_company (
    tv_id integer NOT NULL, company_id integer NOT NULL, PRIMARY KEY (tv_id, company_id));
CREATE TABLE IF NOT EXISTS warehouse.bridge_tv_country (
    tv_id integer NOT NULL, iso_3166_1 text NOT NULL, PRIMARY KEY (tv_id, iso_3166_1));
CREATE TABLE IF NOT EXISTS warehouse.bridge_tv_language (
    tv_id integer NOT NULL, iso_639_1 text NOT NULL, PRIMARY KEY (tv_id, iso_639_1));
CREATE INDEX IF NOT EXISTS bridge_tv_genre_genre ON warehouse.bridge_tv_genre (genre_id);
CREATE INDEX IF NOT EXISTS bridge_tv_network_network ON warehouse.bridge_tv_network (network_id);
CREATE INDEX IF NOT EXISTS bridge_tv_company_company ON warehouse.bridge_tv_company (company_id);
CREATE INDEX IF NOT EXISTS bridge_tv_country_country ON warehouse.bridge_tv_country (iso_3166_1);
COMMENT ON TABLE warehouse.bridge_tv_genre IS 'Which genres each series belongs to.';
COMMENT ON TABLE warehouse.bridge_tv_network IS 'Which networks air each series.';
COMMENT ON TABLE warehouse.bridge_tv_company IS 'Which companies produce each series.';
COMMENT ON TABLE warehouse.bridge_tv_country IS 'Each series'' countries of origin (origin_country).';
COMMENT ON TABLE warehouse.bridge_tv_language IS 'Which languages are spoken in each series.';

CREATE TABLE IF NOT EXISTS warehouse.fact_tv_daily (
    date_id         integer          NOT NULL REFERENCES warehouse.dim_date (date_id),
    tv_id           integer          NOT NULL REFERENCES warehouse.dim_tv_series (tv_id),
    popularity      double precision,
    vote_average    double precision,
    vote_count      integer,
    discover_rank   integer          NOT NULL,
    captured_at     timestamptz,
    late_capture    boolean          NOT NULL DEFAULT false,
    PRIMARY KEY (date_id, tv_id)
);
CREATE INDEX IF NOT EXISTS fact_tv_daily_tv ON warehouse.fact_tv_daily (tv_id, date_id);
COMMENT ON TABLE warehouse.fact_tv_daily IS 'One row per series and day of the TV discover window: popularity, vote average and vote count at the end of the day, with the discover rank (late captures flagged).';

-- What each column holds (the Dagster UI and pgAdmin show these).
COMMENT ON COLUMN warehouse.dim_tv_series.tv_id IS 'TMDb series id';
COMMENT ON COLUMN warehouse.dim_tv_series.name IS 'Name (in the capture''s language, TMDB_LANGUAGE)';
COMMENT ON COLUMN warehouse.dim_tv_series.original_name IS 'Name in the original language';
COMMENT ON COLUMN warehouse.dim_tv_series.original_language IS 'Original language (ISO 639-1)';
COMMENT ON COLUMN warehouse.dim_tv_series.overview IS 'Synopsis (NULL where TMDb has none)';
COMMENT ON COLUMN warehouse.dim_tv_series.first_air_date IS 'First episode''s air date (NULL where TMDb sends "")';
COMMENT ON COLUMN warehouse.dim_tv_series.last_air_date IS 'Latest aired episode''s date';
COMMENT ON COLUMN warehouse.dim_tv_series.status IS 'TMDb''s status: Returning Series, Ended, Canceled, In Production, Planned, Pilot';
COMMENT ON COLUMN warehouse.dim_tv_series.number_of_seasons IS 'Seasons (the specials, season 0, not counted)';
COMMENT ON COLUMN warehouse.dim_tv_series.number_of_episodes IS 'Episodes aired or announced, as TMDb counts them';
COMMENT ON COLUMN warehouse.dim_tv_series.in_production IS 'Whether the series is still being made';
COMMENT ON COLUMN warehouse.dim_tv_series.adult IS 'TMDb''s adult flag';
COMMENT ON COLUMN warehouse.dim_tv_series.homepage IS 'Official site (NULL where TMDb sends "")';
COMMENT ON COLUMN warehouse.dim_tv_series.tagline IS 'Tagline (NULL where TMDb sends "")';
COMMENT ON COLUMN warehouse.dim_tv_series.poster_path IS 'Poster image path on TMDb''s image CDN';
COMMENT ON COLUMN warehouse.dim_tv_series.first_seen_date IS 'First day the series was in the TV discover list (NULL: never discovered)';
COMMENT ON COLUMN warehouse.dim_tv_series.last_seen_date IS 'Last day the series was in the TV discover list (NULL: never discovered)';
COMMENT ON COLUMN warehouse.dim_tv_series.details_fetched_at IS 'When the details the row comes from were fetched';
COMMENT ON COLUMN warehouse.dim_network.network_id IS 'TMDb network id';
COMMENT ON COLUMN warehouse.dim_network.name IS 'Network or streaming service name';
COMMENT ON COLUMN warehouse.dim_network.origin_country IS 'Country of origin (ISO 3166-1)';
COMMENT ON COLUMN warehouse.dim_network.logo_path IS 'Logo image path on TMDb''s image CDN';
COMMENT ON COLUMN warehouse.dim_network.source_date IS 'Partition day the row''s values come from';
COMMENT ON COLUMN warehouse.dim_tv_season.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.dim_tv_season.season_number IS 'Season number; 0: the specials';
COMMENT ON COLUMN warehouse.dim_tv_season.season_id IS 'TMDb season id';
COMMENT ON COLUMN warehouse.dim_tv_season.name IS 'Season name (Season 1, Specials, or its own title)';
COMMENT ON COLUMN warehouse.dim_tv_season.air_date IS 'First air date of the season';
COMMENT ON COLUMN warehouse.dim_tv_season.episode_count IS 'Episodes in the season';
COMMENT ON COLUMN warehouse.dim_tv_season.vote_average IS 'TMDb''s vote average of the season (0: no votes)';
COMMENT ON COLUMN warehouse.dim_tv_season.poster_path IS 'Season poster path on TMDb''s image CDN';
COMMENT ON COLUMN warehouse.bridge_tv_genre.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.bridge_tv_genre.genre_id IS 'The genre (dim_genre)';
COMMENT ON COLUMN warehouse.bridge_tv_network.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.bridge_tv_network.network_id IS 'The network (dim_network)';
COMMENT ON COLUMN warehouse.bridge_tv_company.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.bridge_tv_company.company_id IS 'The production company (dim_company)';
COMMENT ON COLUMN warehouse.bridge_tv_country.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.bridge_tv_country.iso_3166_1 IS 'A country of origin (dim_country)';
COMMENT ON COLUMN warehouse.bridge_tv_language.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.bridge_tv_language.iso_639_1 IS 'A spoken language (dim_language)';
COMMENT ON COLUMN warehouse.fact_tv_daily.date_id IS 'The day (dim_date, YYYYMMDD)';
COMMENT ON COLUMN warehouse.fact_tv_daily.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.fact_tv_daily.popularity IS 'TMDb popularity at the end of the day (NULL: unreadable, quarantined)';
COMMENT ON COLUMN warehouse.fact_tv_daily.vote_average IS 'Average vote, 0..10';
COMMENT ON COLUMN warehouse.fact_tv_daily.vote_count IS 'Number of votes';
COMMENT ON COLUMN warehouse.fact_tv_daily.discover_rank IS 'Position in the day''s TV discover list (1 = most popular)';
COMMENT ON COLUMN warehouse.fact_tv_daily.captured_at IS 'When TMDb answered (the discover capture''s Date header)';
COMMENT ON COLUMN warehouse.fact_tv_daily.late_capture IS 'Captured more than late_grace_hours after the day ended: TMDb''s state then, not the day''s';

-- Every series TMDb lists, every day, from its daily TV export (tv_series_ids_MM_DD_YYYY.json.gz:
-- id, original name, popularity), partitioned by month of date_id like the movies' (partitions
-- created by the load, ahead of the days it writes).
CREATE TABLE IF NOT EXISTS warehouse.fact_tv_popularity_daily (
    date_id     integer          NOT NULL,
    tv_id       integer          NOT NULL,
    popularity  double precision NOT NULL,
    PRIMARY KEY (date_id, tv_id)
) PARTITION BY RANGE (date_id);
CREATE INDEX IF NOT EXISTS fact_tv_popularity_daily_tv
    ON warehouse.fact_tv_popularity_daily (tv_id, date_id);
COMMENT ON TABLE warehouse.fact_tv_popularity_daily IS 'Every TV series TMDb lists, every day: popularity from the daily TV export (partition D: the file built the morning after D). Partitioned by month.';
COMMENT ON COLUMN warehouse.fact_tv_popularity_daily.date_id IS 'dim_date.date_id (YYYYMMDD) of the partition day';
COMMENT ON COLUMN warehouse.fact_tv_popularity_daily.tv_id IS 'TMDb series id';
COMMENT ON COLUMN warehouse.fact_tv_popularity_daily.popularity IS 'TMDb popularity in the export';
CREATE INDEX IF NOT EXISTS dim_tv_series_pending
    ON warehouse.dim_tv_series (source_date DESC, tv_id) WHERE details_status = 'pending';
CREATE INDEX IF NOT EXISTS dim_tv_series_discovered
    ON warehouse.dim_tv_series (tv_id) WHERE last_seen_date IS NOT NULL;

-- A series' people from its aggregate credits (appended to the details request): one row per
-- role or job (TMDb's credit_id), with the episodes it spans.
CREATE TABLE IF NOT EXISTS warehouse.bridge_tv_cast (
    tv_id          integer NOT NULL,
    credit_id      text    NOT NULL,
    person_id      integer NOT NULL,
    character      text,
    cast_order     integer,
    episode_count  integer,
    PRIMARY KEY (tv_id, credit_id)
);
CREATE TABLE IF NOT EXISTS warehouse.bridge_tv_crew (
    tv_id          integer NOT NULL,
    credit_id      text    NOT NULL,
    person_id      integer NOT NULL,
    department     text,
    job            text,
    episode_count  integer,
    PRIMARY KEY (tv_id, credit_id)
);
CREATE INDEX IF NOT EXISTS bridge_tv_cast_person ON warehouse.bridge_tv_cast (person_id);
CREATE INDEX IF NOT EXISTS bridge_tv_crew_person ON warehouse.bridge_tv_crew (person_id);
COMMENT ON TABLE warehouse.bridge_tv_cast IS 'Each series'' cast from its aggregate credits: who plays which character, billing order, episodes.';
COMMENT ON TABLE warehouse.bridge_tv_crew IS 'Each series'' crew from its aggregate credits: department, job, episodes.';
COMMENT ON COLUMN warehouse.bridge_tv_cast.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.bridge_tv_cast.credit_id IS 'TMDb credit id of the role';
COMMENT ON COLUMN warehouse.bridge_tv_cast.person_id IS 'The person (dim_person)';
COMMENT ON COLUMN warehouse.bridge_tv_cast.character IS 'The character played (NULL where TMDb gives none)';
COMMENT ON COLUMN warehouse.bridge_tv_cast.cast_order IS 'Billing order (0 first)';
COMMENT ON COLUMN warehouse.bridge_tv_cast.episode_count IS 'Episodes the role appears in';
COMMENT ON COLUMN warehouse.bridge_tv_crew.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.bridge_tv_crew.credit_id IS 'TMDb credit id of the job';
COMMENT ON COLUMN warehouse.bridge_tv_crew.person_id IS 'The person (dim_person)';
COMMENT ON COLUMN warehouse.bridge_tv_crew.department IS 'Department (Directing, Writing, ...)';
COMMENT ON COLUMN warehouse.bridge_tv_crew.job IS 'Job (Director, Screenplay, ...)';
COMMENT ON COLUMN warehouse.bridge_tv_crew.episode_count IS 'Episodes the job spans';

-- What a series' details request appends, as the movies' (issue 24): keywords, content ratings
-- per country, and where to watch as history. The two watch tables are the movies' shape with
-- tv_id for movie_id (LIKE ... INCLUDING ALL: the same checks, defaults, indexes and comments).
CREATE TABLE IF NOT EXISTS warehouse.bridge_tv_keyword (
    tv_id integer NOT NULL, keyword_id integer NOT NULL, PRIMARY KEY (tv_id, keyword_id));
CREATE INDEX IF NOT EXISTS bridge_tv_keyword_keyword ON warehouse.bridge_tv_keyword (keyword_id);
COMMENT ON TABLE warehouse.bridge_tv_keyword IS 'Each series'' keywords (a series whose stored details predate them has no set: unknown, not empty).';
COMMENT ON COLUMN warehouse.bridge_tv_keyword.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.bridge_tv_keyword.keyword_id IS 'The keyword (dim_keyword)';

CREATE TABLE IF NOT EXISTS warehouse.bridge_tv_content_rating (
    tv_id       integer NOT NULL,
    iso_3166_1  text    NOT NULL,
    rating      text    NOT NULL,
    PRIMARY KEY (tv_id, iso_3166_1)
);
COMMENT ON TABLE warehouse.bridge_tv_content_rating IS 'Each series'' content rating per country as TMDb states it now (TV-MA, FSK 16, 15).';
COMMENT ON COLUMN warehouse.bridge_tv_content_rating.tv_id IS 'The series (dim_tv_series)';
COMMENT ON COLUMN warehouse.bridge_tv_content_rating.iso_3166_1 IS 'The country (dim_country)';
COMMENT ON COLUMN warehouse.bridge_tv_content_rating.rating IS 'The rating in that country''s system';

DO $$
DECLARE
    r record;
BEGIN
    IF to_regclass('warehouse.fact_tv_watch_observation') IS NULL THEN
        CREATE TABLE warehouse.fact_tv_watch_observation
            (LIKE warehouse.fact_watch_observation INCLUDING ALL);
        ALTER TABLE warehouse.fact_tv_watch_observation RENAME COLUMN movie_id TO tv_id;
    END IF;
    IF to_regclass('warehouse.fact_tv_watch_availability') IS NULL THEN
        CREATE TABLE warehouse.fact_tv_watch_availability
            (LIKE warehouse.fact_watch_availability INCLUDING ALL);
        ALTER TABLE warehouse.fact_tv_watch_availability RENAME COLUMN movie_id TO tv_id;
    END IF;
    -- The copied indexes are named after the column they were made on: name them for tv_id.
    FOR r IN
        SELECT indexname FROM pg_indexes WHERE schemaname = 'warehouse'
          AND tablename IN ('fact_tv_watch_observation', 'fact_tv_watch_availability')
          AND indexname LIKE '%movie_id%'
    LOOP
        EXECUTE format('ALTER INDEX warehouse.%I RENAME TO %I',
                       r.indexname, replace(r.indexname, 'movie_id', 'tv_id'));
    END LOOP;
END $$;
COMMENT ON TABLE warehouse.fact_tv_watch_observation IS 'The days each series'' availability was observed: its details fetched with a readable watch/providers part (how fresh fact_tv_watch_availability is, series by series).';
COMMENT ON COLUMN warehouse.fact_tv_watch_observation.tv_id IS 'dim_tv_series.tv_id';
COMMENT ON TABLE warehouse.fact_tv_watch_availability IS 'Where each series could be watched over time: one row per offer (country, provider, kind) and run of observations holding it; available on day d when valid_from <= d < coalesce(valid_to, infinity).';
COMMENT ON COLUMN warehouse.fact_tv_watch_availability.tv_id IS 'dim_tv_series.tv_id';
