"""The project's benchmark: `python -m benchmarks` (also `python -m tmdb_assets_tests.benchmark`)."""
