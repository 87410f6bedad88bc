"""Analytics views as assets, so the graph shows the lineage from TMDb to what analysts read."""

import dagster as dg
from sqlalchemy import text

from tmdb_assets.assets.common import table_metadata, window_metadata
from tmdb_assets.partitions import daily_partitions, partition_days
from tmdb_assets.resources.warehouse import WarehouseResource
from tmdb_assets.transform import date_id

VIEWS = {
    "vw_movie_latest": (
        ["fact_movie_daily", "dim_movie", "dim_date", "bridge_movie_genre", "dim_genre"],
        "Each movie's latest day: popularity, votes and rank with its attributes and genres.",
        None,
    ),
    "vw_genre_popularity": (
        ["fact_movie_daily", "dim_date", "bridge_movie_genre", "dim_genre"],
        "Per day and genre: movies, mean and median popularity, mean vote average, total votes.",
        "SELECT genre, movies, round(mean_popularity::numeric, 2) AS mean_popularity, "
        "round(median_popularity::numeric, 2) AS median_popularity "
        "FROM warehouse.vw_genre_popularity WHERE date_id = :d ORDER BY movies DESC, genre LIMIT 10",
    ),
    "vw_top_movies": (
        ["fact_movie_daily", "dim_movie", "dim_date"],
        "Per day, the 100 most popular discovered movies, ranked.",
        "SELECT popularity_rank AS rank, title, round(popularity::numeric, 1) AS popularity, "
        "vote_average, vote_count FROM warehouse.vw_top_movies WHERE date_id = :d "
        "ORDER BY popularity_rank LIMIT 10",
    ),
    "vw_continent_popularity": (
        ["fact_movie_daily", "dim_date", "bridge_movie_country", "dim_country"],
        "Per day and continent of production: movies, mean popularity, mean vote, total votes.",
        "SELECT continent, movies, round(mean_popularity::numeric, 2) AS mean_popularity "
        "FROM warehouse.vw_continent_popularity WHERE date_id = :d ORDER BY movies DESC",
    ),
}


def markdown_table(columns: list[str], rows: list) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)


def _view_asset(name: str, deps: list[str], description: str, preview_sql: str | None):
    @dg.asset(
        name=name,
        description=description,
        partitions_def=daily_partitions,
        group_name="analytics",
        kinds={"postgres"},
        deps=deps,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def _view(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        wh = warehouse.get()
        days = partition_days(context)
        ids = [date_id(d) for d in days]
        date_col = "latest_date_id" if name == "vw_movie_latest" else "date_id"
        with wh.begin() as conn:
            in_window = conn.execute(
                text(f"SELECT count(*) FROM warehouse.{name} WHERE {date_col} = ANY(:ids)"),
                {"ids": ids},
            ).scalar_one()
            preview = None
            if preview_sql:
                result = conn.execute(text(preview_sql), {"d": ids[-1]})
                preview = markdown_table(list(result.keys()), result.all())
        metadata = {
            **window_metadata(days),
            **table_metadata(wh, f"warehouse.{name}"),
            "rows_in_window": int(in_window),
        }
        if preview:
            metadata["preview"] = dg.MetadataValue.md(f"**{days[-1]}**\n\n{preview}")
        context.log.info(f"{name}: {in_window} rows for {metadata['window']}")
        return dg.MaterializeResult(metadata=metadata)

    return _view


view_assets = [_view_asset(name, *spec) for name, spec in VIEWS.items()]
