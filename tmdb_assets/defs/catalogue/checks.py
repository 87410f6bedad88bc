"""The catalogue's checks: the export against discover, its size day over day, every export
movie in dim_movie, the long tail's details loaded, the compacted months reading back."""

from typing import Any

from sqlalchemy import text

from tmdb_assets.defs.checks import (
    ERROR,
    EXAMPLES,
    WARN,
    CheckRun,
    CheckSet,
    Outcome,
    Rows,
    result,
)
from tmdb_assets.transform.days import date_id
from tmdb_assets.transform.media import MOVIE, TV, Media
from tmdb_assets.warehouse import compaction

CATALOGUE_CHECKS = CheckSet()

# --- the catalogue (daily ID export) -----------------------------------------------------------

CATALOGUE = "fact_movie_popularity_daily"
# The export writes popularity with 3 decimals (2019's file); discover with up to 6.
EXPORT_POPULARITY_TOLERANCE = 0.001


@CATALOGUE_CHECKS.check(
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
            f"FROM warehouse.{MOVIE.export_view} e JOIN warehouse.fact_movie_daily f "
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
                    f"FROM warehouse.{MOVIE.export_view} e JOIN warehouse.fact_movie_daily f "
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


@CATALOGUE_CHECKS.check(
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


def export_in_dim_check(media: Media) -> None:
    """Declare `every_export_<item>_in_<dim>` on the domain's learning asset."""
    item, dim = media.id_column, media.dim
    missing = (
        f"FROM warehouse.{media.export_view} p WHERE p.date_id = :d AND NOT EXISTS "
        f"(SELECT 1 FROM warehouse.{dim} m WHERE m.{item} = p.{item})"
    )

    def every_export_item_in_dim(run: CheckRun) -> Outcome:
        per_day, examples = _per_day_misses(
            run,
            f"SELECT count(*) {missing}",
            f"SELECT p.{item} {missing} ORDER BY 1 LIMIT 5",
        )
        return result(
            not any(per_day.values()),
            ERROR,
            missing_by_day=per_day,
            examples=Rows(["day", item], examples),
            todo=f"Some of the day's export ids are not in {dim}: rematerialize "
            f"{media.learn_asset} for the listed days (it learns them from the day's raw file; "
            "nothing is downloaded).",
        )

    every_export_item_in_dim.__name__ = f"every_export_{media.item}_in_{dim}"
    CATALOGUE_CHECKS.check(
        media.learn_asset,
        description=f"Every {media.item} of the day's export is a {dim} row (learned as "
        "'pending' when nothing else knew it): none of the catalogue is missing from the "
        "dimension analysts join on.",
    )(every_export_item_in_dim)


export_in_dim_check(MOVIE)
export_in_dim_check(TV)


@CATALOGUE_CHECKS.check(
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


# --- the compacted months ------------------------------------------------------------------------


def compaction_check(media: Media) -> None:
    """Declare `compacted_days_read_back` on the domain's compaction asset."""

    def compacted_days_read_back(run: CheckRun) -> Outcome:
        per_day: dict[str, list[int]] = {}
        wrong: list[list[Any]] = []
        with run.wh.begin() as conn:
            for day in run.days:
                got = compaction.read_back(conn, media, day)
                if got is None:
                    continue  # the day's month is not compacted: its daily rows are the fact's
                per_day[str(day)] = [got["rows_loaded"], got["rows_read"]]
                summary = (
                    conn.execute(
                        text(
                            "SELECT movies FROM warehouse.fact_catalogue_daily WHERE date_id = :d"
                        ),
                        {"d": date_id(day)},
                    ).scalar()
                    if media is MOVIE
                    else None
                )
                if (
                    got["rows_read"] != got["rows_loaded"]
                    or got["checksum_read"] != got["checksum_recorded"]
                    or (summary is not None and summary != got["rows_read"])
                ):
                    wrong.append([str(day), got["rows_loaded"], got["rows_read"], summary])
        return result(
            not wrong,
            ERROR,
            loaded_and_read_by_day=per_day,
            days_in_compacted_months=len(per_day),
            wrong=Rows(["day", "rows_loaded", "rows_read", "catalogue_summary"], wrong[:EXAMPLES]),
            todo=f"A compacted day of {media.compact_table} no longer reads back as it was "
            f"loaded (rows or values): rematerialize {media.export_table} for the listed days "
            "(each is merged into its month again from its raw file), then this check.",
        )

    CATALOGUE_CHECKS.check(
        media.compact_table,
        description=f"Each day of the run in a compacted month reads back through "
        f"{media.export_view} with the rows its load wrote and the checksum (ids, exact value "
        "bits, flags) recorded when the month was compacted or the day merged"
        + (", and as many movies as fact_catalogue_daily counted" if media is MOVIE else "")
        + ". Days of open months pass (their daily rows are the fact).",
    )(compacted_days_read_back)


compaction_check(MOVIE)
compaction_check(TV)
