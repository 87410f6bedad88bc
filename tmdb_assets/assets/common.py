"""Helpers shared by the asset modules: metadata of a Postgres table."""

from collections.abc import Callable
from typing import Any

import dagster as dg
from sqlalchemy import text

from tmdb_assets.loads import load_day_table
from tmdb_assets.partitions import daily_partitions, partition_days
from tmdb_assets.resources.warehouse import UpsertResult, Warehouse, WarehouseResource

_PG_TYPES = {"character varying": "text", "timestamp with time zone": "timestamptz"}


def table_metadata(warehouse: Warehouse, table: str) -> dict[str, Any]:
    """dagster/row_count, dagster/table_name and dagster/column_schema of `schema.table`."""
    schema, name = table.split(".")
    with warehouse.begin() as conn:
        rows = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        cols = conn.execute(
            text(
                "SELECT c.column_name, c.data_type, c.is_nullable, "
                "col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) "
                "FROM information_schema.columns c WHERE c.table_schema = :s AND c.table_name = :t "
                "ORDER BY c.ordinal_position"
            ),
            {"s": schema, "t": name},
        ).all()
    return {
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
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


def window_metadata(days: list) -> dict[str, Any]:
    return {
        "window": f"{days[0]}..{days[-1]}" if len(days) > 1 else str(days[0]),
        "partitions": len(days),
    }


def warehouse_table_asset(
    name: str,
    *,
    description: str,
    deps: list[str],
    check_specs: list[dg.AssetCheckSpec] | None = None,
    extra_metadata: Callable[[Warehouse, list], dict[str, Any]] | None = None,
) -> dg.AssetsDefinition:
    """A partitioned warehouse table loaded date by date from raw (no TMDb calls).

    A range (backfill) runs as one run that processes its dates in order.
    """

    @dg.asset(
        name=name,
        description=description,
        partitions_def=daily_partitions,
        group_name="warehouse",
        kinds={"postgres"},
        deps=deps,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=check_specs,
    )
    def _table(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        wh = warehouse.get()
        days = partition_days(context)
        totals: dict[str, int] = {}
        last_data = None
        for day in days:
            data, result = load_day_table(wh, name, day)
            last_data = data or last_data
            if isinstance(result, UpsertResult):
                result = {
                    "inserted": result.inserted,
                    "updated": result.updated,
                    "unchanged": result.refreshed,
                }
            for k, v in result.items():
                totals[k] = totals.get(k, 0) + v
            context.log.info(f"{name} {day}: {result}")
        metadata = {**window_metadata(days), **totals, **table_metadata(wh, f"warehouse.{name}")}
        if last_data is not None:
            metadata["quarantined"] = len(last_data.rejected)
        if extra_metadata is not None:
            metadata.update(extra_metadata(wh, days))
        return dg.MaterializeResult(metadata=metadata)

    return _table
