CREATE INDEX IF NOT EXISTS fact_movie_daily_movie_date
    ON warehouse.fact_movie_daily (movie_id, date_id DESC);
CREATE INDEX IF NOT EXISTS fact_movie_daily_date ON warehouse.fact_movie_daily (date_id);
CREATE INDEX IF NOT EXISTS bridge_movie_genre_genre ON warehouse.bridge_movie_genre (genre_id);
CREATE INDEX IF NOT EXISTS bridge_movie_company_company ON warehouse.bridge_movie_company (company_id);
CREATE INDEX IF NOT EXISTS bridge_movie_country_country ON warehouse.bridge_movie_country (iso_3166_1);
CREATE INDEX IF NOT EXISTS bridge_movie_language_language
    ON warehouse.bridge_movie_language (iso_639_1);
CREATE INDEX IF NOT EXISTS dim_country_continent ON warehouse.dim_country (continent);
