-- Views the analysts' dashboard (tmdb_assets_viz) reads, beside the four of 004/007. Each is
-- Views moved to sql/views/ (one file each, applied after the migrations); this file's
-- earlier text, which created them here, is accepted by its checksum:
-- previous-checksum: f97b9038acf2d38455c66d2fd532fbbf372763015ef92f66e24bae6c8a06b2f8
-- filtered by date_id or movie_id by its readers, which PostgreSQL pushes below the joins and
-- grouping to the fact's indexes (fact_movie_daily_date, fact_movie_daily_movie_date).
-- tmdb_reader is granted them by the next migrate (tmdb_assets/roles.py). Idempotent.

-- One row per loaded day: how many movies, their mean popularity, how many were seen that day
-- for the first time, and whether the day is a late capture.
-- warehouse.vw_daily_kpis: its current definition is sql/views/vw_daily_kpis.sql.

-- A movie's figures on every loaded day, with its title: the dashboard's time series.
-- warehouse.vw_movie_daily: its current definition is sql/views/vw_movie_daily.sql.

-- Genre x continent per day: a movie counts once per (genre, continent) it belongs to.
-- warehouse.vw_genre_continent_popularity: its current definition is sql/views/vw_genre_continent_popularity.sql.
