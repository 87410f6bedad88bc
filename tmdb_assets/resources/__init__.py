"""Dagster resources: the TMDb API client and the PostgreSQL warehouse."""
