"""Many-to-many bridges between movies and their genres, companies, countries, languages.

A movie's set is replaced when the day is its latest state; a movie last set from a later day
keeps its newer set.
"""

from tmdb_assets.assets.common import warehouse_table_asset

bridge_movie_genre = warehouse_table_asset(
    "bridge_movie_genre",
    deps=["dim_movie", "dim_genre"],
    description="Which genres each movie belongs to.",
)
bridge_movie_company = warehouse_table_asset(
    "bridge_movie_company",
    deps=["dim_movie", "dim_company"],
    description="Which companies produced each movie.",
)
bridge_movie_country = warehouse_table_asset(
    "bridge_movie_country",
    deps=["dim_movie", "dim_country"],
    description="In which countries each movie was produced.",
)
bridge_movie_language = warehouse_table_asset(
    "bridge_movie_language",
    deps=["dim_movie", "dim_language"],
    description="Which languages are spoken in each movie.",
)
