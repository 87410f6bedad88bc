"""The checks of what the details request appends and of the trending lists (issue 24): where to
watch as history, the trending ranks, outside ids and the release calendar."""

from tmdb_assets.capture.read import current_capture
from tmdb_assets.capture.trending import TRENDING, WINDOWS
from tmdb_assets.defs.checks import (
    ERROR,
    EXAMPLES,
    CheckRun,
    CheckSet,
    Outcome,
    Rows,
    offending_rows,
    result,
)
from tmdb_assets.transform.days import date_id
from tmdb_assets.transform.enrich import RELEASE_TYPES
from tmdb_assets.transform.media import MOVIE, TV, Media

ENRICH_CHECKS = CheckSet()


def watch_checks(media: Media) -> None:
    """Declare the checks of a domain's where-to-watch history (fact_watch_availability,
    fact_tv_watch_availability): the same rules for movies and series."""
    table = f"{media.watch_prefix}_availability"
    item, noun = media.id_column, media.noun
    # The items the run's days observed: the rows a load could have written (a whole year is
    # never rescanned after each day).
    observed_in_run = (
        f"SELECT DISTINCT {item} FROM warehouse.{media.watch_prefix}_observation "
        "WHERE observed_date = ANY(:days)"
    )

    @ENRICH_CHECKS.check(
        table,
        description=f"No two open rows (valid_to NULL) for the same {media.item}, country, "
        "provider and kind. Blocking.",
        blocking=True,
    )
    def one_open_row_per_offer(run: CheckRun) -> Outcome:
        if enforced_open_index(run, table):
            # The partial unique index guarantees it: no need to read the rows.
            return result(True, ERROR, offers_open_twice=0, enforced_by="unique index")
        found = run.wh.rows(
            f"SELECT {item}, iso_3166_1, provider_id, kind, count(*) "
            f"FROM warehouse.{table} WHERE valid_to IS NULL "
            "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1 ORDER BY 5 DESC, 1, 2, 3, 4 "
            f"LIMIT {EXAMPLES}"
        )
        n = run.wh.scalar(
            f"SELECT count(*) FROM (SELECT 1 FROM warehouse.{table} "
            f"WHERE valid_to IS NULL GROUP BY {item}, iso_3166_1, provider_id, kind "
            "HAVING count(*) > 1) x"
        )
        return result(
            n == 0,
            ERROR,
            offers_open_twice=int(n),
            examples=Rows(
                [item, "iso_3166_1", "provider_id", "kind", "open_rows"], [list(r) for r in found]
            ),
            todo=f"An offer is open twice: the history was written outside its loader. Rebuild "
            f"{table} from raw (tmdb-assets rebuild --yes).",
        )

    @ENRICH_CHECKS.check(
        table,
        description=f"Every interval of the {noun} the run's days observed is ordered "
        "(valid_from <= last_observed_date < valid_to, valid_from <= valid_to) and an offer's "
        "intervals do not overlap.",
    )
    def availability_intervals_ordered(run: CheckRun) -> Outcome:
        days = list(run.days)
        n, examples = offending_rows(
            run.wh,
            table,
            f"{item}, iso_3166_1, provider_id, kind, valid_from, valid_to, last_observed_date",
            f"{item} IN ({observed_in_run}) AND NOT (valid_from <= last_observed_date AND "
            "(valid_to IS NULL OR (valid_from <= valid_to AND last_observed_date < valid_to)))",
            days=days,
        )
        overlaps = run.wh.scalar(
            "SELECT count(*) FROM (SELECT valid_from, lag(coalesce(valid_to, 'infinity'::date)) "
            f"OVER (PARTITION BY {item}, iso_3166_1, provider_id, kind ORDER BY valid_from) "
            f"AS prev FROM warehouse.{table} WHERE {item} IN ({observed_in_run})) x "
            "WHERE prev > valid_from",
            days=days,
        )
        checked = run.wh.scalar(f"SELECT count(*) FROM ({observed_in_run}) m", days=days)
        return result(
            n == 0 and overlaps == 0,
            ERROR,
            **{f"{noun}_checked": int(checked)},
            unordered_rows=n,
            overlapping_rows=int(overlaps),
            examples=examples,
            todo=f"Intervals out of order or overlapping: rebuild {table} from raw "
            f"(tmdb-assets rebuild --yes) and report the {noun} listed.",
        )


def enforced_open_index(run: CheckRun, table: str) -> bool:
    """Whether a valid partial unique index on the table's open rows exists (sql/018; the
    series' copy of it, sql/021)."""
    return bool(
        run.wh.scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = "
            "to_regclass(:t) AND i.indisunique AND i.indisvalid AND i.indpred IS NOT NULL)",
            t=f"warehouse.{table}",
        )
    )


watch_checks(MOVIE)
watch_checks(TV)


@ENRICH_CHECKS.check(
    "fact_trending_daily",
    description="Each day's trending ranks run 1..N without gaps in both windows (day, week), and each window has movies when its capture has pages.",
)
def trending_ranks_without_gaps(run: CheckRun) -> Outcome:
    bad: dict[str, str] = {}
    per_day: dict[str, dict[str, int]] = {}
    for day in run.days:
        with run.wh.begin() as conn:
            captured = current_capture(conn, TRENDING, day)
        counts = {
            w: (int(n), int(lo or 0), int(hi or 0))
            for w, n, lo, hi in run.wh.rows(
                "SELECT time_window, count(*), min(rank), max(rank) "
                "FROM warehouse.fact_trending_daily WHERE date_id = :d GROUP BY 1",
                d=date_id(day),
            )
        }
        per_day[str(day)] = {w: counts.get(w, (0, 0, 0))[0] for w in WINDOWS}
        for w in WINDOWS:
            n, lo, hi = counts.get(w, (0, 0, 0))
            if n and (lo != 1 or hi != n):
                bad[f"{day} {w}"] = f"{n} ranks from {lo} to {hi}"
            elif captured is not None and not n and captured.stats.get(f"{w}_results"):
                bad[f"{day} {w}"] = "no rank, though the capture holds movies"
    return result(
        not bad,
        ERROR,
        problems=bad,
        movies_per_day=per_day,
        todo="Trending ranks are missing or have gaps: rematerialize fact_trending_daily for the "
        "days listed.",
    )


@ENRICH_CHECKS.check(
    "dim_movie",
    description="imdb_id is tt and digits where present; wikidata_id is Q and digits where present.",
)
def outside_ids_well_formed(run: CheckRun) -> Outcome:
    n, examples = offending_rows(
        run.wh,
        "dim_movie",
        "movie_id, imdb_id, wikidata_id",
        "imdb_id !~ '^tt[0-9]+$' OR wikidata_id !~ '^Q[1-9][0-9]*$'",
    )
    return result(
        n == 0,
        ERROR,
        offending_rows=n,
        examples=examples,
        todo="Malformed outside ids reached dim_movie: the transforms should set them aside "
        "(raw.quarantine); report the movies listed.",
    )


@ENRICH_CHECKS.check(
    "bridge_movie_release",
    description="Every release type is one of TMDb's six (1 premiere .. 6 TV) with its name.",
)
def release_types_known(run: CheckRun) -> Outcome:
    known = " OR ".join(
        f"(release_type = {k} AND release_type_name = '{v}')" for k, v in RELEASE_TYPES.items()
    )
    n, examples = offending_rows(
        run.wh,
        "bridge_movie_release",
        "movie_id, release_key, release_type, release_type_name",
        f"NOT ({known})",
    )
    return result(
        n == 0,
        ERROR,
        offending_rows=n,
        examples=examples,
        todo="A release type outside 1..6 or with another name: the transform keeps only TMDb's "
        "six; report the movies listed.",
    )
