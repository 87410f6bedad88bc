"""Asset checks: each says what is wrong with numbers and example keys.

ERROR where the data is wrong, WARN where it is suspicious. Referential-integrity and
completeness checks of what the views read are blocking: a failure stops the rest of the run.
Window checks look at the dates of the run (its partition or range), or the latest loaded date
when a check runs on its own. Each domain declares its checks in a `CheckSet` beside its assets
(defs/<domain>/checks.py); the generic key and foreign-key checks of a registry table come from
`table_checks`; definitions.py gathers them all.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from tmdb_assets.db.queries import sql
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.defs.metadata import markdown_table
from tmdb_assets.defs.resources import QualityResource
from tmdb_assets.transform.media import Media
from tmdb_assets.warehouse.table import Table

EXAMPLES = 10
ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN


@dataclass
class CheckRun:
    """What a check evaluates: the warehouse, the thresholds and the run's days."""

    wh: Warehouse
    quality: QualityResource
    days: list[dt.date]  # the run's partition or range; the latest loaded day otherwise
    last_partition: dt.date | None = None  # the run's last partition; None: not partitioned


@dataclass
class Outcome:
    """A check's evaluation before it is attached to its asset and name."""

    passed: bool
    severity: dg.AssetCheckSeverity
    metadata: dict[str, Any]
    description: str


@dataclass(frozen=True)
class Check:
    """One asset check: evaluated in its asset's step, so a day runs one step per asset, and
    selectable on its own from the UI (the asset is subsettable)."""

    asset: str
    name: str
    description: str
    evaluate: Callable[[CheckRun], Outcome]
    blocking: bool = False

    @property
    def key(self) -> dg.AssetCheckKey:
        return dg.AssetCheckKey(dg.AssetKey(self.asset), self.name)

    @property
    def spec(self) -> dg.AssetCheckSpec:
        return dg.AssetCheckSpec(
            self.name, asset=self.asset, description=self.description, blocking=self.blocking
        )


class CheckSet:
    """A domain's checks, declared with `@checks.check(...)` beside the domain's assets."""

    def __init__(self, checks: Iterable[Check] = ()):
        self.checks = list(checks)

    def check(self, asset: str, description: str, blocking: bool = False):
        """Declare the decorated function as check `asset:function name`."""

        def declare(fn: Callable[[CheckRun], Outcome]) -> Callable[[CheckRun], Outcome]:
            self.checks.append(Check(asset, fn.__name__, description, fn, blocking))
            return fn

        return declare

    def of(self, asset: str) -> list[Check]:
        return [c for c in self.checks if c.asset == asset]

    def __iter__(self) -> Iterator[Check]:
        return iter(self.checks)

    def __add__(self, other: "CheckSet") -> "CheckSet":
        return CheckSet([*self.checks, *other.checks])


def specs(checks: Sequence[Check]) -> list[dg.AssetCheckSpec]:
    return [c.spec for c in checks]


def raw_ids_of_day(media: Media) -> str:
    """The movies (or series) of a day's current discover capture: every item whose id the
    transform can read (a positive whole number, also when sent as a string). Items without
    one are quarantined whole."""
    return sql("raw_ids_of_day", {"discover": f"'{media.discover_asset}'"}, id=media.id_column)


def without_details(media: Media) -> str:
    """The items discovered on day :d with no details row in any current capture up to :d."""
    return sql(
        "movies_without_details",
        {"raw_ids_of_day": raw_ids_of_day(media), "details_asset": f"'{media.details_asset}'"},
        details=media.details_table,
        id=media.id_column,
    )


# What a day's discover parse set aside (:source 'discover', or 'tv_discover'): whole items
# (no usable id) and single fields.
QUARANTINED_OF_DAY = """
    SELECT count(*) FILTER (WHERE field IS NULL), count(*) FILTER (WHERE field IS NOT NULL)
    FROM raw.quarantine WHERE partition_date = :d AND source = :source
"""


def run_days(context: dg.AssetExecutionContext) -> list[dt.date]:
    """The run's partition, or every day of its range (a single-run backfill); empty for a run
    with neither (a check executed on its own)."""
    if context.has_partition_key or context.has_partition_key_range:
        return sorted(dt.date.fromisoformat(k) for k in context.partition_keys)
    return []


def evaluate_checks(
    context: dg.AssetExecutionContext,
    checks: Sequence[Check],
    wh: Warehouse,
    quality: QualityResource,
) -> Iterator[dg.AssetCheckResult]:
    """Evaluate the selected ones of an asset's `checks` (in its step, after its load).

    In a range run (a single-run backfill) Dagster plans each check once per partition, and the
    check evaluates the range once: each day also gets the range's evaluation recorded on its
    own partition, so no planned day shows as "skipped" beside the real result.
    """
    selected = context.selected_asset_check_keys
    todo = [c for c in checks if c.key in selected]
    if not todo:
        return
    days = run_days(context)
    if not days:
        latest = wh.scalar("SELECT max(full_date) FROM warehouse.dim_date")
        window = [latest] if latest else []
    else:
        window = days
    run = CheckRun(wh, quality, window, max(days) if days else None)
    ranged = days if context.has_partition_key_range else []
    for c in todo:
        outcome = c.evaluate(run)
        fields = {
            "asset_key": c.key.asset_key,
            "check_name": c.name,
            "passed": outcome.passed,
            "severity": outcome.severity,
            "metadata": outcome.metadata,
            "description": outcome.description,
        }
        for day in ranged:
            context.log_event(dg.AssetCheckEvaluation(**fields, partition=str(day)))
        yield dg.AssetCheckResult(**fields)


def compares_late_capture(wh: Warehouse, did: int, fact: str = "fact_movie_daily") -> bool:
    """Whether day `did` and the loaded day before it (when there is one) include a late
    capture: TMDb's state when it was taken, not comparable with a day-end capture."""
    return bool(
        wh.scalar(
            f"WITH prev AS (SELECT max(date_id) AS d FROM warehouse.{fact} "
            "WHERE date_id < :d) SELECT coalesce(bool_or(f.late_capture), false) "
            f"FROM warehouse.{fact} f, prev "
            "WHERE prev.d IS NOT NULL AND f.date_id IN (:d, prev.d)",
            d=did,
        )
    )


class Rows:
    """Example rows with their column names: shown as a small table in the UI."""

    def __init__(self, columns: list[str], rows: list[Any]):
        self.columns = columns
        self.rows = [list(r) for r in rows]

    def metadata(self) -> dg.MetadataValue:
        if not self.rows:
            return dg.MetadataValue.md("(none)")
        return dg.MetadataValue.md(markdown_table(self.columns, self.rows))


# Settings, not measurements: shown as text so the UI does not chart a constant.
CONSTANTS = {"threshold", "tolerance", "band", "threshold_days", "threshold_hours"}


def result(
    passed: bool, severity: dg.AssetCheckSeverity, todo: str = "", **metadata: Any
) -> Outcome:
    """A check's evaluation. `todo` says what to do when it fails (the UI's description)."""
    clean = {}
    for k, v in metadata.items():
        if isinstance(v, Rows):
            v = v.metadata()
        elif k in CONSTANTS:
            v = dg.MetadataValue.text(str(v))
        elif isinstance(v, list | dict):
            v = dg.MetadataValue.json(v)
        elif isinstance(v, dt.date):
            v = str(v)
        clean[k] = v
    description = "Passed." if passed else f"Failed. {todo}".strip()
    return Outcome(bool(passed), severity, clean, description)


def offending_rows(
    wh: Warehouse, table: str, columns: str, where: str, **params: Any
) -> tuple[int, Rows]:
    """How many rows of `table` match `where`, and the first few of them."""
    n = wh.scalar(f"SELECT count(*) FROM warehouse.{table} WHERE {where}", **params)
    rows = wh.rows(
        f"SELECT {columns} FROM warehouse.{table} WHERE {where} ORDER BY 1, 2 LIMIT {EXAMPLES}",
        **params,
    )
    return int(n), Rows(columns.split(", "), [[json_value(v) for v in r] for r in rows])


def json_value(v: Any) -> Any:
    return v if isinstance(v, int | float | str) or v is None else str(v)


# --- generic, from the table registry: keys and foreign keys -----------------------------------


def enforced(wh: Warehouse, table: Table) -> bool:
    """Whether a valid unique index on exactly the key's columns (all NOT NULL) exists."""
    return bool(
        wh.scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = CAST(:t AS regclass) "
            "AND i.indisunique AND i.indisvalid AND i.indnkeyatts = :n AND (SELECT "
            "array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a "
            "WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) AND a.attnotnull) "
            "= CAST(:cols AS text[]))",
            t=table.qualified,
            n=len(table.key),
            cols=sorted(table.key),
        )
    )


def unique_key(table: Table) -> Check:
    cols = ", ".join(table.key)

    def evaluate(run: CheckRun) -> Outcome:
        wh = run.wh
        if enforced(wh, table):
            # PostgreSQL's unique index on the key guarantees it: no need to read the rows
            # (a million a day in the catalogue). Without it, the rows are read.
            return result(True, ERROR, duplicate_keys=0, null_keys=0, enforced_by="unique index")
        dups = wh.rows(
            f"SELECT {cols}, count(*) FROM {table.qualified} GROUP BY {cols} "
            f"HAVING count(*) > 1 ORDER BY count(*) DESC, {cols} LIMIT {EXAMPLES}"
        )
        n_dups = wh.scalar(
            f"SELECT count(*) FROM (SELECT 1 FROM {table.qualified} GROUP BY {cols} "
            "HAVING count(*) > 1) x"
        )
        nulls = wh.scalar(
            f"SELECT count(*) FROM {table.qualified} WHERE "
            + " OR ".join(f"{c} IS NULL" for c in table.key)
        )
        return result(
            n_dups == 0 and nulls == 0,
            ERROR,
            duplicate_keys=int(n_dups),
            null_keys=int(nulls),
            examples=Rows(
                [*table.key, "rows"], [[*map(json_value, r[:-1]), int(r[-1])] for r in dups]
            ),
            todo=f"The loader upserts on ({cols}): a duplicate means a load bypassed it or the "
            "key constraint was dropped; rebuild the table from raw (tmdb-assets rebuild --yes).",
        )

    return Check(
        table.name,
        "unique_key",
        f"({cols}) is unique and never NULL in {table.qualified}.",
        evaluate,
    )


def foreign_keys(table: Table) -> Check:
    described = ", ".join(f"{fk.column} -> {fk.table}" for fk in table.foreign_keys)

    def evaluate(run: CheckRun) -> Outcome:
        metadata: dict[str, Any] = {}
        total = 0
        for fk in table.foreign_keys:
            # A NULL points at nothing (a movie in no collection): not an orphan.
            orphan = (
                f"FROM {table.qualified} f WHERE f.{fk.column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM warehouse.{fk.table} d WHERE d.{fk.table_column} = f.{fk.column})"
            )
            n = int(run.wh.scalar(f"SELECT count(*) {orphan}"))
            total += n
            metadata[f"orphans_{fk.column}"] = n
            if n:
                rows = run.wh.rows(
                    f"SELECT DISTINCT f.{fk.column} {orphan} ORDER BY 1 LIMIT {EXAMPLES}"
                )
                metadata[f"examples_{fk.column}"] = [json_value(r[0]) for r in rows]
        return result(
            total == 0,
            ERROR,
            orphan_rows=total,
            todo="Rows point at dimension rows that do not exist: reload the day's dimensions "
            "(materialize the dims, then this table) or rebuild from raw.",
            **metadata,
        )

    return Check(
        table.name,
        "foreign_keys",
        f"Every row of {table.name} joins its dimensions ({described}). Blocking.",
        evaluate,
        blocking=True,
    )


def table_checks(tables: Iterable[Table]) -> CheckSet:
    """The registry's generic checks: every table's key, and its foreign keys where it has some."""
    tables = list(tables)
    return CheckSet(
        [
            *(unique_key(t) for t in tables),
            *(foreign_keys(t) for t in tables if t.foreign_keys),
        ]
    )
