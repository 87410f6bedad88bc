-- The release calendar (issue 24): every release TMDb lists for a movie, country by country
-- (append_to_response=release_dates, no request of its own). A bridge like the cast: each
-- movie's latest known set, replaced from its latest day; no foreign-key constraints (the
-- loader joins dim_movie and dim_country; the `foreign_keys` checks verify both). Idempotent.
CREATE TABLE IF NOT EXISTS warehouse.bridge_movie_release (
    movie_id           integer NOT NULL,
    iso_3166_1         text    NOT NULL,
    release_key        text    NOT NULL,
    release_type       integer NOT NULL CHECK (release_type BETWEEN 1 AND 6),
    release_type_name  text    NOT NULL,
    release_date       date,
    certification      text,
    note               text,
    PRIMARY KEY (movie_id, release_key)
);
CREATE INDEX IF NOT EXISTS bridge_movie_release_country
    ON warehouse.bridge_movie_release (iso_3166_1, release_type, release_date);

COMMENT ON TABLE warehouse.bridge_movie_release IS 'Each movie''s release calendar as TMDb states it now (its latest known set): one row per release, country by country.';
COMMENT ON COLUMN warehouse.bridge_movie_release.movie_id IS 'dim_movie.movie_id';
COMMENT ON COLUMN warehouse.bridge_movie_release.iso_3166_1 IS 'dim_country.iso_3166_1: the country of the release';
COMMENT ON COLUMN warehouse.bridge_movie_release.release_key IS 'What tells two releases of a movie apart: country:type:date:note';
COMMENT ON COLUMN warehouse.bridge_movie_release.release_type IS 'TMDb release type: 1 premiere, 2 theatrical (limited), 3 theatrical, 4 digital, 5 physical, 6 TV';
COMMENT ON COLUMN warehouse.bridge_movie_release.release_type_name IS 'The release type''s name';
COMMENT ON COLUMN warehouse.bridge_movie_release.release_date IS 'Day of the release (TMDb gives midnight UTC)';
COMMENT ON COLUMN warehouse.bridge_movie_release.certification IS 'Age rating in that country (PG-13, FSK 12, 12A); NULL: TMDb gives none';
COMMENT ON COLUMN warehouse.bridge_movie_release.note IS 'TMDb''s note (a festival, a city); NULL: none';
