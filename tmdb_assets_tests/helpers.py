"""Helpers shared by the integration tests."""

import datetime as dt

import dagster as dg

from tmdb_assets.capture.read import clear_cache
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.definitions import CATALOGUE, TV_SELECTION, all_assets
from tmdb_assets.warehouse.summary import TABLES
from tmdb_assets_tests.conftest import DAY1
from tmdb_simulator.server import RunningSimulator

DEFS = all_assets  # each asset carries its checks
# A day as the daily job runs it (the catalogue has its own job: its file comes hours later),
# with TV series (test_tv.py) or without them (the movies' tests: `tmdb-assets run --no-tv`).
WITH_TV = dg.AssetSelection.all() - dg.AssetSelection.assets("country_continent") - CATALOGUE
PARTITIONED = WITH_TV - TV_SELECTION
# The console logger at INFO: the events still reach the run's result; formatting Dagster's
# DEBUG lines (about 200 a day) into pytest's capture was a tenth of a load's time.
QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
DAYS = [DAY1 + dt.timedelta(days=i) for i in range(5)]
RAW = dg.AssetSelection.groups("raw") - CATALOGUE - TV_SELECTION  # the movies' daily captures


def materialize_seed(resources: dict) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        all_assets, resources=resources, selection=dg.AssetSelection.assets("country_continent")
    )


def materialize_day(
    resources: dict,
    day: dt.date,
    sim: RunningSimulator | None = None,
    selection: dg.AssetSelection = PARTITIONED,
    run_config: dict | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """Materialize the partition of `day` (the simulator set to serve that day)."""
    if sim is not None:
        sim.state.set_date(day)
    clear_cache()
    return dg.materialize(
        DEFS,
        resources=resources,
        partition_key=day.isoformat(),
        selection=selection,
        run_config={**QUIET, **(run_config or {})},
        raise_on_error=raise_on_error,
    )


def capture_raw(resources: dict, sim: RunningSimulator, days: list[dt.date] = DAYS) -> None:
    """The daily raw captures of `days`, in order, the simulator set to each."""
    for day in days:
        assert materialize_day(resources, day, sim, selection=RAW).success


def load_days(resources: dict, sim: RunningSimulator, *days: dt.date) -> list:
    """The seed, then each day's daily job (capture and load), in order."""
    materialize_seed(resources)
    return [materialize_day(resources, d, sim) for d in days]


# The catalogue's compacted months and their record, without what a rerun's clock changes.
COMPACTION_TABLES = {
    "fact_movie_popularity_monthly": "t",
    "fact_tv_popularity_monthly": "t",
    "export_day_loaded": "(t.fact, t.date_id, t.rows)",
    "compacted_month": "(t.fact, t.month_id, t.days, t.rows_in, t.rows_out, t.exact_rows, "
    "t.day_checksums, t.late_days)",
}


def table_checksums(warehouse: Warehouse) -> dict[str, tuple[int, str]]:
    """(row count, md5 of every row in a stable order) per warehouse table."""
    out = {}
    tables = {**dict.fromkeys([*TABLES, "country_continent"], "t"), **COMPACTION_TABLES}
    for table, row in tables.items():
        out[table] = tuple(
            warehouse.rows(
                f"SELECT count(*), coalesce(md5(string_agg({row}::text, '|' "
                f"ORDER BY {row}::text)), '') FROM warehouse.{table} t"
            )[0]
        )
    return out


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    events = [e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == asset]
    assert events, f"{asset} was not materialized"
    return {k: getattr(v, "value", v) for k, v in events[-1].materialization.metadata.items()}


def check_results(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    """Check evaluations of a run, by 'asset:check'."""
    return {
        f"{e.asset_key.path[-1]}:{e.check_name}": e for e in result.get_asset_check_evaluations()
    }
