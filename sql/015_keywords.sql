-- Keywords (issue 24): TMDb's tags of each movie (append_to_response=keywords, no request of
-- its own), to group movies by theme. A bridge like the others: each movie's latest known set,
-- no foreign-key constraints (the loader joins both sides; the `foreign_keys` checks verify
-- them after every load). Idempotent.
CREATE TABLE IF NOT EXISTS warehouse.dim_keyword (
    keyword_id  integer PRIMARY KEY,
    name        text NOT NULL,
    source_date date NOT NULL
);

CREATE TABLE IF NOT EXISTS warehouse.bridge_movie_keyword (
    movie_id    integer NOT NULL,
    keyword_id  integer NOT NULL,
    PRIMARY KEY (movie_id, keyword_id)
);
CREATE INDEX IF NOT EXISTS bridge_movie_keyword_keyword
    ON warehouse.bridge_movie_keyword (keyword_id);

COMMENT ON TABLE warehouse.dim_keyword IS 'TMDb keywords (id and name) of the movies whose details were fetched with their keywords.';
COMMENT ON COLUMN warehouse.dim_keyword.keyword_id IS 'TMDb keyword id';
COMMENT ON COLUMN warehouse.dim_keyword.name IS 'Keyword as TMDb writes it (lower case)';
COMMENT ON COLUMN warehouse.dim_keyword.source_date IS 'Partition day the name comes from';
COMMENT ON TABLE warehouse.bridge_movie_keyword IS 'Each movie''s keywords (its latest known set; a movie whose stored details predate the keywords keeps no set: unknown, not empty).';
COMMENT ON COLUMN warehouse.bridge_movie_keyword.movie_id IS 'dim_movie.movie_id';
COMMENT ON COLUMN warehouse.bridge_movie_keyword.keyword_id IS 'dim_keyword.keyword_id';
