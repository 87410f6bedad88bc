"""Analytics views as assets, so the graph shows the lineage from TMDb to what analysts read."""

import dagster as dg
from sqlalchemy import text

from tmdb_assets.defs.common import table_metadata
from tmdb_assets.defs.metadata import markdown_table
from tmdb_assets.defs.resources import WarehouseResource
from tmdb_assets.warehouse.views import view

# The four views the graph shows: what each reads (lineage) and a preview of its latest day.
# Their SQL and description are in sql/views/<view>.sql.
VIEWS = {
    "vw_movie_latest": (
        ["fact_movie_daily", "dim_movie", "dim_date", "bridge_movie_genre", "dim_genre"],
        None,
    ),
    "vw_genre_popularity": (
        ["fact_genre_daily", "dim_date", "dim_genre"],
        "SELECT genre, movies, round(mean_popularity::numeric, 2) AS mean_popularity, "
        "round(median_popularity::numeric, 2) AS median_popularity "
        "FROM warehouse.vw_genre_popularity WHERE date_id = :d ORDER BY movies DESC, genre LIMIT 10",
    ),
    "vw_top_movies": (
        ["fact_movie_daily", "dim_movie", "dim_date"],
        "SELECT popularity_rank AS rank, title, round(popularity::numeric, 1) AS popularity, "
        "vote_average, vote_count FROM warehouse.vw_top_movies WHERE date_id = :d "
        "ORDER BY popularity_rank LIMIT 10",
    ),
    "vw_continent_popularity": (
        ["fact_movie_daily", "dim_date", "bridge_movie_country", "dim_country"],
        "SELECT continent, movies, round(mean_popularity::numeric, 2) AS mean_popularity "
        "FROM warehouse.vw_continent_popularity WHERE date_id = :d ORDER BY movies DESC",
    ),
}


F, M, D, G = "fact_movie_daily", "dim_movie", "dim_date", "fact_genre_daily"
# Where each view column comes from (table.column), shown as Dagster column lineage.
LINEAGE: dict[str, dict[str, list[tuple[str, str]]]] = {
    "vw_movie_latest": {
        "movie_id": [(M, "movie_id")],
        **{c: [(M, c)] for c in ("title", "original_title", "original_language")},
        **{c: [(M, c)] for c in ("release_date", "runtime", "status")},
        "latest_date": [(D, "full_date")],
        "latest_date_id": [(F, "date_id")],
        **{c: [(F, c)] for c in ("popularity", "vote_average", "vote_count")},
        **{c: [(F, c)] for c in ("discover_rank", "captured_at")},
        "genres": [("bridge_movie_genre", "genre_id"), ("dim_genre", "name")],
    },
    "vw_genre_popularity": {
        "date_id": [(G, "date_id")],
        "full_date": [(D, "full_date")],
        "genre_id": [(G, "genre_id")],
        "genre": [("dim_genre", "name")],
        **{
            c: [(G, c)]
            for c in (
                "movies",
                "mean_popularity",
                "median_popularity",
                "mean_vote_average",
                "total_votes",
            )
        },
    },
    "vw_top_movies": {
        "date_id": [(F, "date_id")],
        "full_date": [(D, "full_date")],
        "popularity_rank": [(F, "popularity")],
        "movie_id": [(F, "movie_id")],
        **{c: [(M, c)] for c in ("title", "original_language", "release_date")},
        **{c: [(F, c)] for c in ("popularity", "vote_average", "vote_count")},
    },
    "vw_continent_popularity": {
        "date_id": [(F, "date_id")],
        "full_date": [(D, "full_date")],
        "continent": [("bridge_movie_country", "iso_3166_1"), ("dim_country", "continent")],
        "movies": [(F, "movie_id")],
        "mean_popularity": [(F, "popularity")],
        "mean_vote_average": [(F, "vote_average")],
        "total_votes": [(F, "vote_count")],
    },
}


def column_lineage(view: str) -> dg.TableColumnLineage:
    return dg.TableColumnLineage(
        deps_by_column={
            column: [dg.TableColumnDep(asset_key=dg.AssetKey(t), column_name=c) for t, c in deps]
            for column, deps in LINEAGE[view].items()
        }
    )


# Recorded when what a view reads was loaded. Not Dagster's eager(): that waits while any
# dependency is "missing", and a daily fact always has days never loaded.
# since_last_handled: an update seen while a backfill still runs is remembered until the view
# is recorded (a bare any_deps_updated() is true on one evaluation only, and would be lost).
VIEW_AUTOMATION = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.in_progress()
    & ~dg.AutomationCondition.any_deps_in_progress()
).with_label("after each load of what it reads")


def _spec(name: str, deps: list[str], description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        name,
        description=description
        + " A live PostgreSQL view: always current; materializing it records its latest day, "
        "its rows on that day and a preview.",
        group_name="analytics",
        kinds={"postgres"},
        deps=deps,
        # Not partitioned: a view is one live object, not a day. It is recorded again after each
        # load of what it reads (in the daily run, or by the automation sensor after a backfill).
        automation_condition=VIEW_AUTOMATION,
    )


@dg.multi_asset(
    name="analytics_views",
    specs=[_spec(name, deps, view(name).description) for name, (deps, _) in VIEWS.items()],
    can_subset=True,
)
def analytics_views(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """The four views in one step (a step costs a process's setup in the daily run). What each
    records is read per day, so it costs the same on the first day and after ten years."""
    wh = warehouse.get()
    with wh.begin() as conn:
        latest = conn.execute(text("SELECT max(date_id) FROM warehouse.fact_movie_daily")).scalar()
        days = conn.execute(
            text(
                "SELECT count(*) FROM warehouse.dim_date d WHERE EXISTS "
                "(SELECT 1 FROM warehouse.fact_movie_daily f WHERE f.date_id = d.date_id)"
            )
        ).scalar_one()
    for key in sorted(context.selected_asset_keys, key=lambda k: k.path[-1]):
        name = key.path[-1]
        yield dg.MaterializeResult(asset_key=key, metadata=_view_metadata(wh, name, latest, days))
        context.log.info(f"{name}: latest day {_day(latest)} of {days}")


def _view_metadata(wh, name: str, latest: int | None, days: int) -> dict:
    preview_sql = VIEWS[name][1]
    metadata = table_metadata(wh, f"warehouse.{name}", count=False)
    with wh.begin() as conn:
        if name == "vw_movie_latest":  # a row per movie: counted whole, in the same pass
            total, on_latest = conn.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE latest_date_id = :d) "
                    "FROM warehouse.vw_movie_latest"
                ),
                {"d": latest},
            ).one()
            metadata["dagster/row_count"] = dg.MetadataValue.int(int(total))
        else:  # a row per day and key, over every day: only the latest day's are counted
            on_latest = conn.execute(
                text(f"SELECT count(*) FROM warehouse.{name} WHERE date_id = :d"), {"d": latest}
            ).scalar_one()
        preview = None
        if preview_sql and latest is not None:
            result = conn.execute(text(preview_sql), {"d": latest})
            preview = markdown_table(list(result.keys()), result.all())
    metadata.update(
        latest_day=_day(latest),
        days=int(days),
        rows_on_latest_day=int(on_latest),
    )
    metadata["dagster/column_lineage"] = column_lineage(name)
    if preview:
        metadata["preview"] = dg.MetadataValue.md(f"**{_day(latest)}**\n\n{preview}")
    return metadata


def _day(date_id: int | None) -> str:
    if date_id is None:
        return "none"
    return f"{date_id // 10000:04d}-{date_id // 100 % 100:02d}-{date_id % 100:02d}"
