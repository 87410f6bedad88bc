"""The warehouse tables as Dagster assets: one per table registry entry (tables.py).

Dimensions are SCD type 1 that never regresses (a row set from a later day wins); a bridge
replaces a movie's set when the day is its latest state; the fact replaces its day.
"""

import datetime as dt
from typing import Any

import dagster as dg

from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.defs.catalogue.checks import CATALOGUE_CHECKS
from tmdb_assets.defs.common import warehouse_table_asset
from tmdb_assets.defs.metadata import markdown_table
from tmdb_assets.defs.warehouse.checks import WAREHOUSE_CHECKS
from tmdb_assets.defs.warehouse.enrich_checks import ENRICH_CHECKS
from tmdb_assets.transform.days import date_id
from tmdb_assets.warehouse.tables import TABLES


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


def top_series_of_day(warehouse: Warehouse, day: dt.date) -> dict[str, Any]:
    """The day's top 10 TV series by popularity, as a table (fact_tv_daily's preview)."""
    rows = warehouse.rows(
        "SELECT popularity_rank, name, round(popularity::numeric, 1), vote_average, vote_count, "
        "networks FROM warehouse.vw_tv_top WHERE date_id = :d ORDER BY popularity_rank LIMIT 10",
        d=date_id(day),
    )
    columns = ["rank", "name", "popularity", "vote_average", "vote_count", "networks"]
    return {
        "top_series": rows[0][1] if rows else "",
        "top_10": dg.MetadataValue.md(
            f"**Top 10 TV series by popularity, {day}**\n\n{markdown_table(columns, rows)}"
        ),
    }


# What a table's materialization shows beside its figures, per day.
PREVIEWS = {"fact_movie_daily": top_movies_of_day, "fact_tv_daily": top_series_of_day}

# The registry tables' checks: their keys and foreign keys, the star schema's and the catalogue's.
TABLE_CHECKS = WAREHOUSE_CHECKS + CATALOGUE_CHECKS + ENRICH_CHECKS

# One step per table, or per `step` of tables sharing one (a domain's bridges): a step costs
# a fraction of a second of a day's run whatever it loads.
_steps: dict[str, list] = {}
for _t in TABLES.values():
    _steps.setdefault(_t.step or _t.name, []).append(_t)
table_assets = [
    warehouse_table_asset(
        name, tables, [c for t in tables for c in TABLE_CHECKS.of(t.name)], PREVIEWS
    )
    for name, tables in _steps.items()
]
