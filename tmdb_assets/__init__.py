"""tmdb-assets: TMDb API -> daily PostgreSQL star schema, as Dagster software-defined assets."""

import warnings

# `backfill_policy` is beta in Dagster 1.13; we rely on it deliberately (one run per date range).
warnings.filterwarnings("ignore", message=".*backfill_policy.*")
