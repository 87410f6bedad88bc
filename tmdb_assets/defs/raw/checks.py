"""The raw captures' checks: every page captured and complete, every movie's (and series')
details or a 404, the trending lists whole."""

from typing import Any

from tmdb_assets.capture.read import capture_problems, current_capture
from tmdb_assets.capture.trending import TRENDING, WINDOWS
from tmdb_assets.defs.checks import (
    ERROR,
    EXAMPLES,
    CheckRun,
    CheckSet,
    Outcome,
    result,
    without_details,
)
from tmdb_assets.transform.media import MOVIE, TV, Media

RAW_CHECKS = CheckSet()

# --- raw: the discover and details captures of each domain -----------------------------------


def capture_checks(media: Media) -> None:
    """Declare the discover and details captures' checks of `media` (movies, TV series): the
    same checks for both, on their own assets."""
    discover_asset, details_asset = media.discover_asset, media.details_asset
    missing_details = without_details(media)

    @RAW_CHECKS.check(
        discover_asset,
        description="Each capture of the run's days holds every page it asked for (up to the "
        "last page TMDb had).",
        blocking=True,
    )
    def all_pages_captured(run: CheckRun) -> Outcome:
        wh = run.wh
        days = run.days
        missing: dict[str, list[int]] = {}
        uncaptured = []
        for day in days:
            row = wh.rows(
                "SELECT capture_id, (stats->>'pages_requested')::int, "
                "(stats->>'total_pages')::int "
                "FROM raw.capture WHERE asset = :a AND partition_date = :d AND is_current",
                a=discover_asset,
                d=day,
            )
            if not row:
                uncaptured.append(str(day))  # an optional domain's day may lack a capture
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
            not missing and (media.optional or not uncaptured),
            ERROR,
            window=f"{days[0]}..{days[-1]}" if days else "none",
            missing_pages=missing,
            missing_page_count=sum(len(v) for v in missing.values()),
            todo=f"Pages are missing from the current capture: rematerialize {discover_asset} "
            "for the day (it is captured again when incomplete).",
            days_not_captured=uncaptured,
        )

    @RAW_CHECKS.check(
        discover_asset,
        description="Each capture of the run's days is complete and consistent: every page but "
        "the last holds 20 results, and the results reach what TMDb's total_results promises "
        "for the pages asked. Blocking.",
        blocking=True,
    )
    def pages_complete(run: CheckRun) -> Outcome:
        wh = run.wh
        days = run.days
        problems: dict[str, list[str]] = {}
        counts: dict[str, dict[str, Any]] = {}
        with wh.begin() as conn:
            for day in days:
                info = current_capture(conn, discover_asset, day)
                if info is None:
                    if not media.optional:  # TV on a day it was not captured: nothing to judge
                        problems[str(day)] = ["not captured"]
                    continue
                found = capture_problems(conn, info)
                if found:
                    problems[str(day)] = found[:EXAMPLES]
                counts[str(day)] = {
                    k: info.stats.get(k)
                    for k in (
                        "pages_captured",
                        "results",
                        media.noun,
                        "duplicates",
                        "total_results",
                    )
                }
        return result(
            not problems,
            ERROR,
            window=f"{days[0]}..{days[-1]}" if days else "none",
            incomplete_days=len(problems),
            todo=f"The capture is short of what TMDb promised: rematerialize {discover_asset} "
            "for the day (an incomplete capture is captured again; an old day needs "
            "allow_late_capture).",
            problems=problems,
            counts=counts,
        )

    def has_details_or_404(run: CheckRun) -> Outcome:
        wh = run.wh
        missing: dict[str, list[int]] = {}
        count = 0
        for day in run.days:
            rows = wh.rows(missing_details, d=day)
            if rows:
                count += len(rows)
                missing[str(day)] = [r[0] for r in rows[:EXAMPLES]]
        return result(
            count == 0,
            ERROR,
            **{f"{media.noun}_without_details": count},
            examples=missing,
            todo=f"Rematerialize {details_asset} for the listed days: the capture resumes and "
            "asks TMDb only for what is missing.",
        )

    has_details_or_404.__name__ = f"every_{media.item}_has_details_or_404"
    RAW_CHECKS.check(
        details_asset,
        description=f"Every {media.item} discovered on the run's days has details captured on "
        "or before that day, or a recorded 404.",
    )(has_details_or_404)


for _media in (MOVIE, TV):
    capture_checks(_media)


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
