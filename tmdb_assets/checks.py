"""Asset checks: each says what is wrong with numbers and example keys.

ERROR where the data is wrong, WARN where it is suspicious. Referential-integrity and
completeness checks of what the views read are blocking: a failure stops the rest of the run.
Window checks look at the dates of the run (its partition or range), or the latest loaded date
when a check runs on its own.
"""

import datetime as dt
import functools
from typing import Any

import dagster as dg

from tmdb_assets.capture import (
    DETAILS,
    DISCOVER,
    capture_problems,
    current_capture,
    end_of_day,
)
from tmdb_assets.resources.quality import QualityResource
from tmdb_assets.resources.warehouse import Warehouse, WarehouseResource
from tmdb_assets.tables import TABLES
from tmdb_assets.transform import date_id

EXAMPLES = 10
ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN

# From the table registry: every table's key, and the foreign keys the loaders keep whole.
KEYS = {t.name: list(t.key) for t in TABLES.values()}
FOREIGN_KEYS = {
    t.name: [(fk.column, fk.table, fk.table_column) for fk in t.foreign_keys]
    for t in TABLES.values()
    if t.foreign_keys
}

# The movies of a day's current discover capture: every item whose id the transform can read
# (a positive whole number, also when sent as a string). Items without one are quarantined whole.
RAW_IDS_OF_DAY = """
    SELECT DISTINCT id::int AS movie_id FROM (
        SELECT CASE WHEN jsonb_typeof(r->'id') IN ('number', 'string')
                     AND (r->>'id') ~ '^\\s*[0-9]{1,10}(\\.0*)?\\s*$'
                    THEN (r->>'id')::numeric END AS id
        FROM raw.discover_page p
        JOIN raw.capture c ON c.capture_id = p.capture_id
        CROSS JOIN jsonb_array_elements(p.payload->'results') r
        WHERE c.asset = 'raw_discover_pages' AND c.is_current AND c.partition_date = :d
          AND jsonb_typeof(p.payload->'results') = 'array'
    ) ids WHERE id BETWEEN 1 AND 2147483647
"""

QUARANTINED_OF_DAY = """
    SELECT count(*) FILTER (WHERE field IS NULL), count(*) FILTER (WHERE field IS NOT NULL)
    FROM raw.quarantine WHERE partition_date = :d AND source = 'discover'
"""


def range_days(context: dg.AssetCheckExecutionContext) -> list[dt.date]:
    """The partitions of a range run (a single-run backfill); empty for any other run."""
    tags = context.run.tags
    start = tags.get("dagster/asset_partition_range_start")
    end = tags.get("dagster/asset_partition_range_end")
    if not (start and end):
        return []
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


def run_window(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> list[dt.date]:
    """The dates of the run that executes the check; the latest loaded date otherwise."""
    tags = context.run.tags
    if "dagster/partition" in tags:
        return [dt.date.fromisoformat(tags["dagster/partition"])]
    days = range_days(context)
    if days:
        return days
    latest = warehouse.scalar("SELECT max(full_date) FROM warehouse.dim_date")
    return [latest] if latest else []


def compares_late_capture(wh: Warehouse, did: int) -> bool:
    """Whether day `did` and the loaded day before it (when there is one) include a late
    capture: TMDb's state when it was taken, not comparable with a day-end capture."""
    return bool(
        wh.scalar(
            "WITH prev AS (SELECT max(date_id) AS d FROM warehouse.fact_movie_daily "
            "WHERE date_id < :d) SELECT coalesce(bool_or(f.late_capture), false) "
            "FROM warehouse.fact_movie_daily f, prev "
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
        from tmdb_assets.assets.analytics import markdown_table

        if not self.rows:
            return dg.MetadataValue.md("(none)")
        return dg.MetadataValue.md(markdown_table(self.columns, self.rows))


# Settings, not measurements: shown as text so the UI does not chart a constant.
CONSTANTS = {"threshold", "tolerance", "band", "threshold_days", "threshold_hours"}


def result(
    passed: bool, severity: dg.AssetCheckSeverity, todo: str = "", **metadata: Any
) -> dg.AssetCheckResult:
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
    return dg.AssetCheckResult(
        passed=bool(passed), severity=severity, metadata=clean, description=description
    )


def per_partition(fn):
    """Record a check's evaluation on each day of a range run too.

    Dagster plans a check of a partitioned asset once per partition of the run; the check
    evaluates the range once, so without this each planned day would show as "skipped" beside
    the real result. Each day gets the range's evaluation (the check ran after loading them).
    """

    @functools.wraps(fn)
    def wrapped(context: dg.AssetCheckExecutionContext, *args: Any, **kwargs: Any):
        evaluation = fn(context, *args, **kwargs)
        days = range_days(context)
        if days:
            (spec,) = context.check_specs
            for day in days:
                context.op_execution_context.log_event(
                    dg.AssetCheckEvaluation(
                        asset_key=spec.asset_key,
                        check_name=spec.name,
                        passed=evaluation.passed,
                        metadata=evaluation.metadata,
                        severity=evaluation.severity,
                        description=evaluation.description,
                        partition=str(day),
                    )
                )
        return evaluation

    return wrapped


def offending_rows(
    wh: Warehouse, table: str, columns: str, where: str, **params: Any
) -> tuple[int, Rows]:
    """How many rows of `table` match `where`, and the first few of them."""
    n = wh.scalar(f"SELECT count(*) FROM warehouse.{table} WHERE {where}", **params)
    rows = wh.rows(
        f"SELECT {columns} FROM warehouse.{table} WHERE {where} ORDER BY 1, 2 LIMIT {EXAMPLES}",
        **params,
    )
    return int(n), Rows(columns.split(", "), [[_json(v) for v in r] for r in rows])


# --- generic: keys and foreign keys -----------------------------------------------------------


def unique_key_check(table: str) -> dg.AssetChecksDefinition:
    key = KEYS[table]
    cols = ", ".join(key)

    @dg.asset_check(
        asset=table,
        name="unique_key",
        description=f"({cols}) is unique and never NULL in warehouse.{table}.",
    )
    @per_partition
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        wh = warehouse.get()
        dups = wh.rows(
            f"SELECT {cols}, count(*) FROM warehouse.{table} GROUP BY {cols} "
            f"HAVING count(*) > 1 ORDER BY count(*) DESC, {cols} LIMIT {EXAMPLES}"
        )
        n_dups = wh.scalar(
            f"SELECT count(*) FROM (SELECT 1 FROM warehouse.{table} GROUP BY {cols} HAVING count(*) > 1) x"
        )
        nulls = wh.scalar(
            f"SELECT count(*) FROM warehouse.{table} WHERE "
            + " OR ".join(f"{c} IS NULL" for c in key)
        )
        return result(
            n_dups == 0 and nulls == 0,
            ERROR,
            duplicate_keys=int(n_dups),
            null_keys=int(nulls),
            examples=Rows([*key, "rows"], [[*map(_json, r[:-1]), int(r[-1])] for r in dups]),
            todo=f"The loader upserts on ({cols}): a duplicate means a load bypassed it or the "
            "key constraint was dropped; rebuild the table from raw (tmdb-assets rebuild --yes).",
        )

    return _check


def _json(v: Any) -> Any:
    return v if isinstance(v, int | float | str) or v is None else str(v)


def foreign_key_check(table: str) -> dg.AssetChecksDefinition:
    refs = FOREIGN_KEYS[table]
    described = ", ".join(f"{c} -> {t}" for c, t, _ in refs)

    @dg.asset_check(
        asset=table,
        name="foreign_keys",
        description=f"Every row of {table} joins its dimensions ({described}). Blocking.",
        blocking=True,
    )
    @per_partition
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        wh = warehouse.get()
        metadata: dict[str, Any] = {}
        total = 0
        for col, dim, dim_col in refs:
            orphan = (
                f"FROM warehouse.{table} f WHERE NOT EXISTS "
                f"(SELECT 1 FROM warehouse.{dim} d WHERE d.{dim_col} = f.{col})"
            )
            n = int(wh.scalar(f"SELECT count(*) {orphan}"))
            total += n
            metadata[f"orphans_{col}"] = n
            if n:
                rows = wh.rows(f"SELECT DISTINCT f.{col} {orphan} ORDER BY 1 LIMIT {EXAMPLES}")
                metadata[f"examples_{col}"] = [_json(r[0]) for r in rows]
        return result(
            total == 0,
            ERROR,
            orphan_rows=total,
            todo="Rows point at dimension rows that do not exist: reload the day's dimensions "
            "(materialize the dims, then this table) or rebuild from raw.",
            **metadata,
        )

    return _check


# --- raw --------------------------------------------------------------------------------------


@dg.asset_check(
    asset="raw_discover_pages",
    description="Each capture of the run's days holds every page it asked for (up to the last page TMDb had).",
    blocking=True,
)
@per_partition
def all_pages_captured(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    days = run_window(context, wh)
    missing: dict[str, list[int]] = {}
    uncaptured = []
    for day in days:
        row = wh.rows(
            "SELECT capture_id, (stats->>'pages_requested')::int, (stats->>'total_pages')::int "
            "FROM raw.capture WHERE asset = :a AND partition_date = :d AND is_current",
            a=DISCOVER,
            d=day,
        )
        if not row:
            uncaptured.append(str(day))
            continue
        capture_id, requested, total_pages = row[0]
        expected = set(range(1, min(requested or 0, total_pages or 0) + 1))
        have = {
            r[0]
            for r in wh.rows(
                "SELECT page FROM raw.discover_page WHERE capture_id = :c", c=capture_id
            )
        }
        if expected - have:
            missing[str(day)] = sorted(expected - have)[:EXAMPLES]
    return result(
        not missing and not uncaptured,
        ERROR,
        window=f"{days[0]}..{days[-1]}" if days else "none",
        missing_pages=missing,
        missing_page_count=sum(len(v) for v in missing.values()),
        todo="Pages are missing from the current capture: rematerialize raw_discover_pages for the day (it is captured again when incomplete).",
        days_not_captured=uncaptured,
    )


@dg.asset_check(
    asset="raw_discover_pages",
    description="Each capture of the run's days is complete and consistent: every page but the "
    "last holds 20 results, and the results reach what TMDb's total_results promises for the "
    "pages asked. Blocking.",
    blocking=True,
)
@per_partition
def pages_complete(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    days = run_window(context, wh)
    problems: dict[str, list[str]] = {}
    counts: dict[str, dict[str, Any]] = {}
    with wh.begin() as conn:
        for day in days:
            info = current_capture(conn, DISCOVER, day)
            if info is None:
                problems[str(day)] = ["not captured"]
                continue
            found = capture_problems(conn, info)
            if found:
                problems[str(day)] = found[:EXAMPLES]
            counts[str(day)] = {
                k: info.stats.get(k)
                for k in ("pages_captured", "results", "movies", "duplicates", "total_results")
            }
    return result(
        not problems,
        ERROR,
        window=f"{days[0]}..{days[-1]}" if days else "none",
        incomplete_days=len(problems),
        todo="The capture is short of what TMDb promised: rematerialize raw_discover_pages for the day (an incomplete capture is captured again; an old day needs allow_late_capture).",
        problems=problems,
        counts=counts,
    )


@dg.asset_check(
    asset="raw_movie_details",
    description="Every movie discovered on the run's days has details captured on or before that day, or a recorded 404.",
)
@per_partition
def every_movie_has_details_or_404(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    days = run_window(context, wh)
    missing: dict[str, list[int]] = {}
    count = 0
    for day in days:
        rows = wh.rows(
            f"SELECT movie_id FROM ({RAW_IDS_OF_DAY}) ids WHERE NOT EXISTS ("
            "SELECT 1 FROM raw.movie_details md JOIN raw.capture c ON c.capture_id = md.capture_id "
            "WHERE c.asset = :a AND c.is_current AND c.partition_date <= :d AND md.movie_id = ids.movie_id) "
            "ORDER BY 1",
            d=day,
            a=DETAILS,
        )
        if rows:
            count += len(rows)
            missing[str(day)] = [r[0] for r in rows[:EXAMPLES]]
    return result(
        count == 0,
        ERROR,
        movies_without_details=count,
        examples=missing,
        todo="Rematerialize raw_movie_details for the listed days: the capture resumes and asks "
        "TMDb only for what is missing.",
    )


# --- dims -------------------------------------------------------------------------------------


@dg.asset_check(
    asset="dim_movie",
    description="The share of a day's discovered movies without usable details (404, unparseable or never fetched) stays under max_details_failure_share.",
)
@per_partition
def details_failure_share(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, quality: QualityResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    worst, worst_day, failed_examples, per_day = 0.0, None, [], {}
    for day in run_window(context, wh):
        rows = wh.rows(
            f"SELECT m.movie_id, m.details_status FROM ({RAW_IDS_OF_DAY}) ids "
            "JOIN warehouse.dim_movie m ON m.movie_id = ids.movie_id ORDER BY 1",
            d=day,
        )
        failed = [(mid, s) for mid, s in rows if s != "ok"]
        share = len(failed) / len(rows) if rows else 0.0
        per_day[str(day)] = round(share, 4)
        if share >= worst:
            worst, worst_day, failed_examples = share, day, failed[:EXAMPLES]
    return result(
        worst <= quality.max_details_failure_share,
        ERROR,
        worst_share=round(worst, 4),
        worst_day=worst_day,
        threshold=quality.max_details_failure_share,
        share_per_day=per_day,
        examples=Rows(["movie_id", "details_status"], [[m, st] for m, st in failed_examples]),
        todo="Too many movies lack usable details: look at raw.quarantine and the raw_movie_details "
        "metadata (404s, invalid bodies); rerun the day once TMDb answers.",
    )


@dg.asset_check(
    asset="dim_movie",
    description="runtime, budget and revenue are never negative.",
)
@per_partition
def non_negative_numbers(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    n, examples = offending_rows(
        warehouse.get(),
        "dim_movie",
        "movie_id, runtime, budget, revenue",
        "runtime < 0 OR budget < 0 OR revenue < 0",
    )
    return result(
        n == 0,
        ERROR,
        offending_rows=n,
        examples=examples,
        todo="TMDb sent out-of-range numbers that passed the transforms: look at the movies' raw "
        "payloads and report them; the transforms should quarantine such values.",
    )


@dg.asset_check(
    asset="dim_movie",
    description="release_date is not more than release_future_days after the last day the movie was seen (WARN).",
)
@per_partition
def release_date_plausible(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, quality: QualityResource
) -> dg.AssetCheckResult:
    n, examples = offending_rows(
        warehouse.get(),
        "dim_movie",
        "movie_id, release_date, last_seen_date",
        "release_date > last_seen_date + make_interval(days => :n)",
        n=quality.release_future_days,
    )
    return result(
        n == 0,
        WARN,
        offending_rows=n,
        threshold_days=quality.release_future_days,
        todo="Release dates far after the movie was last seen: usually a TMDb placeholder date; WARN only.",
        examples=examples,
    )


@dg.asset_check(
    asset="dim_country",
    description="Every country has a continent (from country_continent); unknown codes are listed.",
)
@per_partition
def every_country_has_a_continent(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    rows = wh.rows(
        "SELECT iso_3166_1, name FROM warehouse.dim_country WHERE continent IS NULL ORDER BY 1"
    )
    return result(
        not rows,
        ERROR,
        countries_without_continent=len(rows),
        unknown_codes=[r[0] for r in rows[:50]],
        todo="Add the listed codes to data/country_continent.csv, then materialize country_continent.",
        hint="add the codes to data/country_continent.csv and materialize country_continent"
        if rows
        else "",
    )


# --- fact -------------------------------------------------------------------------------------


@dg.asset_check(
    asset="fact_movie_daily",
    description="The fact of each of the run's days has exactly one row per distinct movie of that day's raw discover pages. Blocking.",
    blocking=True,
)
@per_partition
def matches_raw_discover(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    missing_total = extra_total = 0
    missing: dict[str, list[int]] = {}
    extra: dict[str, list[int]] = {}
    quarantined_items = quarantined_fields = 0
    for day in run_window(context, wh):
        items, fields = wh.rows(QUARANTINED_OF_DAY, d=day)[0]
        quarantined_items += int(items)
        quarantined_fields += int(fields)
        raw = {r[0] for r in wh.rows(RAW_IDS_OF_DAY, d=day)}
        fact = {
            r[0]
            for r in wh.rows(
                "SELECT movie_id FROM warehouse.fact_movie_daily WHERE date_id = :d", d=date_id(day)
            )
        }
        if raw - fact:
            missing[str(day)] = sorted(raw - fact)[:EXAMPLES]
            missing_total += len(raw - fact)
        if fact - raw:
            extra[str(day)] = sorted(fact - raw)[:EXAMPLES]
            extra_total += len(fact - raw)
    return result(
        missing_total == 0 and extra_total == 0,
        ERROR,
        missing_rows=missing_total,
        todo="The fact and the raw discover pages disagree: rematerialize fact_movie_daily for the listed days (it replays raw).",
        extra_rows=extra_total,
        missing_examples=missing,
        extra_examples=extra,
        # Accounted for: items without a usable id have no row; a bad field is NULL in its row.
        quarantined_items_without_id=quarantined_items,
        quarantined_fields=quarantined_fields,
    )


@dg.asset_check(
    asset="fact_movie_daily",
    description="popularity >= 0, vote_average within [0, 10], vote_count >= 0.",
)
@per_partition
def values_in_range(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    n, examples = offending_rows(
        wh,
        "fact_movie_daily",
        "date_id, movie_id, popularity, vote_average, vote_count",
        "popularity < 0 OR vote_average < 0 OR vote_average > 10 OR vote_count < 0",
    )
    unknown = wh.scalar(
        "SELECT count(*) FROM warehouse.fact_movie_daily "
        "WHERE popularity IS NULL OR vote_average IS NULL OR vote_count IS NULL"
    )
    return result(
        n == 0,
        ERROR,
        offending_rows=n,
        examples=examples,
        # NULL: TMDb sent a value that could not be read; it is in raw.quarantine with its reason.
        rows_with_quarantined_values=int(unknown),
        todo="Fact values outside their range: look at the listed movies' raw discover items; "
        "the transforms should have quarantined them.",
    )


@dg.asset_check(
    asset="fact_movie_daily",
    description="A movie's vote_count does not drop from the previous loaded day by more than the tolerance (WARN).",
)
@per_partition
def vote_count_not_dropping(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, quality: QualityResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    total, examples = 0, []
    skipped: list[str] = []
    for day in run_window(context, wh):
        if compares_late_capture(wh, date_id(day)):
            # A late capture is TMDb's state when it was taken, not that day's: comparing it
            # with a true day-end capture says nothing about votes dropping.
            skipped.append(str(day))
            continue
        rows = wh.rows(
            "SELECT cur.movie_id, prev.vote_count, cur.vote_count FROM warehouse.fact_movie_daily cur "
            "JOIN warehouse.fact_movie_daily prev ON prev.movie_id = cur.movie_id AND prev.date_id = "
            "(SELECT max(date_id) FROM warehouse.fact_movie_daily WHERE date_id < :d) "
            "WHERE cur.date_id = :d AND prev.vote_count - cur.vote_count > "
            "greatest(:abs, :rel * prev.vote_count) ORDER BY prev.vote_count - cur.vote_count DESC",
            d=date_id(day),
            abs=quality.vote_drop_min,
            rel=quality.vote_drop_tolerance,
        )
        total += len(rows)
        examples += [[str(day), *r] for r in rows[: EXAMPLES - len(examples)]]
    table = Rows(["day", "movie_id", "votes_before", "votes_now"], examples)
    return result(
        total == 0,
        WARN,
        movies_with_dropping_votes=total,
        tolerance=quality.vote_drop_tolerance,
        examples=table,
        days_skipped_late_capture=skipped,
        todo="TMDb removed votes (spam cleanup happens) or the day's capture is wrong: compare "
        "with the movie on themoviedb.org; WARN only.",
    )


@dg.asset_check(
    asset="fact_movie_daily",
    description="A day's movie count stays within movie_count_band of the previous loaded day's (WARN).",
)
@per_partition
def movie_count_within_band(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, quality: QualityResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    outside = {}
    counts = {}
    skipped: list[str] = []
    for day in run_window(context, wh):
        if compares_late_capture(wh, date_id(day)):
            skipped.append(str(day))  # a late capture is not comparable with a day-end one
            continue
        cur = wh.scalar(
            "SELECT count(*) FROM warehouse.fact_movie_daily WHERE date_id = :d", d=date_id(day)
        )
        prev = wh.scalar(
            "SELECT count(*) FROM warehouse.fact_movie_daily WHERE date_id = "
            "(SELECT max(date_id) FROM warehouse.fact_movie_daily WHERE date_id < :d)",
            d=date_id(day),
        )
        counts[str(day)] = [int(prev), int(cur)]
        if prev and abs(cur - prev) > quality.movie_count_band * prev:
            outside[str(day)] = [int(prev), int(cur)]
    return result(
        not outside,
        WARN,
        outside_band=outside,
        band=quality.movie_count_band,
        previous_and_current=counts,
        todo="The day's movie count moved a lot from the previous day: check the capture's pages and TMDB_DISCOVER_PAGES; WARN only.",
        days_skipped_late_capture=skipped,
    )


@dg.asset_check(
    asset="fact_movie_daily",
    description="The latest fact day ended at most freshness_hours ago (the schedule runs daily "
    "at 00:30 UTC). In a run that loads older days (a backfill, a catch-up) it only warns.",
)
@per_partition
def fresh(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, quality: QualityResource
) -> dg.AssetCheckResult:
    wh = warehouse.get()
    latest = wh.scalar(
        "SELECT max(d.full_date) FROM warehouse.fact_movie_daily f JOIN warehouse.dim_date d USING (date_id)"
    )
    if latest is None:
        return result(
            False, ERROR, latest_day="none", todo="No fact rows yet: materialize a day first."
        )
    age_h = (dt.datetime.now(dt.UTC) - end_of_day(latest)).total_seconds() / 3600
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    tags = context.run.tags
    run_last = tags.get("dagster/partition") or tags.get("dagster/asset_partition_range_end")
    catching_up = run_last is not None and dt.date.fromisoformat(run_last) < yesterday
    todo = (
        f"Catching up: this run loaded days up to {run_last}; the check passes once {yesterday} "
        "is loaded."
        if catching_up
        else "No day loaded recently: check that the schedule (tmdb_daily_schedule) is running "
        "and its runs succeed (Runs page, the tmdb_run_failure_alert log)."
    )
    return result(
        age_h <= quality.freshness_hours,
        WARN if catching_up else ERROR,
        latest_day=latest,
        hours_since_day_ended=round(age_h, 1),
        threshold_hours=quality.freshness_hours,
        catching_up=catching_up,
        todo=todo,
    )


all_checks = [
    *(unique_key_check(t) for t in KEYS),
    *(foreign_key_check(t) for t in FOREIGN_KEYS),
    all_pages_captured,
    pages_complete,
    every_movie_has_details_or_404,
    details_failure_share,
    non_negative_numbers,
    release_date_plausible,
    every_country_has_a_continent,
    matches_raw_discover,
    values_in_range,
    vote_count_not_dropping,
    movie_count_within_band,
    fresh,
]
