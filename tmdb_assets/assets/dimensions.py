"""Dimension tables (SCD type 1 that never regresses: a row set from a later day wins)."""

from tmdb_assets.assets.common import warehouse_table_asset

dim_date = warehouse_table_asset(
    "dim_date",
    deps=[],
    description="Calendar attributes of each loaded day (date_id = YYYYMMDD): year, quarter, "
    "month, ISO week, weekday, weekend flag.",
)
dim_movie = warehouse_table_asset(
    "dim_movie",
    deps=["raw_discover_pages", "raw_movie_details"],
    description="One row per movie ever discovered: title, languages, release date, runtime, "
    "budget, revenue, status, IMDb id, first/last day seen. Movies whose details are gone "
    "(404) keep their discover attributes, flagged by details_status.",
)
dim_genre = warehouse_table_asset(
    "dim_genre",
    deps=["raw_discover_pages", "raw_movie_details"],
    description="TMDb movie genres (id and name).",
)
dim_company = warehouse_table_asset(
    "dim_company",
    deps=["raw_movie_details"],
    description="Production companies of the discovered movies, with their country of origin.",
)
dim_country = warehouse_table_asset(
    "dim_country",
    deps=["raw_discover_pages", "raw_movie_details", "country_continent"],
    description="Countries TMDb knows (ISO 3166-1, historical codes included) with their continent.",
)
dim_language = warehouse_table_asset(
    "dim_language",
    deps=["raw_discover_pages", "raw_movie_details"],
    description="Languages (ISO 639-1) with English and native names.",
)
