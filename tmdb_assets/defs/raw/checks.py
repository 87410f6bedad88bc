"""The raw captures' checks: every page captured and complete, every movie's details or a 404."""

from typing import Any

from tmdb_assets.capture.read import DISCOVER, capture_problems, current_capture
from tmdb_assets.capture.trending import TRENDING, WINDOWS
from tmdb_assets.defs.checks import (
    ERROR,
    EXAMPLES,
    MOVIES_WITHOUT_DETAILS,
    CheckRun,
    CheckSet,
    Outcome,
    result,
)

RAW_CHECKS = CheckSet()

# --- raw --------------------------------------------------------------------------------------


@RAW_CHECKS.check(
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


@RAW_CHECKS.check(
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


@RAW_CHECKS.check(
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


@RAW_CHECKS.check(
    TRENDING,
    description="Each day's trending capture holds both windows' pages it asked for (up to the last page TMDb had). Blocking.",
    blocking=True,
)
def trending_pages_captured(run: CheckRun) -> Outcome:
    missing: dict[str, str] = {}
    for day in run.days:
        rows = run.wh.rows(
            "SELECT c.stats, (SELECT json_object_agg(w, n) FROM (SELECT time_window AS w, "
            "count(*) AS n FROM raw.trending_page p WHERE p.capture_id = c.capture_id "
            "GROUP BY 1) x) FROM raw.capture c "
            "WHERE c.asset = :a AND c.partition_date = :d AND c.is_current",
            a=TRENDING,
            d=day,
        )
        if not rows:
            missing[str(day)] = "not captured"
            continue
        stats, have = rows[0][0], rows[0][1] or {}
        for w in WINDOWS:
            want = min(
                int(stats.get("pages_requested") or 0), int(stats.get(f"{w}_total_pages") or 0)
            )
            if int(have.get(w, 0)) < want:
                missing[f"{day} {w}"] = f"{have.get(w, 0)} of {want} pages"
    return result(
        not missing,
        ERROR,
        missing=missing,
        todo="Rematerialize raw_trending for the days listed (with recapture: true when the "
        "capture is incomplete).",
    )
