"""Analytics views as assets, so the graph shows the lineage from TMDb to what analysts read."""

import dagster as dg
from sqlalchemy import text

from tmdb_assets.assets.common import table_metadata
from tmdb_assets.resources.warehouse import WarehouseResource

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
        description=description
        + " A live PostgreSQL view: always current; materializing it records its latest day, "
        "row count and a preview.",
        group_name="analytics",
        kinds={"postgres"},
        deps=deps,
        # Not partitioned: a view is one live object, not a day. It is recorded again after each
        # load of what it reads (in the daily run, or by the automation sensor after a backfill).
        automation_condition=dg.AutomationCondition.eager(),
    )
    def _view(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        wh = warehouse.get()
        date_col = "latest_date_id" if name == "vw_movie_latest" else "date_id"
        with wh.begin() as conn:
            latest, days = conn.execute(
                text(f"SELECT max({date_col}), count(DISTINCT {date_col}) FROM warehouse.{name}")
            ).one()
            on_latest = conn.execute(
                text(f"SELECT count(*) FROM warehouse.{name} WHERE {date_col} = :d"),
                {"d": latest},
            ).scalar_one()
            preview = None
            if preview_sql and latest is not None:
                result = conn.execute(text(preview_sql), {"d": latest})
                preview = markdown_table(list(result.keys()), result.all())
        metadata = {
            **table_metadata(wh, f"warehouse.{name}"),
            "latest_day": _day(latest),
            "days": int(days),
            "rows_on_latest_day": int(on_latest),
        }
        if preview:
            metadata["preview"] = dg.MetadataValue.md(f"**{_day(latest)}**\n\n{preview}")
        context.log.info(
            f"{name}: {metadata['dagster/row_count'].value} rows, latest day {_day(latest)}"
        )
        return dg.MaterializeResult(metadata=metadata)

    return _view


def _day(date_id: int | None) -> str:
    if date_id is None:
        return "none"
    return f"{date_id // 10000:04d}-{date_id // 100 % 100:02d}-{date_id % 100:02d}"


view_assets = [_view_asset(name, *spec) for name, spec in VIEWS.items()]
