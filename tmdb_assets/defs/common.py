"""Helpers shared by the asset modules: the warehouse table asset factory, per-day events,
metadata of a PostgreSQL table."""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dagster as dg
from sqlalchemy import text

from tmdb_assets.db.bulk import UpsertResult
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.defs.checks import Check, evaluate_checks, specs
from tmdb_assets.defs.partitions import daily_partitions, partition_days
from tmdb_assets.defs.resources import QualityResource, WarehouseResource
from tmdb_assets.tmdb.client import TMDbClient
from tmdb_assets.warehouse.load import load_table_day
from tmdb_assets.warehouse.table import Table

_PG_TYPES = {"character varying": "text", "timestamp with time zone": "timestamptz"}


# Each table's columns (name, type, nullable, comment) by (database URL, table): the schema a
# process migrated to does not change under it.
_COLUMNS: dict[tuple[str, str], list[Any]] = {}


def table_metadata(warehouse: Warehouse, table: str, count: bool = True) -> dict[str, Any]:
    """dagster/row_count (unless count=False: a view over every day), dagster/table_name and
    dagster/column_schema of `schema.table`."""
    schema, name = table.split(".")
    with warehouse.begin() as conn:
        rows = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() if count else None
        cols = _COLUMNS.get((warehouse.url, table))
        if cols is None:  # information_schema is slow to ask: once per table and process
            cols = _COLUMNS[(warehouse.url, table)] = conn.execute(
                text(
                    "SELECT c.column_name, c.data_type, c.is_nullable, "
                    "col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) "
                    "FROM information_schema.columns c WHERE c.table_schema = :s "
                    "AND c.table_name = :t ORDER BY c.ordinal_position"
                ),
                {"s": schema, "t": name},
            ).all()
    return {
        **({"dagster/row_count": dg.MetadataValue.int(int(rows))} if rows is not None else {}),
        "dagster/table_name": dg.MetadataValue.text(table),
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(
                    name=c[0],
                    type=_PG_TYPES.get(c[1], c[1]),
                    description=c[3],
                    constraints=dg.TableColumnConstraints(nullable=c[2] == "YES"),
                )
                for c in cols
            ]
        ),
    }


def per_day_events(
    context: dg.AssetExecutionContext,
    days: list,
    day_metadata: dict,
    run_metadata: dict[str, Any],
    asset_key: dg.AssetKey | None = None,
) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization]:
    """What a partitioned asset reports, true per day.

    One day: one MaterializeResult with that day's figures and the run's. A range (a single-run
    backfill): Dagster records the step's MaterializeResult on every partition of the range, so
    that one carries only the range's totals, named range_* (and no dagster/row_count); then each
    day gets its own AssetMaterialization with its own figures, which becomes that partition's
    latest materialization in the UI. `asset_key`: which asset of a step of several (None:
    the step's one asset).
    """
    if len(days) == 1:
        yield dg.MaterializeResult(
            asset_key=asset_key,
            metadata={"partition": str(days[0]), **day_metadata[days[0]], **run_metadata},
        )
        return
    totals: dict[str, Any] = {}
    for meta in day_metadata.values():
        for k, v in meta.items():
            if k != "dagster/row_count" and type(v) is int:
                totals[f"range_{k}"] = totals.get(f"range_{k}", 0) + v
    window = f"{days[0]}..{days[-1]}"
    yield dg.MaterializeResult(
        asset_key=asset_key,
        metadata={
            "range": window,
            "range_partitions": len(days),
            "note": "Range totals of a single-run backfill; each day's own figures are in its "
            "partition's latest materialization.",
            **totals,
            **run_metadata,
        },
    )
    for day in days:
        yield dg.AssetMaterialization(
            asset_key=asset_key or context.asset_key,
            partition=str(day),
            metadata={"partition": str(day), "range_run": window, **day_metadata[day]},
        )


def partitioned_asset(
    name: str,
    description: str,
    group: str,
    deps: list[str],
    checks: Sequence[Check],
    pool: str | None = None,
):
    """A daily asset whose ranges run as one run, with its checks in the same step
    (subsettable: the checks also run on their own, and the step then does nothing else)."""
    return dg.multi_asset(
        name=name,
        specs=[
            dg.AssetSpec(
                name,
                description=description,
                group_name=group,
                kinds={"python", "postgres"} if group == "raw" else {"postgres"},
                deps=deps,
            )
        ],
        check_specs=specs(checks),
        can_subset=True,
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=pool,
    )


DayExtra = Callable[[Warehouse, Any], dict[str, Any]]


def warehouse_table_asset(
    name: str,
    tables: Sequence[Table],
    checks: Sequence[Check],
    day_extra: dict[str, DayExtra] | None = None,
) -> dg.AssetsDefinition:
    """The partitioned assets of registry tables, loaded date by date from raw (no TMDb calls),
    in one step named `name` (one table: the table's name; several: the tables of one kind
    that depend on nothing of each other, such as a domain's bridges, loaded in order), with
    their checks evaluated in the same step.

    A range (backfill) runs as one run that processes its dates in order; each day's figures
    are reported on its own partition (per_day_events). The assets are subsettable, so one of
    them loads alone and the checks also run on their own (the UI's "Execute checks"): the step
    then loads nothing.
    """

    @dg.multi_asset(
        name=name,
        specs=[
            dg.AssetSpec(
                t.name,
                description=t.description,
                group_name=t.group,
                kinds={"postgres"},
                deps=list(t.deps),
            )
            for t in tables
        ],
        check_specs=specs(checks),
        can_subset=True,
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def _tables(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, quality: QualityResource
    ):
        wh = warehouse.get()
        for table in tables:
            if dg.AssetKey(table.name) in context.selected_asset_keys:
                extra = (day_extra or {}).get(table.name)
                yield from _load_days(context, wh, table, extra)
        yield from evaluate_checks(context, checks, wh, quality)

    return _tables


def _load_days(
    context: dg.AssetExecutionContext,
    wh: Warehouse,
    table: Table,
    day_extra: DayExtra | None,
) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization]:
    days = partition_days(context)
    per_day: dict = {}
    for day in days:
        data, result = load_table_day(wh, table, day, context.log)
        figures = result.as_metadata() if isinstance(result, UpsertResult) else dict(result)
        # dagster/row_count of a partition: the rows that day holds in (or asserted to) the
        # table, as Dagster reads it for partitioned assets.
        figures["dagster/row_count"] = figures.get("rows", 0)
        if data.capture is not None:
            figures["quarantined"] = len(data.rejected)
            figures["late_capture"] = bool(data.capture.late_capture)
        if day_extra is not None:
            figures.update(day_extra(wh, day))
        per_day[day] = figures
        context.log.info(
            f"{table.name} {day}: "
            + ", ".join(f"{k} {v}" for k, v in figures.items() if type(v) is int)
        )
    metadata = table_metadata(wh, table.qualified, count=table.count_rows)
    if table.count_rows:
        metadata["table_rows"] = metadata.pop("dagster/row_count")
    yield from per_day_events(context, days, per_day, metadata, dg.AssetKey(table.name))


def client_metadata(client: TMDbClient) -> dict[str, Any]:
    """What a run asked TMDb: requests, retries, 429s, 5xx, 404s, time waiting on the limiter."""
    s = client.stats.as_dict()
    return {
        "requests": s["requests"],
        "retries": s["retries"],
        "http_429": s["http_429"],
        "http_5xx": s["http_5xx"],
        "not_found": s["not_found"],
        "rate_limit_wait_s": s["rate_wait_s"],
    }


def abandoned_metadata(stats: dict) -> dict:
    """What the capture's run found abandoned by killed runs and resumed or removed
    (capture/abandoned.py): versions and rows removed, responses resumed."""
    swept = stats.get("abandoned") or {}
    return {
        "abandoned_versions_removed": int(swept.get("abandoned_versions_removed", 0)),
        "abandoned_rows_removed": int(swept.get("abandoned_rows_removed", 0)),
        "abandoned_rows_resumed": int(swept.get("abandoned_rows_resumed", 0)),
    }
