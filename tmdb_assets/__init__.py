"""tmdb-assets: TMDb API -> daily PostgreSQL star schema, as Dagster software-defined assets."""
