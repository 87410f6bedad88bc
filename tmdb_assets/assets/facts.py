"""The daily fact: one row per movie and day."""

import datetime as dt
from typing import Any

import dagster as dg

from tmdb_assets.assets.analytics import markdown_table
from tmdb_assets.assets.common import warehouse_table_asset
from tmdb_assets.resources.warehouse import Warehouse
from tmdb_assets.tables import TABLES
from tmdb_assets.transform import date_id


def top_movies_of_day(warehouse: Warehouse, day: dt.date) -> dict[str, Any]:
    """The day's top 10 by popularity, as a table (the fact's per-partition preview)."""
    rows = warehouse.rows(
        "SELECT f.discover_rank, m.title, round(f.popularity::numeric, 1), f.vote_average, "
        "f.vote_count FROM warehouse.fact_movie_daily f "
        "JOIN warehouse.dim_movie m ON m.movie_id = f.movie_id "
        "WHERE f.date_id = :d ORDER BY f.popularity DESC NULLS LAST, f.movie_id LIMIT 10",
        d=date_id(day),
    )
    table = markdown_table(["rank", "title", "popularity", "vote_average", "vote_count"], rows)
    return {
        "top_movie": rows[0][1] if rows else "",
        "top_10": dg.MetadataValue.md(f"**Top 10 by popularity, {day}**\n\n{table}"),
    }


fact_movie_daily = warehouse_table_asset(
    "fact_movie_daily",
    deps=["raw_discover_pages", "dim_movie", "dim_date"],
    description=TABLES["fact_movie_daily"].description,
    day_extra=top_movies_of_day,
)
