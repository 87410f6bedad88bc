"""The star schema's checks: dimensions, people and the daily fact (generic key and foreign-key
checks come from the table registry, defs/checks.py)."""

import datetime as dt

from tmdb_assets.db.queries import sql
from tmdb_assets.defs.checks import (
    ERROR,
    EXAMPLES,
    QUARANTINED_OF_DAY,
    WARN,
    CheckRun,
    Outcome,
    Rows,
    compares_late_capture,
    offending_rows,
    raw_ids_of_day,
    result,
    table_checks,
)
from tmdb_assets.transform.days import date_id, end_of_day
from tmdb_assets.transform.media import MOVIE, TV, Media
from tmdb_assets.warehouse.tables import TABLES

WAREHOUSE_CHECKS = table_checks(TABLES.values())

# --- dims -------------------------------------------------------------------------------------


@WAREHOUSE_CHECKS.check(
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


@WAREHOUSE_CHECKS.check(
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


@WAREHOUSE_CHECKS.check(
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


@WAREHOUSE_CHECKS.check(
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


@WAREHOUSE_CHECKS.check(
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


# --- fact -------------------------------------------------------------------------------------


# --- each domain's dimension and daily fact: movies and TV series, the same checks -----------


def domain_checks(media: Media, fact: str) -> None:
    """Declare the checks each domain's items dimension (dim_movie, dim_tv_series) and daily
    fact (fact_movie_daily, fact_tv_daily) share."""
    dim, item, noun = media.dim, media.id_column, media.noun
    raw_ids = raw_ids_of_day(media)
    drops = sql("vote_count_drops", fact=f"warehouse.{fact}", id=item)

    @WAREHOUSE_CHECKS.check(
        dim,
        description=f"The share of a day's discovered {noun} without usable details (404, "
        "unparseable or never fetched) stays under max_details_failure_share.",
    )
    def details_failure_share(run: CheckRun) -> Outcome:
        wh = run.wh
        worst, worst_day, failed_examples, per_day = 0.0, None, [], {}
        for day in run.days:
            rows = wh.rows(
                f"SELECT m.{item}, m.details_status FROM ({raw_ids}) ids "
                f"JOIN warehouse.{dim} m ON m.{item} = ids.{item} ORDER BY 1",
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
            examples=Rows([item, "details_status"], [[m, st] for m, st in failed_examples]),
            todo=f"Too many {noun} lack usable details: look at raw.quarantine and the "
            f"{media.details_asset} metadata (404s, invalid bodies); rerun the day once TMDb "
            "answers.",
        )

    @WAREHOUSE_CHECKS.check(
        fact,
        description=f"The fact of each of the run's days has exactly one row per distinct "
        f"{media.item} of that day's raw discover pages. Blocking.",
        blocking=True,
    )
    def matches_raw_discover(run: CheckRun) -> Outcome:
        wh = run.wh
        missing_total = extra_total = 0
        missing: dict[str, list[int]] = {}
        extra: dict[str, list[int]] = {}
        quarantined_items = quarantined_fields = 0
        for day in run.days:
            items, fields = wh.rows(QUARANTINED_OF_DAY, d=day, source=media.source("discover"))[0]
            quarantined_items += int(items)
            quarantined_fields += int(fields)
            raw = {r[0] for r in wh.rows(raw_ids, d=day)}
            fact_ids = {
                r[0]
                for r in wh.rows(
                    f"SELECT {item} FROM warehouse.{fact} WHERE date_id = :d", d=date_id(day)
                )
            }
            if raw - fact_ids:
                missing[str(day)] = sorted(raw - fact_ids)[:EXAMPLES]
                missing_total += len(raw - fact_ids)
            if fact_ids - raw:
                extra[str(day)] = sorted(fact_ids - raw)[:EXAMPLES]
                extra_total += len(fact_ids - raw)
        return result(
            missing_total == 0 and extra_total == 0,
            ERROR,
            missing_rows=missing_total,
            todo=f"The fact and the raw discover pages disagree: rematerialize {fact} for the "
            "listed days (it replays raw).",
            extra_rows=extra_total,
            missing_examples=missing,
            extra_examples=extra,
            # Accounted for: items without a usable id have no row; a bad field is NULL in its row.
            quarantined_items_without_id=quarantined_items,
            quarantined_fields=quarantined_fields,
        )

    @WAREHOUSE_CHECKS.check(
        fact,
        description="popularity >= 0, vote_average within [0, 10], vote_count >= 0.",
    )
    def values_in_range(run: CheckRun) -> Outcome:
        wh = run.wh
        n, examples = offending_rows(
            wh,
            fact,
            f"date_id, {item}, popularity, vote_average, vote_count",
            "popularity < 0 OR vote_average < 0 OR vote_average > 10 OR vote_count < 0",
        )
        unknown = wh.scalar(
            f"SELECT count(*) FROM warehouse.{fact} "
            "WHERE popularity IS NULL OR vote_average IS NULL OR vote_count IS NULL"
        )
        return result(
            n == 0,
            ERROR,
            offending_rows=n,
            examples=examples,
            # NULL: TMDb sent a value that could not be read; it is in raw.quarantine with its
            # reason.
            rows_with_quarantined_values=int(unknown),
            todo=f"Fact values outside their range: look at the listed {noun}' raw discover "
            "items; the transforms should have quarantined them.",
        )

    @WAREHOUSE_CHECKS.check(
        fact,
        description=f"A {media.item}'s vote_count does not drop from the previous loaded day by "
        "more than the tolerance (WARN).",
    )
    def vote_count_not_dropping(run: CheckRun) -> Outcome:
        wh = run.wh
        total, examples = 0, []
        skipped: list[str] = []
        for day in run.days:
            if compares_late_capture(wh, date_id(day), fact):
                # A late capture is TMDb's state when it was taken, not that day's: comparing it
                # with a true day-end capture says nothing about votes dropping.
                skipped.append(str(day))
                continue
            rows = wh.rows(
                drops,
                d=date_id(day),
                abs=run.quality.vote_drop_min,
                rel=run.quality.vote_drop_tolerance,
            )
            total += len(rows)
            examples += [[str(day), *r] for r in rows[: EXAMPLES - len(examples)]]
        table = Rows(["day", item, "votes_before", "votes_now"], examples)
        return result(
            total == 0,
            WARN,
            **{f"{noun}_with_dropping_votes": total},
            tolerance=run.quality.vote_drop_tolerance,
            examples=table,
            days_skipped_late_capture=skipped,
            todo=f"TMDb removed votes (spam cleanup happens) or the day's capture is wrong: "
            f"compare with the {media.item} on themoviedb.org; WARN only.",
        )

    def count_within_band(run: CheckRun) -> Outcome:
        wh = run.wh
        outside = {}
        counts = {}
        skipped: list[str] = []
        for day in run.days:
            if compares_late_capture(wh, date_id(day), fact):
                skipped.append(str(day))  # a late capture is not comparable with a day-end one
                continue
            cur = wh.scalar(
                f"SELECT count(*) FROM warehouse.{fact} WHERE date_id = :d", d=date_id(day)
            )
            prev = wh.scalar(
                f"SELECT count(*) FROM warehouse.{fact} WHERE date_id = "
                f"(SELECT max(date_id) FROM warehouse.{fact} WHERE date_id < :d)",
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
            todo=f"The day's {media.item} count moved a lot from the previous day: check the "
            "capture's pages and the discover pages setting; WARN only.",
            days_skipped_late_capture=skipped,
        )

    count_within_band.__name__ = f"{media.item}_count_within_band"
    WAREHOUSE_CHECKS.check(
        fact,
        description=f"A day's {media.item} count stays within movie_count_band of the previous "
        "loaded day's (WARN).",
    )(count_within_band)


domain_checks(MOVIE, "fact_movie_daily")
domain_checks(TV, "fact_tv_daily")


@WAREHOUSE_CHECKS.check(
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
    run_last = run.last_partition
    catching_up = run_last is not None and run_last < yesterday
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
