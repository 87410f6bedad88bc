"""Reading the raw layer back: the current captures of a day and what they hold.

Derived assets and checks read raw only through here. `read_day` parses what one partition
date derives from (its discover capture, its reference lists and each discovered movie's latest
details captured on or before it) into a `DayData` (transform/day.py), memoised for the assets of one run.
Writing captures is the job of capture/lifecycle.py and the capture modules beside it.
"""

import contextlib
import datetime as dt
import gc
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, text

from tmdb_assets.db.queries import query
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.settings import get_settings
from tmdb_assets.transform.day import DayData
from tmdb_assets.transform.details import (
    MovieDetails,
    country_list,
    genre_list,
    language_list,
    movie_details,
)
from tmdb_assets.transform.discover import PageShape, discover_items, discover_problems
from tmdb_assets.transform.media import MOVIE, TV, Media
from tmdb_assets.transform.tv import TVDetails, tv_details
from tmdb_assets.transform.values import PayloadError, Rejected

log = logging.getLogger(__name__)

DISCOVER = MOVIE.discover_asset
DETAILS = MOVIE.details_asset


class MissingRawDataError(RuntimeError):
    """A derived asset needs a raw partition that was never captured."""


@dataclass
class CaptureInfo:
    capture_id: int
    asset: str
    partition_date: dt.date
    version: int
    captured_at: dt.datetime | None
    late_capture: bool
    stats: dict[str, Any] = field(default_factory=dict)
    reused: bool = False


def current_capture(conn: Connection, asset: str, day: dt.date) -> CaptureInfo | None:
    row = conn.execute(
        text(
            "SELECT capture_id, version, captured_at, late_capture, stats FROM raw.capture "
            "WHERE asset = :a AND partition_date = :d AND is_current"
        ),
        {"a": asset, "d": day},
    ).one_or_none()
    if row is None:
        return None
    return CaptureInfo(row[0], asset, day, row[1], row[2], row[3], dict(row[4] or {}))


def discover_shapes(conn: Connection, capture_id: int) -> list[PageShape]:
    """Each stored page's result count and TMDb's totals (for validation, without the items)."""
    rows = conn.execute(
        text(
            "SELECT page, CASE WHEN jsonb_typeof(payload->'results') = 'array' "
            "THEN jsonb_array_length(payload->'results') END, "
            "payload->'total_pages', payload->'total_results' "
            "FROM raw.discover_page WHERE capture_id = :c ORDER BY page"
        ),
        {"c": capture_id},
    ).all()
    return [
        PageShape(
            r[0], r[1], r[2] if type(r[2]) is int else None, r[3] if type(r[3]) is int else None
        )
        for r in rows
    ]


def capture_problems(conn: Connection, info: CaptureInfo) -> list[str]:
    """Why a stored discover capture is incomplete (empty: it is complete)."""
    requested = int(info.stats.get("pages_requested") or 0) or 1
    return discover_problems(discover_shapes(conn, info.capture_id), requested)


def require_capture(conn: Connection, asset: str, day: dt.date) -> CaptureInfo:
    info = current_capture(conn, asset, day)
    if info is None:
        raise MissingRawDataError(
            f"{asset} has no capture for {day}: materialize {asset} for partition "
            f"{day} first (a derived asset never calls TMDb)."
        )
    return info


def discover_pages(conn: Connection, info: CaptureInfo) -> list[tuple[int, Any]]:
    """(page number, payload) of a discover capture, in page order."""
    rows = conn.execute(
        text("SELECT page, payload FROM raw.discover_page WHERE capture_id = :c ORDER BY page"),
        {"c": info.capture_id},
    ).all()
    return [(r[0], r[1]) for r in rows]


def reference_lists(conn: Connection, capture_id: int) -> dict[str, Any]:
    rows = conn.execute(
        text("SELECT list_name, payload FROM raw.reference_list WHERE capture_id = :c"),
        {"c": capture_id},
    ).all()
    return {r[0]: r[1] for r in rows}


def details_query(name: str, media: Media):
    """A named details query on `media`'s raw table and id column."""
    return query(name, details=media.details_table, id=media.id_column)


def last_fetches(
    conn: Connection, day: dt.date, movie_ids: list[int], media: Media = MOVIE
) -> dict[int, dt.date]:
    """For each movie (or series), the partition date of its latest details capture before
    `day`."""
    rows = conn.execute(
        details_query("last_fetches", media),
        {"a": media.details_asset, "d": day, "ids": movie_ids},
    ).all()
    return {r[0]: r[1] for r in rows}


def follows(capture: CaptureInfo, discover_capture_id: int) -> bool:
    """Details follow their discover capture: a recaptured discover gets new details."""
    return capture.stats.get("discover_capture_id") == discover_capture_id


def details_refs_as_of(
    conn: Connection, day: dt.date, movie_ids: list[int], media: Media = MOVIE
) -> list[tuple[int, int, int, dt.datetime, dt.date]]:
    """Where each movie's (or series') latest details captured on or before `day` are:
    (id, capture id, HTTP status, fetched_at, the capture's day), without the payloads."""
    rows = conn.execute(
        details_query("details_as_of", media),
        {"a": media.details_asset, "d": day, "ids": movie_ids},
    ).all()
    return [tuple(r) for r in rows]


def details_payloads(
    conn: Connection, keys: list[tuple[int, int]], media: Media = MOVIE
) -> Iterator[tuple[int, int, Any, str | None]]:
    """(capture id, movie id, payload, unreadable body) of the given details rows.

    Streamed from a server-side cursor: a 10,000-movie day never sits in memory as raw JSON.
    """
    if not keys:
        return
    # Per statement: Connection.execution_options() would switch the whole connection (and the
    # caller's later statements on it) to server-side cursors.
    result = conn.execute(
        text(
            f"SELECT md.capture_id, md.{media.id_column}, md.payload, md.body "
            f"FROM {media.details_table} md "
            "JOIN jsonb_to_recordset(CAST(:keys AS jsonb)) AS k(c bigint, m integer) "
            f"ON md.capture_id = k.c AND md.{media.id_column} = k.m"
        ),
        {"keys": orjson.dumps([{"c": c, "m": m} for c, m in keys]).decode()},
        execution_options={"stream_results": True, "yield_per": 500},
    )
    for row in result:
        yield tuple(row)


def details_capture_signature(
    conn: Connection, day: dt.date, media: Media = MOVIE
) -> tuple[int, ...]:
    """Ids of the current details captures on or before `day` (changes when any is recaptured)."""
    rows = conn.execute(
        text(
            "SELECT capture_id FROM raw.capture WHERE asset = :a AND is_current "
            "AND partition_date <= :d ORDER BY capture_id"
        ),
        {"a": media.details_asset, "d": day},
    ).all()
    return tuple(r[0] for r in rows)


# Parsed days, shared by the assets of one run (they all read the same raw partitions). Keyed
# by the capture versions, so a recapture is never served stale; bounded by movies held.
_cache: dict[tuple[Any, ...], DayData] = {}


_cache_lock = threading.Lock()


# Parsed details by the raw row they come from. A details row never changes once captured, and a
# movie's latest details stay the same row for days, so a range run parses each row once
# (about 3% of a day's movies are new or changed). Keyed by database URL and fetch time too, so a
# database recreated under the same name is never served another's rows. Bounded like _cache.
_details_memo: dict[tuple[str, int, int, dt.datetime], MovieDetails | TVDetails | Rejected] = {}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while parsing: parsing allocates many objects and no cycles, and in
    a process holding Dagster's object graph every full collection walks all of it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_day(warehouse: Warehouse, day: dt.date, media: Media = MOVIE) -> DayData:
    """Parse the raw partitions that `day` derives from, of movies or series (memoised per
    capture versions)."""
    with warehouse.begin() as conn:
        return read_day_on(conn, warehouse.url, day, media)


def read_day_on(conn: Connection, url: str, day: dt.date, media: Media = MOVIE) -> DayData:
    """read_day on the caller's transaction (a table load reads and writes in one)."""
    return _read_day_of(conn, url, day, media, require_capture(conn, media.discover_asset, day))


def read_captured_day_on(conn: Connection, url: str, day: dt.date, media: Media) -> DayData | None:
    """read_day_on of a day `media` may not have been captured on (an optional domain): None
    when it was not."""
    info = current_capture(conn, media.discover_asset, day)
    return None if info is None else _read_day_of(conn, url, day, media, info)


def _read_day_of(
    conn: Connection, url: str, day: dt.date, media: Media, info: CaptureInfo
) -> DayData:
    key = (url, day, info.capture_id, details_capture_signature(conn, day, media))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    with gc_paused():  # parsing allocates many objects and no cycles
        data = _parse_day(conn, url, day, info, media)
    with _cache_lock:
        # Fill up to the budget, then stop caching: a range run reads its days once per asset,
        # in the same order, and an LRU would then evict every day just before it is needed.
        if (
            sum(len(d.items) for d in _cache.values()) + len(data.items)
            <= get_settings().load_cache_movies
        ):
            _cache[key] = data
    return data


def parse_details(
    movie_id: int, payload: Any, body: str | None = None, media: Media = MOVIE
) -> MovieDetails | TVDetails | Rejected:
    source = media.source("details")
    if payload is None and body is not None:
        return Rejected(
            source,
            movie_id,
            f"the details body is not JSON ({len(body)} characters kept in "
            f"{media.details_table}.body)",
            {"body_start": body[:500]},
        )
    try:
        parse = tv_details if media is TV else movie_details  # transform/tv.py, details.py
        return parse(payload, expected_id=movie_id)
    except PayloadError as exc:
        return Rejected(source, movie_id, str(exc), payload)


def apply_details(
    data: DayData, movie_id: int, parsed: MovieDetails | TVDetails | Rejected
) -> None:
    if isinstance(parsed, Rejected):
        data.details_status[movie_id] = "invalid"
        data.rejected.append(parsed)
    else:
        data.details[movie_id] = parsed
        data.details_status[movie_id] = "ok"
        if parsed.problems:  # fields set aside; the rest of the details is used
            data.rejected.extend(parsed.problems)


def _parse_day(
    conn: Connection, url: str, day: dt.date, info: CaptureInfo, media: Media
) -> DayData:
    pages = discover_pages(conn, info)
    items, rejected, duplicates = discover_items(pages, media)
    del pages
    refs = reference_lists(conn, info.capture_id)
    data = DayData(day, info, items, rejected, duplicates, media=media)
    for name, parse, attr in (
        ("genres", genre_list, "genres_ref"),
        ("countries", country_list, "countries_ref"),
        ("languages", language_list, "languages_ref"),
    ):
        if name in refs:
            try:
                setattr(data, attr, parse(refs[name]))
            except PayloadError as exc:
                data.rejected.append(Rejected(f"reference:{name}", None, str(exc), refs[name]))
    located = details_refs_as_of(conn, day, [i.movie_id for i in items], media)
    keys = {m: (url, c, m, at) for m, c, status, at, _day in located if status != 404}
    memo = _details_memo
    need = [(key[1], m) for m, key in keys.items() if key not in memo]
    fresh = {
        keys[m]: parse_details(m, payload, body, media)
        for _capture, m, payload, body in details_payloads(conn, need, media)
    }
    with _cache_lock:
        for key in list(fresh)[: max(get_settings().load_cache_movies - len(memo), 0)]:
            memo[key] = fresh[key]
    # Applied in movie order whatever came from the memo: the dims take names from the first or
    # last movie that mentions a company, genre or country, so the order must not vary.
    for movie_id, _capture, status, fetched_at, fetched_day in located:
        data.fetched_at[movie_id] = fetched_at
        data.details_day[movie_id] = fetched_day
        if status == 404:
            data.details_status[movie_id] = "not_found"
            continue
        parsed = fresh.get(keys[movie_id]) or memo.get(keys[movie_id])
        if parsed is not None:  # None: the row vanished between the two reads (never seen)
            apply_details(data, movie_id, parsed)
    return data


def clear_day_cache() -> None:
    """Forget the parsed days (end of a run); the details memo stays for the next days."""
    with _cache_lock:
        _cache.clear()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _details_memo.clear()
