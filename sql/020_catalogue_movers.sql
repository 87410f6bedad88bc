-- The whole catalogue's movers (issue 24): per export day, the movies whose popularity rose or
-- fell most over 7 days, computed at load from the two days' export rows (a million each) into
-- this small table, so reading them stays fast on a year of history. Idempotent.
CREATE TABLE IF NOT EXISTS warehouse.fact_catalogue_movers (
    date_id                   integer          NOT NULL,
    direction                 text             NOT NULL CHECK (direction IN ('rising', 'falling')),
    rank                      integer          NOT NULL CHECK (rank >= 1),
    movie_id                  integer          NOT NULL,
    popularity                double precision NOT NULL,
    popularity_7d_ago         double precision NOT NULL,
    popularity_change_7d      double precision NOT NULL,
    popularity_change_7d_pct  double precision,
    PRIMARY KEY (date_id, direction, rank)
);

COMMENT ON TABLE warehouse.fact_catalogue_movers IS 'Per export day: the 50 movies of the whole catalogue whose popularity rose most over 7 days and the 50 that fell most (movies in both days'' exports), from fact_movie_popularity_daily.';
COMMENT ON COLUMN warehouse.fact_catalogue_movers.date_id IS 'Export day (dim_date.date_id)';
COMMENT ON COLUMN warehouse.fact_catalogue_movers.direction IS 'rising or falling';
COMMENT ON COLUMN warehouse.fact_catalogue_movers.rank IS '1: the largest change in its direction';
COMMENT ON COLUMN warehouse.fact_catalogue_movers.movie_id IS 'dim_movie.movie_id';
COMMENT ON COLUMN warehouse.fact_catalogue_movers.popularity IS 'Popularity in the day''s export';
COMMENT ON COLUMN warehouse.fact_catalogue_movers.popularity_7d_ago IS 'Popularity in the export 7 days before';
COMMENT ON COLUMN warehouse.fact_catalogue_movers.popularity_change_7d IS 'popularity - popularity_7d_ago';
COMMENT ON COLUMN warehouse.fact_catalogue_movers.popularity_change_7d_pct IS 'popularity / popularity_7d_ago - 1 (NULL when it was 0)';
