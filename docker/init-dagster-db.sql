-- The Dagster instance's own database, beside the warehouse database `tmdb`.
CREATE DATABASE dagster OWNER tmdb;
