"""Which movies a day's details capture asks TMDb for, and why: new (never fetched), changed (in
/movie/changes since the last fetch) or stale (older than details_max_age_days); everything else
reuses stored details. A late capture copies stored details still as current as a request."""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import text

from tmdb_assets.capture.read import (
    CaptureInfo,
    details_query,
    discover_pages,
    last_fetches,
)
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.tmdb.client import TMDbClient
from tmdb_assets.transform.discover import discover_items
from tmdb_assets.transform.media import MOVIE, Media

log = logging.getLogger(__name__)


def changes_by_day(
    warehouse: Warehouse, client: TMDbClient, days: Iterable[dt.date], media: Media = MOVIE
) -> dict[dt.date, set[int]]:
    """Ids TMDb lists as changed on each day (/movie/changes, or /tv/changes for `media` TV);
    each day is asked of TMDb once and stored."""
    table, ids_column = media.changes_table, media.changes_ids
    days = sorted(set(days))
    out: dict[dt.date, set[int]] = {}
    if not days:
        return out
    with warehouse.begin() as conn:
        for d, ids in conn.execute(
            text(f"SELECT day, {ids_column} FROM {table} WHERE day = ANY(:ds)"), {"ds": days}
        ).all():
            out[d] = set(ids)
    for d in days:
        if d in out:
            continue
        # [d, d+1]: TMDb's window is 24 hours from start_date; a superset is safe.
        ids = set(client.iter_changes(d, d + dt.timedelta(days=1), media))
        out[d] = ids
        with warehouse.begin() as conn:
            conn.execute(
                text(
                    f"INSERT INTO {table} (day, {ids_column}, fetched_at) "
                    "VALUES (:d, :ids, now()) ON CONFLICT (day) DO NOTHING"
                ),
                {"d": d, "ids": sorted(ids)},
            )
    return out


def days_after(since: dt.date, until: dt.date) -> list[dt.date]:
    """The days after `since`, up to and including `until`: those whose change lists say
    whether a movie fetched on `since` changed by `until`."""
    return [since + dt.timedelta(days=k) for k in range(1, (until - since).days + 1)]


def changed_since(
    movie_id: int, since: dt.date, until: dt.date, changes: dict[dt.date, set[int]]
) -> bool:
    return any(movie_id in changes.get(d, ()) for d in days_after(since, until))


def plan_details(
    day: dt.date,
    discovered: list[int],
    last_fetch: dict[int, dt.date],
    changes: dict[dt.date, set[int]],
    max_age_days: int,
) -> dict[int, str]:
    """Which movies need /movie/{id} on `day`, and why: new, stale or changed (others reuse)."""
    plan: dict[int, str] = {}
    for movie_id in discovered:
        last = last_fetch.get(movie_id)
        if last is None:
            plan[movie_id] = "new"
        elif (day - last).days >= max_age_days:
            plan[movie_id] = "stale"
        elif changed_since(movie_id, last, day, changes):
            plan[movie_id] = "changed"
    return plan


@dataclass
class DetailsPlan:
    """What a details capture of one day is to hold, decided before any details request."""

    day: dt.date
    discover: CaptureInfo
    discovered: list[int]
    reasons: dict[int, str]  # movie -> why it is fetched (new, changed, stale); others reuse
    change_days_checked: int
    # A late capture: movies whose stored details, fetched on a later partition, are current
    # (younger than the max age, not changed since): movie -> the capture holding them. Copied
    # into this capture instead of asked again.
    copies: dict[int, int] = field(default_factory=dict)
    media: Media = MOVIE

    @property
    def counts(self) -> dict[str, int]:
        return reason_counts(self.reasons)


def reason_counts(reasons: dict[int, str]) -> dict[str, int]:
    """How many movies are fetched for each reason (new, changed, stale)."""
    out: dict[str, int] = {}
    for reason in reasons.values():
        out[reason] = out.get(reason, 0) + 1
    return out


def plan_capture(
    warehouse: Warehouse,
    client: TMDbClient,
    day: dt.date,
    discover: CaptureInfo,
    max_age_days: int,
    media: Media = MOVIE,
) -> DetailsPlan:
    """Which of the day's discovered movies (or series) need their details. Reads raw in short
    transactions; the day's change lists are asked of TMDb (once per day, stored) outside
    them."""
    with warehouse.begin() as conn:
        items, _, _ = discover_items(discover_pages(conn, discover), media)
        discovered = [i.movie_id for i in items]
        last = last_fetches(conn, day, discovered, media)
    change_days = {
        d
        for m in discovered
        if m in last and (day - last[m]).days < max_age_days
        for d in days_after(last[m], day)
    }
    changes = changes_by_day(warehouse, client, change_days, media)
    plan = DetailsPlan(
        day,
        discover,
        discovered,
        plan_details(day, discovered, last, changes, max_age_days),
        len(change_days),
        media=media,
    )
    if discover.late_capture and discover.captured_at is not None:
        _reuse_current_details(warehouse, client, plan, max_age_days)
    return plan


def _reuse_current_details(
    warehouse: Warehouse, client: TMDbClient, plan: DetailsPlan, max_age_days: int
) -> None:
    """A late capture records TMDb as it is now: details stored from a later partition are as
    current as a new request would be, unless older than the max age or changed since (per
    /movie/changes, asked once per day and stored). Those are copied, not asked again."""
    assert plan.discover.captured_at is not None
    # The partition whose end state TMDb serves now: the last day that ended before capture.
    today = (plan.discover.captured_at - dt.timedelta(days=1)).date()
    wanted = [m for m in plan.reasons if plan.reasons[m] in ("new", "stale")]
    if not wanted:
        return
    media = plan.media
    with warehouse.begin() as conn:
        rows = conn.execute(
            details_query("details_after", media),
            {"a": media.details_asset, "d": plan.day, "ids": wanted},
        ).all()
    fresh = [(m, c, p) for m, c, p in rows if (today - p).days < max_age_days]
    days = {d for _, _, p in fresh for d in days_after(p, today)}
    changes = changes_by_day(warehouse, client, days, media)
    plan.change_days_checked += len(days)
    for movie_id, capture_id, fetched_on in fresh:
        if not changed_since(movie_id, fetched_on, today, changes):
            plan.copies[movie_id] = capture_id
            del plan.reasons[movie_id]
