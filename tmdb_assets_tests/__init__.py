"""Tests, the TMDb simulator and the benchmark of tmdb-assets."""
