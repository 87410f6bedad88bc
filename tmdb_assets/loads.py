"""Warehouse loads for one partition date, replayed from the raw layer only (no TMDb calls).

Each load runs inside one transaction that reads the raw day and writes the table, takes an
advisory lock (per table and date; per table for bridges), and is one set-based statement whose
batch travels as a single JSONB parameter (see resources/warehouse.py). Every load is a pure
function of the raw partitions up to its date, so rerunning it gives the same rows.
"""

import contextlib
import csv
import datetime as dt
import gc
import io
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from tmdb_assets import capture
from tmdb_assets.capture import CaptureInfo
from tmdb_assets.resources.warehouse import (
    UpsertResult,
    Warehouse,
    batch_rows,
    batch_source,
    partition_lock,
    stage,
    upsert,
    with_reconnect,
)
from tmdb_assets.settings import data_dir, env_int
from tmdb_assets.tables import BRIDGES as REGISTRY_BRIDGES
from tmdb_assets.transform import (
    DiscoverItem,
    MovieDetails,
    PayloadError,
    Rejected,
    country_list,
    date_id,
    dim_date_row,
    discover_items,
    genre_list,
    language_list,
    movie_details,
)

log = logging.getLogger(__name__)

CONTINENT_CODES = {
    "AF": "Africa", "AN": "Antarctica", "AS": "Asia", "EU": "Europe",
    "NA": "North America", "OC": "Oceania", "SA": "South America",
}  # fmt: skip


@dataclass
class DayData:
    """Everything the warehouse needs for one date, parsed from raw."""

    day: dt.date
    capture: CaptureInfo
    items: list[DiscoverItem]
    rejected: list[Rejected]
    duplicates: int
    details: dict[int, MovieDetails] = field(default_factory=dict)
    details_status: dict[int, str] = field(default_factory=dict)
    fetched_at: dict[int, dt.datetime] = field(default_factory=dict)
    genres_ref: list[tuple[int, str]] = field(default_factory=list)
    countries_ref: list[tuple[str, str, str | None]] = field(default_factory=list)
    languages_ref: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    @property
    def date_id(self) -> int:
        return date_id(self.day)


# Parsed days, shared by the assets of one run (they all read the same raw partitions). Keyed
# by the capture versions, so a recapture is never served stale; bounded by movies held.
_cache: dict[tuple[Any, ...], DayData] = {}
_cache_lock = threading.Lock()
CACHE_MAX_MOVIES = env_int("TMDB_LOAD_CACHE_MOVIES", 30_000, minimum=0)
# Parsed details by the raw row they come from. A details row never changes once captured, and a
# movie's latest details stay the same row for days, so a range run parses each row once
# (about 3% of a day's movies are new or changed). Keyed by database URL and fetch time too, so a
# database recreated under the same name is never served another's rows. Bounded like _cache.
_details_memo: dict[tuple[str, int, int, dt.datetime], MovieDetails | Rejected] = {}


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


def read_day(warehouse: Warehouse, day: dt.date) -> DayData:
    """Parse the raw partitions that `day` derives from (memoised per capture versions)."""
    with warehouse.begin() as conn:
        return read_day_on(conn, warehouse.url, day)


def read_day_on(conn: Connection, url: str, day: dt.date) -> DayData:
    """read_day on the caller's transaction (a table load reads and writes in one)."""
    info = capture.require_capture(conn, capture.DISCOVER, day)
    key = (url, day, info.capture_id, capture.details_capture_signature(conn, day))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    with gc_paused():  # parsing allocates many objects and no cycles
        data = _parse_day(conn, url, day, info)
    with _cache_lock:
        # Fill up to the budget, then stop caching: a range run reads its days once per asset,
        # in the same order, and an LRU would then evict every day just before it is needed.
        if sum(len(d.items) for d in _cache.values()) + len(data.items) <= CACHE_MAX_MOVIES:
            _cache[key] = data
    return data


def _parse_details(movie_id: int, payload: Any, body: str | None = None) -> MovieDetails | Rejected:
    if payload is None and body is not None:
        return Rejected(
            "details",
            movie_id,
            f"the details body is not JSON ({len(body)} characters kept in raw.movie_details.body)",
            {"body_start": body[:500]},
        )
    try:
        return movie_details(payload, expected_id=movie_id)
    except PayloadError as exc:
        return Rejected("details", movie_id, str(exc), payload)


def _apply_details(data: DayData, movie_id: int, parsed: MovieDetails | Rejected) -> None:
    if isinstance(parsed, Rejected):
        data.details_status[movie_id] = "invalid"
        data.rejected.append(parsed)
    else:
        data.details[movie_id] = parsed
        data.details_status[movie_id] = "ok"
        if parsed.problems:  # fields set aside; the rest of the details is used
            data.rejected.extend(parsed.problems)


def _parse_day(conn: Connection, url: str, day: dt.date, info: CaptureInfo) -> DayData:
    pages = capture.discover_pages(conn, info)
    items, rejected, duplicates = discover_items(pages)
    del pages
    refs = capture.reference_lists(conn, info.capture_id)
    data = DayData(day, info, items, rejected, duplicates)
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
    located = capture.details_refs_as_of(conn, day, [i.movie_id for i in items])
    keys = {m: (url, c, m, at) for m, c, status, at in located if status != 404}
    memo = _details_memo
    need = [(key[1], m) for m, key in keys.items() if key not in memo]
    fresh = {
        keys[m]: _parse_details(m, payload, body)
        for _capture, m, payload, body in capture.details_payloads(conn, need)
    }
    with _cache_lock:
        for key in list(fresh)[: max(CACHE_MAX_MOVIES - len(memo), 0)]:
            memo[key] = fresh[key]
    # Applied in movie order whatever came from the memo: the dims take names from the first or
    # last movie that mentions a company, genre or country, so the order must not vary.
    for movie_id, _capture, status, fetched_at in located:
        data.fetched_at[movie_id] = fetched_at
        if status == 404:
            data.details_status[movie_id] = "not_found"
            continue
        parsed = fresh.get(keys[movie_id]) or memo.get(keys[movie_id])
        if parsed is not None:  # None: the row vanished between the two reads (never seen)
            _apply_details(data, movie_id, parsed)
    return data


def clear_day_cache() -> None:
    """Forget the parsed days (end of a run); the details memo stays for the next days."""
    with _cache_lock:
        _cache.clear()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _details_memo.clear()


def _lock(conn: Connection, table: str, day: dt.date) -> None:
    partition_lock(conn, f"{table}:{day.isoformat()}")


# --- dims -------------------------------------------------------------------------------------

DIM_DATE_COLUMNS = [
    "date_id", "full_date", "year", "quarter", "month", "day", "iso_week", "weekday",
    "weekday_name", "is_weekend",
]  # fmt: skip


def load_dim_date(conn: Connection, day: dt.date) -> UpsertResult:
    _lock(conn, "dim_date", day)
    return upsert(
        conn, "warehouse.dim_date", DIM_DATE_COLUMNS, [dim_date_row(day)], ["date_id"], guard=None
    )


DIM_MOVIE_COLUMNS = [
    "movie_id", "title", "original_title", "original_language", "overview", "release_date",
    "runtime", "budget", "revenue", "status", "imdb_id", "adult", "video", "homepage", "tagline",
    "collection_id", "collection_name", "poster_path", "details_status", "first_seen_date",
    "last_seen_date", "details_fetched_at", "source_date",
]  # fmt: skip


def dim_movie_rows(data: DayData) -> list[tuple[Any, ...]]:
    rows = []
    for item in data.items:
        d = data.details.get(item.movie_id)
        status = data.details_status.get(item.movie_id, "missing")
        fetched = data.fetched_at.get(item.movie_id)
        if d is not None:
            rows.append((
                item.movie_id, d.title, d.original_title, d.original_language, d.overview,
                d.release_date, d.runtime, d.budget, d.revenue, d.status, d.imdb_id, d.adult,
                d.video, d.homepage, d.tagline, d.collection_id, d.collection_name, d.poster_path,
                status, data.day, data.day, fetched, data.day,
            ))  # fmt: skip
        else:
            # Details 404 (deleted or merged on TMDb), invalid or not yet fetched: the discover
            # item still describes the movie, flagged by details_status.
            rows.append((
                item.movie_id, item.title, item.original_title, item.original_language,
                item.overview, item.release_date, None, None, None, None, None, item.adult,
                item.video, None, None, None, None, item.poster_path, status, data.day, data.day,
                fetched, data.day,
            ))  # fmt: skip
    return rows


def record_rejected(conn: Connection, data: DayData) -> int:
    """Quarantine what could not be parsed, with its reason (idempotent per day and reason)."""
    if not data.rejected:
        return 0
    stage(
        conn,
        "stg_quarantine",
        "raw.quarantine",
        ["partition_date", "source", "movie_id", "reason", "payload", "field"],
        [(data.day, r.source, r.movie_id, r.reason, r.payload, r.field) for r in data.rejected],
    )
    conn.execute(
        text(
            "INSERT INTO raw.quarantine (partition_date, source, movie_id, reason, payload, field) "
            "SELECT DISTINCT ON (partition_date, source, movie_id, reason) * FROM stg_quarantine "
            "ON CONFLICT (partition_date, source, movie_id, reason) DO NOTHING"
        )
    )
    conn.execute(text("DROP TABLE stg_quarantine"))
    return len(data.rejected)


def load_dim_movie(conn: Connection, data: DayData) -> UpsertResult:
    _lock(conn, "dim_movie", data.day)
    record_rejected(conn, data)
    return upsert(
        conn,
        "warehouse.dim_movie",
        DIM_MOVIE_COLUMNS,
        dim_movie_rows(data),
        ["movie_id"],
        merge={
            "first_seen_date": "LEAST(t.first_seen_date, EXCLUDED.first_seen_date)",
            "last_seen_date": "GREATEST(t.last_seen_date, EXCLUDED.last_seen_date)",
        },
    )


DIM_GENRE_COLUMNS = ["genre_id", "name", "source_date"]
DIM_COMPANY_COLUMNS = ["company_id", "name", "origin_country", "logo_path", "source_date"]
DIM_COUNTRY_COLUMNS = [
    "iso_3166_1", "name", "native_name", "continent_code", "continent", "source_date",
]  # fmt: skip
DIM_LANGUAGE_COLUMNS = ["iso_639_1", "english_name", "name", "source_date"]


def dim_genre_rows(data: DayData) -> list[tuple[Any, ...]]:
    names = dict(data.genres_ref)
    for d in data.details.values():
        for gid, name in d.genres or ():
            names.setdefault(gid, name)
    return [(gid, name, data.day) for gid, name in sorted(names.items())]


def load_dim_genre(conn: Connection, data: DayData) -> UpsertResult:
    _lock(conn, "dim_genre", data.day)
    return upsert(
        conn,
        "warehouse.dim_genre",
        DIM_GENRE_COLUMNS,
        dim_genre_rows(data),
        ["genre_id"],
    )


def dim_company_rows(data: DayData) -> list[tuple[Any, ...]]:
    companies: dict[int, tuple[Any, ...]] = {}
    for d in data.details.values():
        for cid, name, origin, logo in d.companies or ():
            companies[cid] = (cid, name, origin, logo, data.day)
    return [companies[k] for k in sorted(companies)]


def load_dim_company(conn: Connection, data: DayData) -> UpsertResult:
    _lock(conn, "dim_company", data.day)
    return upsert(
        conn,
        "warehouse.dim_company",
        DIM_COMPANY_COLUMNS,
        dim_company_rows(data),
        ["company_id"],
    )


def continents(conn: Connection) -> dict[str, tuple[str, str]]:
    rows = conn.execute(
        text("SELECT iso_3166_1, continent_code, continent FROM warehouse.country_continent")
    ).all()
    if not rows:
        # A fresh warehouse backfilled without the seed: load the shipped CSV now rather than
        # fail (the country_continent asset does the same, and reloads it when it changes).
        load_country_continent(conn, data_dir() / "country_continent.csv")
        return continents(conn)
    return {r[0]: (r[1], r[2]) for r in rows}


def dim_country_rows(
    data: DayData, continent_of: dict[str, tuple[str, str]]
) -> list[tuple[Any, ...]]:
    countries: dict[str, tuple[str, str | None]] = {
        c: (n, native) for c, n, native in data.countries_ref
    }
    for d in data.details.values():
        for code, name in d.countries or ():
            countries.setdefault(code, (name, None))
    return [
        (code, name, native, *continent_of.get(code, (None, None)), data.day)
        for code, (name, native) in sorted(countries.items())
    ]


def load_dim_country(conn: Connection, data: DayData) -> UpsertResult:
    _lock(conn, "dim_country", data.day)
    return upsert(
        conn,
        "warehouse.dim_country",
        DIM_COUNTRY_COLUMNS,
        dim_country_rows(data, continents(conn)),
        ["iso_3166_1"],
        # The continent comes from the seed, not from TMDb: always take the latest mapping.
        merge={"continent_code": "EXCLUDED.continent_code", "continent": "EXCLUDED.continent"},
    )


def dim_language_rows(data: DayData) -> list[tuple[Any, ...]]:
    langs: dict[str, tuple[str | None, str | None]] = {c: (e, n) for c, e, n in data.languages_ref}
    for d in data.details.values():
        for code, english, native in d.languages or ():
            langs.setdefault(code, (english, native))
    for item in data.items:
        if item.original_language:
            langs.setdefault(item.original_language.lower(), (None, None))
    return [(code, e, n, data.day) for code, (e, n) in sorted(langs.items())]


def load_dim_language(conn: Connection, data: DayData) -> UpsertResult:
    _lock(conn, "dim_language", data.day)
    return upsert(
        conn,
        "warehouse.dim_language",
        DIM_LANGUAGE_COLUMNS,
        dim_language_rows(data),
        ["iso_639_1"],
    )


# --- bridges ----------------------------------------------------------------------------------

# bridge table: (key column, dim table, dim key column), from the table registry
BRIDGES: dict[str, tuple[str, str, str]] = {
    t.name: (t.bridge_key.column, f"warehouse.{t.bridge_key.table}", t.bridge_key.table_column)
    for t in REGISTRY_BRIDGES
}


# A movie's keys in each bridge from its details; None where the details could not say (the
# field was set aside), which leaves the movie's stored set as it is.
_BRIDGE_KEYS = {
    "bridge_movie_genre": lambda d: None if d.genres is None else [g for g, _ in d.genres],
    "bridge_movie_company": lambda d: None if d.companies is None else [c[0] for c in d.companies],
    "bridge_movie_country": lambda d: None if d.countries is None else [c for c, _ in d.countries],
    "bridge_movie_language": lambda d: (
        None if d.languages is None else [lang[0] for lang in d.languages]
    ),
}


def bridge_pairs(data: DayData, bridge: str) -> tuple[set[int], list[tuple[int, Any]]]:
    """(movies whose set this day asserts, their (movie, key) pairs)."""
    keys_of = _BRIDGE_KEYS[bridge]
    genre = bridge == "bridge_movie_genre"
    details = data.details
    movies: set[int] = set()
    pairs: list[tuple[int, Any]] = []
    for item in data.items:
        movie_id = item.movie_id
        d = details.get(movie_id)
        keys = keys_of(d) if d is not None else None
        if keys is None and genre:
            keys = item.genre_ids  # without details, discover still lists the genres
        if keys is None:
            continue  # the day says nothing about this movie's set: the stored one stays
        movies.add(movie_id)
        pairs.extend([(movie_id, k) for k in keys])
    return movies, pairs


def load_bridge(conn: Connection, data: DayData, bridge: str) -> dict[str, int]:
    """Replace the key set of each movie whose latest state is this day's (dim_movie.source_date).

    A movie last set from a later day keeps its newer set: out-of-order backfills never regress.
    One statement that unpacks the day's pairs, deletes the pairs that left a set and inserts the
    ones that joined it (pairs already there are not rewritten). Only pairs whose movie and
    dimension rows exist are inserted: the loader is what keeps the bridge's references whole
    (checked after every load by the blocking `foreign_keys` check).
    """
    key, dim, dim_key = BRIDGES[bridge]
    table = f"warehouse.{bridge}"
    # One writer per bridge at a time, whatever the day: two days replacing the same movie's set
    # at once could otherwise both insert a pair.
    partition_lock(conn, bridge)
    movies, pairs = bridge_pairs(data, bridge)
    with_keys = {m for m, _ in pairs}
    # A NULL key stands for "this movie's set is empty today".
    rows = pairs + [(m, None) for m in movies - with_keys]
    counts = conn.execute(
        text(
            f"""
            WITH s AS MATERIALIZED ({batch_source(conn, table, ["movie_id", key])}),
            cur AS MATERIALIZED (
                SELECT dm.movie_id FROM warehouse.dim_movie dm
                WHERE dm.source_date = :d AND dm.movie_id IN (SELECT movie_id FROM s)
            ), wanted AS MATERIALIZED (
                SELECT s.movie_id, s.{key} FROM s
                JOIN cur ON cur.movie_id = s.movie_id JOIN {dim} d ON d.{dim_key} = s.{key}
            ), del AS (
                DELETE FROM {table} b USING cur WHERE b.movie_id = cur.movie_id AND NOT EXISTS
                    (SELECT 1 FROM s WHERE s.movie_id = b.movie_id AND s.{key} = b.{key})
                RETURNING 1
            ), ins AS (
                INSERT INTO {table} (movie_id, {key}) SELECT movie_id, {key} FROM wanted
                ON CONFLICT (movie_id, {key}) DO NOTHING
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM cur), (SELECT count(*) FROM del), (SELECT count(*) FROM ins),
                   (SELECT count(*) FROM wanted),
                   (SELECT count(*) FROM s WHERE s.{key} IS NOT NULL AND NOT EXISTS
                        (SELECT 1 FROM {dim} d WHERE d.{dim_key} = s.{key}))
            """
        ),
        {"d": data.day, "rows": batch_rows(rows)},
    ).one()
    asserted, deleted, inserted, wanted, unknown = (int(c) for c in counts)
    return {
        "rows": wanted,  # the day's pairs (of movies whose latest state is this day)
        "movies": len(movies),
        "movies_replaced": asserted,
        "movies_skipped_newer": len(movies) - asserted,
        "inserted": inserted,
        "deleted": deleted,
        "unchanged": wanted - inserted,
        "unknown_keys_skipped": unknown,
    }


# --- fact -------------------------------------------------------------------------------------

FACT_COLUMNS = [
    "date_id", "movie_id", "popularity", "vote_average", "vote_count", "discover_rank",
    "captured_at", "late_capture",
]  # fmt: skip


def fact_rows(data: DayData) -> list[tuple[Any, ...]]:
    captured_at = data.capture.captured_at
    return [
        (
            data.date_id,
            i.movie_id,
            i.popularity,
            i.vote_average,
            i.vote_count,
            i.rank,
            captured_at,
            data.capture.late_capture,
        )
        for i in data.items
    ]


def load_fact(conn: Connection, data: DayData) -> dict[str, int]:
    """Replace the date's fact rows as a whole (one transaction: readers see old or new).

    The old rows come back from the DELETE (to count what the replay left unchanged) and the new
    ones go straight into the table in one INSERT: no staging copy of the day.
    """
    _lock(conn, "fact_movie_daily", data.day)
    rows = fact_rows(data)
    cols = ", ".join(FACT_COLUMNS)
    old = conn.execute(
        text(f"DELETE FROM warehouse.fact_movie_daily WHERE date_id = :d RETURNING {cols}"),
        {"d": data.date_id},
    ).all()
    conn.execute(
        text(
            f"INSERT INTO warehouse.fact_movie_daily ({cols}) "
            f"{batch_source(conn, 'warehouse.fact_movie_daily', FACT_COLUMNS)}"
        ),
        {"rows": batch_rows(rows)},
    )
    before = {tuple(r) for r in old}
    unchanged = sum(1 for r in rows if r in before)
    return {
        "rows": len(rows),
        "replaced": len(old),
        "unchanged": unchanged,
        "changed_or_new": len(rows) - unchanged,
    }


# --- country -> continent seed ----------------------------------------------------------------


class SeedError(ValueError):
    """The country/continent CSV is malformed; the message names the line and the fix."""


def parse_country_continent(
    content: str, source: str = "country_continent.csv"
) -> list[tuple[str, str, str, str]]:
    reader = csv.DictReader(io.StringIO(content))
    required = ["iso_3166_1", "country_name", "continent_code", "continent"]
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise SeedError(
            f"{source} line 1 (header): missing column(s) {', '.join(missing)}; the header must "
            f"include {', '.join(required)} (found: {', '.join(header) or 'nothing'})"
        )
    reader.fieldnames = header
    rows: dict[str, tuple[str, str, str, str]] = {}
    for line, row in enumerate(reader, start=2):
        code = (row.get("iso_3166_1") or "").strip().upper()
        cont = (row.get("continent_code") or "").strip().upper()
        name = (row.get("country_name") or "").strip()
        if len(code) != 2 or not code.isalpha() or not code.isascii():
            raise SeedError(f"{source} line {line}: iso_3166_1 {code!r} is not a two-letter code")
        if cont not in CONTINENT_CODES:
            raise SeedError(
                f"{source} line {line}: continent_code {cont!r} for {code} is not one of {sorted(CONTINENT_CODES)}"
            )
        if not name:
            raise SeedError(f"{source} line {line}: country_name is empty for {code}")
        continent = (row.get("continent") or "").strip()
        if continent != CONTINENT_CODES[cont]:
            raise SeedError(
                f"{source} line {line}, column continent: {continent!r} for {code} does not "
                f"match continent_code {cont} ({CONTINENT_CODES[cont]!r}); fix one of the two"
            )
        if code in rows:
            raise SeedError(f"{source} line {line}: {code} appears twice; keep one row per code")
        rows[code] = (code, name, cont, CONTINENT_CODES[cont])
    if not rows:
        raise SeedError(f"{source}: no rows")
    return [rows[c] for c in sorted(rows)]


def load_country_continent(conn: Connection, path: Path) -> dict[str, int]:
    rows = parse_country_continent(path.read_text(encoding="utf-8"), path.name)
    partition_lock(conn, "country_continent")
    result = upsert(
        conn,
        "warehouse.country_continent",
        ["iso_3166_1", "country_name", "continent_code", "continent"],
        rows,
        ["iso_3166_1"],
        guard=None,
    )
    codes = [r[0] for r in rows]
    removed = conn.execute(
        text("DELETE FROM warehouse.country_continent WHERE NOT (iso_3166_1 = ANY(:c))"),
        {"c": codes},
    ).rowcount
    enriched = conn.execute(
        text(
            "UPDATE warehouse.dim_country d SET continent_code = cc.continent_code, continent = cc.continent "
            "FROM warehouse.country_continent cc WHERE cc.iso_3166_1 = d.iso_3166_1 "
            "AND (d.continent_code IS DISTINCT FROM cc.continent_code OR d.continent IS DISTINCT FROM cc.continent)"
        )
    ).rowcount
    return {
        "rows": len(rows),
        "inserted": result.inserted,
        "updated": result.updated,
        "removed": int(removed),
        "dim_country_enriched": int(enriched),
    }


def load_day_table(
    warehouse: Warehouse, table: str, day: dt.date, logger: Any = None
) -> tuple[DayData | None, Any]:
    """Load one table for one date in one transaction; returns (day data, load result).

    A connection lost during it rolls it back and the load runs again (with_reconnect).
    """

    def load() -> tuple[DayData | None, Any]:
        with warehouse.begin() as conn, gc_paused():
            if table == "dim_date":
                return None, load_dim_date(conn, day)
            data = read_day_on(conn, warehouse.url, day)
            if table in BRIDGES:
                return data, load_bridge(conn, data, table)
            return data, _LOADERS[table](conn, data)

    return with_reconnect(load, logger=logger or log, what=f"{table} {day}")


_LOADERS = {
    "dim_movie": load_dim_movie,
    "dim_genre": load_dim_genre,
    "dim_company": load_dim_company,
    "dim_country": load_dim_country,
    "dim_language": load_dim_language,
    "fact_movie_daily": load_fact,
}
