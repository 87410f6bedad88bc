"""Dimension tables (SCD type 1 that never regresses: a row set from a later day wins)."""

from tmdb_assets.assets.common import warehouse_table_asset
from tmdb_assets.tables import TABLES

dim_date = warehouse_table_asset(
    "dim_date",
    deps=[],
    description=TABLES["dim_date"].description,
)
dim_movie = warehouse_table_asset(
    "dim_movie",
    deps=["raw_discover_pages", "raw_movie_details"],
    description=TABLES["dim_movie"].description,
)
dim_genre = warehouse_table_asset(
    "dim_genre",
    deps=["raw_discover_pages", "raw_movie_details"],
    description=TABLES["dim_genre"].description,
)
dim_company = warehouse_table_asset(
    "dim_company",
    deps=["raw_movie_details"],
    description=TABLES["dim_company"].description,
)
dim_country = warehouse_table_asset(
    "dim_country",
    deps=["raw_discover_pages", "raw_movie_details", "country_continent"],
    description=TABLES["dim_country"].description,
)
dim_language = warehouse_table_asset(
    "dim_language",
    deps=["raw_discover_pages", "raw_movie_details"],
    description=TABLES["dim_language"].description,
)
