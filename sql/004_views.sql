-- Analytics views. Genre, country and company membership is the latest known (SCD type 1).
-- Views moved to sql/views/ (one file each, applied after the migrations); this file's
-- earlier text, which created them here, is accepted by its checksum:
-- previous-checksum: e35e07bb75c5a56f06767eaeecc80313b54e72df971b9867b7eac0bbb7702abf

-- warehouse.vw_movie_latest: its current definition is sql/views/vw_movie_latest.sql.

-- warehouse.vw_genre_popularity: its current definition is sql/views/vw_genre_popularity.sql.

-- warehouse.vw_top_movies: its current definition is sql/views/vw_top_movies.sql.

-- A movie made in two countries of one continent counts once for that continent.
-- warehouse.vw_continent_popularity: its current definition is sql/views/vw_continent_popularity.sql.
