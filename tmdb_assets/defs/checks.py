"""Asset checks: each says what is wrong with numbers and example keys.

ERROR where the data is wrong, WARN where it is suspicious. Referential-integrity and
completeness checks of what the views read are blocking: a failure stops the rest of the run.
Window checks look at the dates of the run (its partition or range), or the latest loaded date
when a check runs on its own.
"""

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from tmdb_assets.capture.read import DISCOVER, capture_problems, current_capture
from tmdb_assets.db.queries import sql
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.defs.metadata import markdown_table
from tmdb_assets.defs.resources import QualityResource
from tmdb_assets.transform.days import end_of_day
from tmdb_assets.transform.payloads import date_id
from tmdb_assets.warehouse.tables import TABLES, Table

EXAMPLES = 10
ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN


@dataclass
class CheckRun:
    """What a check evaluates: the warehouse, the thresholds and the run's days."""

    wh: Warehouse
    quality: QualityResource
    days: list[dt.date]  # the run's partition or range; the latest loaded day otherwise
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    """A check's evaluation before it is attached to its asset and name."""

    passed: bool
    severity: dg.AssetCheckSeverity
    metadata: dict[str, Any]
    description: str


@dataclass(frozen=True)
class Check:
    """One asset check: evaluated in its asset's step (assets/warehouse.py, assets/raw.py), so a
    day runs one step per asset, and selectable on its own from the UI (the asset is subsettable).
    """

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


CHECKS: list[Check] = []


def check(asset: str, description: str, blocking: bool = False):
    """Register the decorated function as check `asset:function name`."""

    def register(fn: Callable[[CheckRun], Outcome]) -> Callable[[CheckRun], Outcome]:
        CHECKS.append(Check(asset, fn.__name__, description, fn, blocking))
        return fn

    return register


def checks_of(asset: str) -> list[Check]:
    return [c for c in CHECKS if c.asset == asset]


def check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [c.spec for c in checks_of(asset)]


# The movies of a day's current discover capture: every item whose id the transform can read
# (a positive whole number, also when sent as a string). Items without one are quarantined whole.
RAW_IDS_OF_DAY = sql("raw_ids_of_day")
MOVIES_WITHOUT_DETAILS = sql("movies_without_details", {"raw_ids_of_day": RAW_IDS_OF_DAY})
VOTE_COUNT_DROPS = sql("vote_count_drops")

QUARANTINED_OF_DAY = """
    SELECT count(*) FILTER (WHERE field IS NULL), count(*) FILTER (WHERE field IS NOT NULL)
    FROM raw.quarantine WHERE partition_date = :d AND source = 'discover'
"""


def range_days(tags: Mapping[str, str]) -> list[dt.date]:
    """The partitions of a range run (a single-run backfill); empty for any other run."""
    start = tags.get("dagster/asset_partition_range_start")
    end = tags.get("dagster/asset_partition_range_end")
    if not (start and end):
        return []
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


def run_window(tags: Mapping[str, str], warehouse: Warehouse) -> list[dt.date]:
    """The dates of the run that executes the check; the latest loaded date otherwise."""
    if "dagster/partition" in tags:
        return [dt.date.fromisoformat(tags["dagster/partition"])]
    days = range_days(tags)
    if days:
        return days
    latest = warehouse.scalar("SELECT max(full_date) FROM warehouse.dim_date")
    return [latest] if latest else []


def evaluate_checks(
    context: dg.AssetExecutionContext, asset: str, wh: Warehouse, quality: QualityResource
) -> Iterator[dg.AssetCheckResult]:
    """Evaluate the selected checks of `asset` (in its step, after its load).

    In a range run (a single-run backfill) Dagster plans each check once per partition, and the
    check evaluates the range once: each day also gets the range's evaluation recorded on its
    own partition, so no planned day shows as "skipped" beside the real result.
    """
    selected = context.selected_asset_check_keys
    todo = [c for c in checks_of(asset) if c.key in selected]
    if not todo:
        return
    tags = context.run.tags
    run = CheckRun(wh, quality, run_window(tags, wh), tags)
    days = range_days(tags)
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
        for day in days:
            context.log_event(dg.AssetCheckEvaluation(**fields, partition=str(day)))
        yield dg.AssetCheckResult(**fields)


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
    return int(n), Rows(columns.split(", "), [[_json(v) for v in r] for r in rows])


def _json(v: Any) -> Any:
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
            examples=Rows([*table.key, "rows"], [[*map(_json, r[:-1]), int(r[-1])] for r in dups]),
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
            orphan = (
                f"FROM {table.qualified} f WHERE NOT EXISTS (SELECT 1 FROM "
                f"warehouse.{fk.table} d WHERE d.{fk.table_column} = f.{fk.column})"
            )
            n = int(run.wh.scalar(f"SELECT count(*) {orphan}"))
            total += n
            metadata[f"orphans_{fk.column}"] = n
            if n:
                rows = run.wh.rows(
                    f"SELECT DISTINCT f.{fk.column} {orphan} ORDER BY 1 LIMIT {EXAMPLES}"
                )
                metadata[f"examples_{fk.column}"] = [_json(r[0]) for r in rows]
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


CHECKS += [unique_key(t) for t in TABLES.values()]
CHECKS += [foreign_keys(t) for t in TABLES.values() if t.foreign_keys]


# --- raw --------------------------------------------------------------------------------------


@check(
    "raw_discover_pages",
    description="Each capture of the run's days holds every page it asked for (up to the last page TMDb had).",
    blocking=True,
)
def all_pages_captured(run: CheckRun) -> Outcome:
    wh = run.wh
    days = run.days
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


@check(
    "raw_discover_pages",
    description="Each capture of the run's days is complete and consistent: every page but the "
    "last holds 20 results, and the results reach what TMDb's total_results promises for the "
    "pages asked. Blocking.",
    blocking=True,
)
def pages_complete(run: CheckRun) -> Outcome:
    wh = run.wh
    days = run.days
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


@check(
    "raw_movie_details",
    description="Every movie discovered on the run's days has details captured on or before that day, or a recorded 404.",
)
def every_movie_has_details_or_404(run: CheckRun) -> Outcome:
    wh = run.wh
    days = run.days
    missing: dict[str, list[int]] = {}
    count = 0
    for day in days:
        rows = wh.rows(MOVIES_WITHOUT_DETAILS, d=day)
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


@check(
    "dim_movie",
    description="The share of a day's discovered movies without usable details (404, unparseable or never fetched) stays under max_details_failure_share.",
)
def details_failure_share(run: CheckRun) -> Outcome:
    wh = run.wh
    worst, worst_day, failed_examples, per_day = 0.0, None, [], {}
    for day in run.days:
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
        worst <= run.quality.max_details_failure_share,
        ERROR,
        worst_share=round(worst, 4),
        worst_day=worst_day,
        threshold=run.quality.max_details_failure_share,
        share_per_day=per_day,
        examples=Rows(["movie_id", "details_status"], [[m, st] for m, st in failed_examples]),
        todo="Too many movies lack usable details: look at raw.quarantine and the raw_movie_details "
        "metadata (404s, invalid bodies); rerun the day once TMDb answers.",
    )


@check(
    "dim_movie",
    description="runtime, budget and revenue are never negative.",
)
def non_negative_numbers(run: CheckRun) -> Outcome:
    n, examples = offending_rows(
        run.wh,
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


@check(
    "dim_movie",
    description="release_date is not more than release_future_days after the last day the movie was seen (WARN).",
)
def release_date_plausible(run: CheckRun) -> Outcome:
    n, examples = offending_rows(
        run.wh,
        "dim_movie",
        "movie_id, release_date, last_seen_date",
        "release_date > last_seen_date + make_interval(days => :n)",
        n=run.quality.release_future_days,
    )
    return result(
        n == 0,
        WARN,
        offending_rows=n,
        threshold_days=run.quality.release_future_days,
        todo="Release dates far after the movie was last seen: usually a TMDb placeholder date; WARN only.",
        examples=examples,
    )


@check(
    "dim_country",
    description="Every country has a continent (from country_continent); unknown codes are listed.",
)
def every_country_has_a_continent(run: CheckRun) -> Outcome:
    wh = run.wh
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


# --- people -----------------------------------------------------------------------------------


@check(
    "bridge_movie_cast",
    description="No two cast credits of one movie share a billing position (cast_order).",
)
def cast_order_unique(run: CheckRun) -> Outcome:
    rows = run.wh.rows(
        "SELECT movie_id, cast_order, count(*) FROM warehouse.bridge_movie_cast "
        "WHERE cast_order IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1, 2"
    )
    return result(
        not rows,
        WARN,
        duplicated_positions=len(rows),
        examples=Rows(["movie_id", "cast_order", "credits"], [list(r) for r in rows[:EXAMPLES]]),
        todo="TMDb lists two cast credits at one billing position for the listed movies: rankings "
        "by cast_order are ambiguous there; the rows are kept as TMDb sent them.",
    )


@check(
    "bridge_movie_crew",
    description="Every movie last set from the run's days whose details are usable has cast or "
    "crew rows, unless it is "
    "flagged: credits_status 'none' (TMDb lists no credits) or 'unknown' (details stored "
    "before credits were asked for).",
)
def every_movie_with_details_has_credits(run: CheckRun) -> Outcome:
    wh = run.wh
    missing = wh.rows(
        "SELECT m.movie_id, m.title FROM warehouse.dim_movie m "
        "WHERE m.source_date = ANY(:days) AND m.details_status = 'ok' "
        "AND m.credits_status = 'ok' AND NOT EXISTS (SELECT 1 FROM warehouse.bridge_movie_cast c WHERE c.movie_id = m.movie_id) "
        "AND NOT EXISTS (SELECT 1 FROM warehouse.bridge_movie_crew c WHERE c.movie_id = m.movie_id) "
        "ORDER BY 1",
        days=list(run.days),
    )
    flagged = dict(
        wh.rows(
            "SELECT coalesce(credits_status, 'no details'), count(*) FROM warehouse.dim_movie "
            "WHERE source_date = ANY(:days) GROUP BY 1 ORDER BY 1",
            days=list(run.days),
        )
    )
    return result(
        not missing,
        ERROR,
        movies_missing_credits=len(missing),
        movies_by_credits_status={k: int(v) for k, v in flagged.items()},
        examples=Rows(["movie_id", "title"], [list(r) for r in missing[:EXAMPLES]]),
        todo="These movies' details list credits that the bridges do not hold: rematerialize "
        "dim_person, bridge_movie_cast and bridge_movie_crew for their latest day.",
    )


# --- the catalogue (daily ID export) -----------------------------------------------------------

CATALOGUE = "fact_movie_popularity_daily"
# The export writes popularity with 3 decimals (2019's file); discover with up to 6.
EXPORT_POPULARITY_TOLERANCE = 0.001


@check(
    CATALOGUE,
    description="For the movies in both the day's export and its discover capture, the export's "
    "popularity equals discover's within TMDb's rounding (0.001). WARN: the two are taken "
    "hours apart, and TMDb may update popularity in between.",
)
def export_agrees_with_discover(run: CheckRun) -> Outcome:
    wh = run.wh
    per_day: dict[str, list[int]] = {}
    examples: list[list[Any]] = []
    for day in run.days:
        both, differ = wh.rows(
            "SELECT count(*), count(*) FILTER (WHERE abs(e.popularity - f.popularity) > :tol) "
            f"FROM warehouse.{CATALOGUE} e JOIN warehouse.fact_movie_daily f "
            "ON f.date_id = e.date_id AND f.movie_id = e.movie_id WHERE e.date_id = :d",
            d=date_id(day),
            tol=EXPORT_POPULARITY_TOLERANCE,
        )[0]
        per_day[str(day)] = [int(both), int(differ)]
        if differ and len(examples) < EXAMPLES:
            examples += [
                [str(day), *r]
                for r in wh.rows(
                    "SELECT e.movie_id, e.popularity, f.popularity "
                    f"FROM warehouse.{CATALOGUE} e JOIN warehouse.fact_movie_daily f "
                    "ON f.date_id = e.date_id AND f.movie_id = e.movie_id WHERE e.date_id = :d "
                    "AND abs(e.popularity - f.popularity) > :tol ORDER BY 1 LIMIT 5",
                    d=date_id(day),
                    tol=EXPORT_POPULARITY_TOLERANCE,
                )
            ]
    differing = sum(d for _, d in per_day.values())
    return result(
        differing == 0,
        WARN,
        movies_in_both_and_differing=per_day,
        tolerance=EXPORT_POPULARITY_TOLERANCE,
        examples=Rows(["day", "movie_id", "export", "discover"], examples[:EXAMPLES]),
        todo="The export and discover disagree on popularity for some movies: TMDb updated it "
        "between the discover capture (00:30 UTC) and the export (about 07:00 UTC), or one of "
        "the two captures is not the day's; compare their captured_at.",
    )


@check(
    "fact_catalogue_daily",
    description="The day's catalogue size is within catalogue_count_band (default 5%) of the "
    "previous export day's: a file that lost or gained a large share is suspect. Read from the "
    "day's summary row (the million rows are counted once, by its load).",
)
def catalogue_count_within_band(run: CheckRun) -> Outcome:
    counts: dict[str, list[int]] = {}
    outside: dict[str, list[int]] = {}
    for day in run.days:
        rows = run.wh.rows(
            "SELECT c.movies, p.movies FROM warehouse.fact_catalogue_daily c "
            "LEFT JOIN warehouse.fact_catalogue_daily p ON p.date_id = c.previous_date_id "
            "WHERE c.date_id = :d",
            d=date_id(day),
        )
        if not rows:
            continue  # no export loaded for the day
        cur, prev = int(rows[0][0]), int(rows[0][1] or 0)
        counts[str(day)] = [prev, cur]
        if prev and abs(cur - prev) > run.quality.catalogue_count_band * prev:
            outside[str(day)] = [prev, cur]
    return result(
        not outside,
        ERROR,
        previous_and_current=counts,
        outside_band=outside,
        band=run.quality.catalogue_count_band,
        todo="The export's line count moved more than the band from the previous day: look at "
        "the raw_movie_id_export metadata (lines, bytes) and raw.quarantine (source export); "
        "recapture the day if the file was cut.",
    )


# --- fact -------------------------------------------------------------------------------------


@check(
    "fact_movie_daily",
    description="The fact of each of the run's days has exactly one row per distinct movie of that day's raw discover pages. Blocking.",
    blocking=True,
)
def matches_raw_discover(run: CheckRun) -> Outcome:
    wh = run.wh
    missing_total = extra_total = 0
    missing: dict[str, list[int]] = {}
    extra: dict[str, list[int]] = {}
    quarantined_items = quarantined_fields = 0
    for day in run.days:
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


@check(
    "fact_movie_daily",
    description="popularity >= 0, vote_average within [0, 10], vote_count >= 0.",
)
def values_in_range(run: CheckRun) -> Outcome:
    wh = run.wh
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


@check(
    "fact_movie_daily",
    description="A movie's vote_count does not drop from the previous loaded day by more than the tolerance (WARN).",
)
def vote_count_not_dropping(run: CheckRun) -> Outcome:
    wh = run.wh
    total, examples = 0, []
    skipped: list[str] = []
    for day in run.days:
        if compares_late_capture(wh, date_id(day)):
            # A late capture is TMDb's state when it was taken, not that day's: comparing it
            # with a true day-end capture says nothing about votes dropping.
            skipped.append(str(day))
            continue
        rows = wh.rows(
            VOTE_COUNT_DROPS,
            d=date_id(day),
            abs=run.quality.vote_drop_min,
            rel=run.quality.vote_drop_tolerance,
        )
        total += len(rows)
        examples += [[str(day), *r] for r in rows[: EXAMPLES - len(examples)]]
    table = Rows(["day", "movie_id", "votes_before", "votes_now"], examples)
    return result(
        total == 0,
        WARN,
        movies_with_dropping_votes=total,
        tolerance=run.quality.vote_drop_tolerance,
        examples=table,
        days_skipped_late_capture=skipped,
        todo="TMDb removed votes (spam cleanup happens) or the day's capture is wrong: compare "
        "with the movie on themoviedb.org; WARN only.",
    )


@check(
    "fact_movie_daily",
    description="A day's movie count stays within movie_count_band of the previous loaded day's (WARN).",
)
def movie_count_within_band(run: CheckRun) -> Outcome:
    wh = run.wh
    outside = {}
    counts = {}
    skipped: list[str] = []
    for day in run.days:
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
        if prev and abs(cur - prev) > run.quality.movie_count_band * prev:
            outside[str(day)] = [int(prev), int(cur)]
    return result(
        not outside,
        WARN,
        outside_band=outside,
        band=run.quality.movie_count_band,
        previous_and_current=counts,
        todo="The day's movie count moved a lot from the previous day: check the capture's pages and TMDB_DISCOVER_PAGES; WARN only.",
        days_skipped_late_capture=skipped,
    )


@check(
    "fact_movie_daily",
    description="The latest fact day ended at most freshness_hours ago (the schedule runs daily "
    "at 00:30 UTC). In a run that loads older days (a backfill, a catch-up) it only warns.",
)
def fresh(run: CheckRun) -> Outcome:
    wh = run.wh
    latest = wh.scalar(
        "SELECT max(d.full_date) FROM warehouse.fact_movie_daily f JOIN warehouse.dim_date d USING (date_id)"
    )
    if latest is None:
        return result(
            False, ERROR, latest_day="none", todo="No fact rows yet: materialize a day first."
        )
    age_h = (dt.datetime.now(dt.UTC) - end_of_day(latest)).total_seconds() / 3600
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    tags = run.tags
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
        age_h <= run.quality.freshness_hours,
        WARN if catching_up else ERROR,
        latest_day=latest,
        hours_since_day_ended=round(age_h, 1),
        threshold_hours=run.quality.freshness_hours,
        catching_up=catching_up,
        todo=todo,
    )


# --- the long tail: dim_movie learns the catalogue ---------------------------------------------


def _per_day_misses(run: CheckRun, count_sql: str, examples_sql: str) -> tuple[dict, list]:
    """{day: misses} over the run's days, and a few examples (movie ids) with their day."""
    per_day: dict[str, int] = {}
    examples: list[list[Any]] = []
    for day in run.days:
        params = {"d": date_id(day), "day": day}
        n = int(run.wh.scalar(count_sql, **params))
        per_day[str(day)] = n
        if n and len(examples) < EXAMPLES:
            examples += [[str(day), r[0]] for r in run.wh.rows(examples_sql, **params)]
    return per_day, examples[:EXAMPLES]


@check(
    "catalogue_movies",
    description="Every movie of the day's export is a dim_movie row (learned as 'pending' when "
    "nothing else knew it): no movie of the catalogue is missing from the dimension analysts "
    "join on.",
)
def every_export_movie_in_dim_movie(run: CheckRun) -> Outcome:
    missing = (
        "FROM warehouse.fact_movie_popularity_daily p WHERE p.date_id = :d AND NOT EXISTS "
        "(SELECT 1 FROM warehouse.dim_movie m WHERE m.movie_id = p.movie_id)"
    )
    per_day, examples = _per_day_misses(
        run,
        f"SELECT count(*) {missing}",
        f"SELECT p.movie_id {missing} ORDER BY 1 LIMIT 5",
    )
    return result(
        not any(per_day.values()),
        ERROR,
        missing_by_day=per_day,
        examples=Rows(["day", "movie_id"], examples),
        todo="Some of the day's export ids are not in dim_movie: rematerialize catalogue_movies "
        "for the listed days (it learns them from the day's raw file; nothing is downloaded).",
    )


@check(
    "catalogue_movie_details",
    description="Every movie of the day's tail capture has left 'pending' in dim_movie (its "
    "details loaded, or its 404 recorded): no fetched details wait unloaded.",
)
def tail_details_loaded(run: CheckRun) -> Outcome:
    waiting = (
        "FROM raw.movie_details md JOIN raw.capture c ON c.capture_id = md.capture_id "
        "LEFT JOIN warehouse.dim_movie m ON m.movie_id = md.movie_id "
        "WHERE c.asset = 'raw_movie_tail_details' AND c.is_current AND c.partition_date = :day "
        "AND (m.movie_id IS NULL OR m.details_status = 'pending')"
    )
    per_day, examples = _per_day_misses(
        run,
        f"SELECT count(*) {waiting}",
        f"SELECT md.movie_id {waiting} ORDER BY 1 LIMIT 5",
    )
    return result(
        not any(per_day.values()),
        ERROR,
        still_pending_by_day=per_day,
        examples=Rows(["day", "movie_id"], examples),
        todo="Details captured for the long tail are not in dim_movie: rematerialize "
        "catalogue_movie_details for the listed days (it reads the stored capture; no request).",
    )
