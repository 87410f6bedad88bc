-- People from credits (issue 15): the details request asks append_to_response=credits, so cast
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
CREATE OR REPLACE VIEW warehouse.vw_person_popularity AS
WITH credits AS (
    SELECT movie_id, person_id FROM warehouse.bridge_movie_cast
    UNION
    SELECT movie_id, person_id FROM warehouse.bridge_movie_crew
)
SELECT
    f.date_id,
    d.full_date,
    p.person_id,
    p.name,
    p.known_for_department,
    count(*)           AS movies,
    sum(f.popularity)  AS summed_popularity,
    avg(f.popularity)  AS mean_popularity
FROM warehouse.fact_movie_daily f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
JOIN credits c ON c.movie_id = f.movie_id
JOIN warehouse.dim_person p ON p.person_id = c.person_id
GROUP BY f.date_id, d.full_date, p.person_id, p.name, p.known_for_department;
COMMENT ON VIEW warehouse.vw_person_popularity IS 'Per day and person: their movies in the day''s discover set, summed and mean popularity.';

-- Each movie's directors with the movie's latest popularity (vw_movie_latest).
CREATE OR REPLACE VIEW warehouse.vw_director_latest AS
SELECT
    l.movie_id,
    l.title,
    p.person_id AS director_id,
    p.name      AS director,
    l.latest_date,
    l.popularity,
    l.vote_average,
    l.vote_count
FROM warehouse.bridge_movie_crew c
JOIN warehouse.dim_person p ON p.person_id = c.person_id
JOIN warehouse.vw_movie_latest l ON l.movie_id = c.movie_id
WHERE c.job = 'Director';
COMMENT ON VIEW warehouse.vw_director_latest IS 'Each movie''s directors with the movie''s latest popularity and votes.';

-- Each person's credits, cast and crew in one list, with the movie's title: what a person did.
CREATE OR REPLACE VIEW warehouse.vw_person_credits AS
SELECT c.person_id, p.name, c.movie_id, m.title, 'cast'::text AS credit, c.character AS role,
       c.cast_order
FROM warehouse.bridge_movie_cast c
JOIN warehouse.dim_person p ON p.person_id = c.person_id
JOIN warehouse.dim_movie m ON m.movie_id = c.movie_id
UNION ALL
SELECT c.person_id, p.name, c.movie_id, m.title, 'crew'::text, c.job, NULL::integer
FROM warehouse.bridge_movie_crew c
JOIN warehouse.dim_person p ON p.person_id = c.person_id
JOIN warehouse.dim_movie m ON m.movie_id = c.movie_id;
COMMENT ON VIEW warehouse.vw_person_credits IS 'Each person''s credits: the movie, cast or crew, the character played or the job held.';
