-- People from credits (issue 15): the details request asks append_to_response=credits, so cast
-- Views moved to sql/views/ (one file each, applied after the migrations); this file's
-- earlier text, which created them here, is accepted by its checksum:
-- previous-checksum: 40fb4efd41c117b73b75225e290ae874cbbaf6335b22c5dcab994e59bf0dec54
-- and crew cost no extra request. Idempotent: the rebuild re-runs every file.

CREATE TABLE IF NOT EXISTS warehouse.dim_person (
    person_id             integer PRIMARY KEY,
    name                  text NOT NULL,
    original_name         text,
    gender                smallint,            -- TMDb: 0 not set, 1 female, 2 male, 3 non-binary
    known_for_department  text,
    profile_path          text,
    popularity            double precision,
    source_date           date NOT NULL
);

-- A credit is keyed by TMDb's credit_id: one person may play two characters or hold two jobs.
CREATE TABLE IF NOT EXISTS warehouse.bridge_movie_cast (
    movie_id    integer NOT NULL,
    person_id   integer NOT NULL,
    credit_id   text    NOT NULL,
    character   text,
    cast_order  integer,
    PRIMARY KEY (movie_id, credit_id)
);
CREATE INDEX IF NOT EXISTS bridge_movie_cast_person ON warehouse.bridge_movie_cast (person_id);

CREATE TABLE IF NOT EXISTS warehouse.bridge_movie_crew (
    movie_id    integer NOT NULL,
    person_id   integer NOT NULL,
    credit_id   text    NOT NULL,
    department  text,
    job         text,
    PRIMARY KEY (movie_id, credit_id)
);
CREATE INDEX IF NOT EXISTS bridge_movie_crew_person ON warehouse.bridge_movie_crew (person_id);
CREATE INDEX IF NOT EXISTS bridge_movie_crew_directors
    ON warehouse.bridge_movie_crew (movie_id) WHERE job = 'Director';

ALTER TABLE warehouse.dim_movie ADD COLUMN IF NOT EXISTS credits_status text;

COMMENT ON TABLE warehouse.dim_person IS 'People credited in the discovered movies (cast and crew), from the details'' credits.';
COMMENT ON COLUMN warehouse.dim_person.person_id IS 'TMDb person id';
COMMENT ON COLUMN warehouse.dim_person.name IS 'Name as TMDb shows it';
COMMENT ON COLUMN warehouse.dim_person.original_name IS 'Name in its original script';
COMMENT ON COLUMN warehouse.dim_person.gender IS 'TMDb gender code: 0 not set, 1 female, 2 male, 3 non-binary';
COMMENT ON COLUMN warehouse.dim_person.known_for_department IS 'The department the person is best known for (Acting, Directing, ...)';
COMMENT ON COLUMN warehouse.dim_person.profile_path IS 'Profile image path (prefix with the image base URL)';
COMMENT ON COLUMN warehouse.dim_person.popularity IS 'TMDb person popularity on source_date';
COMMENT ON COLUMN warehouse.dim_person.source_date IS 'The day this row was last set from';
COMMENT ON TABLE warehouse.bridge_movie_cast IS 'Each movie''s cast (its latest known credits).';
COMMENT ON COLUMN warehouse.bridge_movie_cast.movie_id IS 'dim_movie.movie_id';
COMMENT ON COLUMN warehouse.bridge_movie_cast.person_id IS 'dim_person.person_id';
COMMENT ON COLUMN warehouse.bridge_movie_cast.credit_id IS 'TMDb credit id (credits recorded before TMDb had them: "~person:cast_id:character")';
COMMENT ON COLUMN warehouse.bridge_movie_cast.character IS 'The character played';
COMMENT ON COLUMN warehouse.bridge_movie_cast.cast_order IS 'Billing order (0 = top billed)';
COMMENT ON TABLE warehouse.bridge_movie_crew IS 'Each movie''s crew (its latest known credits).';
COMMENT ON COLUMN warehouse.bridge_movie_crew.movie_id IS 'dim_movie.movie_id';
COMMENT ON COLUMN warehouse.bridge_movie_crew.person_id IS 'dim_person.person_id';
COMMENT ON COLUMN warehouse.bridge_movie_crew.credit_id IS 'TMDb credit id (credits recorded before TMDb had them: "~person:department:job")';
COMMENT ON COLUMN warehouse.bridge_movie_crew.department IS 'Department (Directing, Writing, Sound, ...)';
COMMENT ON COLUMN warehouse.bridge_movie_crew.job IS 'Job (Director, Screenplay, ...)';
COMMENT ON COLUMN warehouse.dim_movie.credits_status IS 'ok: cast or crew known; none: TMDb lists no credits; unknown: the stored details carry no credits (fetched before credits were asked for); NULL: no details';

-- Per day, each credited person: their movies in the day's discover set (counted once if both
-- cast and crew) and those movies' summed and mean popularity. Filter by date_id or person_id.
-- warehouse.vw_person_popularity: its current definition is sql/views/vw_person_popularity.sql.

-- Each movie's directors with the movie's latest popularity (vw_movie_latest).
-- warehouse.vw_director_latest: its current definition is sql/views/vw_director_latest.sql.

-- Each person's credits, cast and crew in one list, with the movie's title: what a person did.
-- warehouse.vw_person_credits: its current definition is sql/views/vw_person_credits.sql.
