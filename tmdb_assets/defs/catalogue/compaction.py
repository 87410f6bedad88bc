"""The catalogue's closed months compacted (warehouse/compaction.py): one asset per domain,
`fact_movie_popularity_monthly` and `fact_tv_popularity_monthly`, in the catalogue job after
the day's export is loaded, summarised and learned.

On the last day of a month it compacts the month, once the month's checks pass: the checks
that say whether the month's export rows are whole and right (GATES: one row per id and day;
each day's catalogue within its band of the day before, which a cut file fails), evaluated here
over every loaded day of the month, so a month is never frozen with such a failure in it. (The
checks of what is derived from the rows, dim_movie learning them or the movers, are not gates:
their fixes reread the rows, compacted or not.) On any other day it does nothing and says when its month
closes. A day loaded after its month was compacted is merged by the fact's own load (one
transaction), not here.
"""

import datetime as dt
from typing import Any

import dagster as dg

from tmdb_assets.db.warehouse import Warehouse, with_reconnect
from tmdb_assets.defs.catalogue.checks import CATALOGUE_CHECKS
from tmdb_assets.defs.checks import ERROR, CheckRun, evaluate_checks
from tmdb_assets.defs.common import partitioned_asset, per_day_events
from tmdb_assets.defs.partitions import partition_days
from tmdb_assets.defs.resources import QualityResource, WarehouseResource
from tmdb_assets.defs.warehouse.checks import WAREHOUSE_CHECKS
from tmdb_assets.transform.media import MOVIE, TV, Media
from tmdb_assets.warehouse import compaction
from tmdb_assets.warehouse.compaction import Month

# The checks (asset, name) that must pass on every loaded day of a month before it is compacted.
GATES = {
    MOVIE.name: (
        (MOVIE.export_table, "unique_key"),
        ("fact_catalogue_daily", "catalogue_count_within_band"),
    ),
    TV.name: ((TV.export_table, "unique_key"),),
}
# What the compaction runs after in the catalogue job: the day's loads that read the rows.
AFTER = {
    MOVIE.name: (
        MOVIE.export_table,
        "fact_catalogue_daily",
        "fact_catalogue_movers",
        MOVIE.learn_asset,
    ),
    TV.name: (TV.export_table, TV.learn_asset),
}


def failing_gates(
    wh: Warehouse, quality: QualityResource, media: Media, days: list[dt.date]
) -> list[str]:
    """The month's gate checks that fail on `days`: "asset:check (its todo)"."""
    run = CheckRun(wh, quality, days, days[-1])
    failed = []
    for check in (*CATALOGUE_CHECKS, *WAREHOUSE_CHECKS):
        if (check.asset, check.name) not in GATES[media.name]:
            continue
        outcome = check.evaluate(run)
        if not outcome.passed and outcome.severity == ERROR:
            todo = outcome.description.removeprefix("Failed.").strip()
            failed.append(f"{check.asset}:{check.name}" + (f" ({todo})" if todo else ""))
    return failed


def compact_closed_month(
    context: dg.AssetExecutionContext,
    wh: Warehouse,
    quality: QualityResource,
    media: Media,
    day: dt.date,
) -> dict[str, Any]:
    """Day `day`'s part: its month compacted when `day` is the month's last day."""
    month = Month.of(day)
    name = media.compact_table
    with wh.begin() as conn:
        done = compaction.is_compacted(conn, media, month)
        loaded = compaction.loaded_days(conn, media, month)
    figures: dict[str, Any] = {"month": month.label, "compacted": False, "dagster/row_count": 0}
    if done:
        return {**figures, "state": "compacted earlier (a late day is merged by its load)"}
    if day != month.last:
        return {**figures, "state": f"open: compacted once {month.last} is loaded"}
    if month.last.day not in loaded:
        raise dg.Failure(
            f"{name} {month.label}: the month's last day {month.last} has no loaded export "
            f"rows: materialize {media.export_table} for {month.last} first (its file must be "
            "captured), then this asset.",
            metadata={"month": month.label, "days_loaded": len(loaded)},
        )
    days = [month.first.replace(day=d) for d in sorted(loaded)]
    context.log.info(
        f"{name} {month.label}: checking {len(days)} loaded days before compacting "
        f"{sum(loaded.values()):,} daily rows"
    )
    failed = failing_gates(wh, quality, media, days)
    if failed:
        raise dg.Failure(
            f"{name} {month.label}: not compacted, {len(failed)} check(s) of the month fail: "
            + "; ".join(failed)
            + ". Fix them (each says how), then materialize this asset for "
            f"{month.last} again. The daily rows stay as they are meanwhile.",
            metadata={"month": month.label, "failing_checks": dg.MetadataValue.json(failed)},
        )

    def compact() -> dict[str, Any]:
        with wh.begin() as conn:
            return compaction.compact_month(conn, media, month)

    result = with_reconnect(compact, logger=context.log, what=f"{name} {month.label}")
    if not result.get("compacted"):
        return {**figures, "state": "compacted earlier (by another run)"}
    ratio = result["bytes_before"] / max(result["bytes_after"], 1)
    per_day = result["bytes_after"] / max(result["rows_in"], 1)
    context.log.info(
        f"{name} {month.label}: {result['rows_in']:,} daily rows of {result['days']} days into "
        f"{result['rows_out']:,} rows; {result['bytes_before'] / 1e6:,.1f} MB -> "
        f"{result['bytes_after'] / 1e6:,.1f} MB ({ratio:.1f}x smaller, {per_day:.1f} bytes a "
        f"{media.item}-day) in {result['seconds']:.1f} s, every day read back equal"
    )
    return {
        **figures,
        **result,
        "state": "compacted",
        "size_ratio": round(ratio, 1),
        "bytes_per_item_day": round(per_day, 2),
        "dagster/row_count": result["rows_out"],
    }


def compaction_asset(media: Media, group: str, description: str) -> dg.AssetsDefinition:
    """The domain's compaction asset (named after the table it writes)."""
    name = media.compact_table
    checks = CATALOGUE_CHECKS.of(name)

    @partitioned_asset(
        name, checks=checks, group=group, deps=list(AFTER[media.name]), description=description
    )
    def _compact(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, quality: QualityResource
    ):
        wh = warehouse.get()
        if context.selected_asset_keys:
            days = partition_days(context)
            per_day = {d: compact_closed_month(context, wh, quality, media, d) for d in days}
            with wh.begin() as conn:
                months = compaction.compacted_months(conn, media)
            yield from per_day_events(
                context,
                days,
                per_day,
                {
                    "compacted_months": len(months),
                    "compacted_bytes": sum(m["bytes_after"] for m in months),
                },
            )
        yield from evaluate_checks(context, checks, wh, quality)

    return _compact


fact_movie_popularity_monthly = compaction_asset(
    MOVIE,
    "warehouse",
    "fact_movie_popularity_daily's closed months, compacted: on a month's last day, once the "
    "month's checks pass, its daily rows (about 97 bytes a movie-day) become one row per movie "
    "holding the month's values in arrays (about 7), read back equal through "
    "vw_catalogue_popularity before the daily partition is dropped. Figures: rows in and out, "
    "bytes before and after, seconds.",
)
fact_tv_popularity_monthly = compaction_asset(
    TV,
    "tv",
    "fact_tv_popularity_daily's closed months, compacted as the movies' "
    "(fact_movie_popularity_monthly), read back equal through vw_tv_catalogue_popularity.",
)
