"""Many-to-many bridges between movies and their genres, companies, countries, languages.

A movie's set is replaced when the day is its latest state; a movie last set from a later day
keeps its newer set.
"""

from tmdb_assets.assets.common import warehouse_table_asset
from tmdb_assets.tables import TABLES

bridge_movie_genre = warehouse_table_asset(
    "bridge_movie_genre",
    deps=["dim_movie", "dim_genre"],
    description=TABLES["bridge_movie_genre"].description,
)
bridge_movie_company = warehouse_table_asset(
    "bridge_movie_company",
    deps=["dim_movie", "dim_company"],
    description=TABLES["bridge_movie_company"].description,
)
bridge_movie_country = warehouse_table_asset(
    "bridge_movie_country",
    deps=["dim_movie", "dim_country"],
    description=TABLES["bridge_movie_country"].description,
)
bridge_movie_language = warehouse_table_asset(
    "bridge_movie_language",
    deps=["dim_movie", "dim_language"],
    description=TABLES["bridge_movie_language"].description,
)
