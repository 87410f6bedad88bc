"""Pure transforms: TMDb payloads -> typed warehouse rows. No I/O here.

TMDb's quirks handled here (see data/tmdb/ for the real responses they come from): unknown
dates are "" rather than null, optional text is null or "", numbers may be integers or floats
or (rarely) strings, fields appear and disappear over the years, and a movie can appear on two
discover pages while ranks shift.
"""

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class PayloadError(ValueError):
    """A payload that cannot be turned into rows; the message is the quarantine reason."""


def parse_date(value: Any) -> dt.date | None:
    """TMDb dates: "YYYY-MM-DD", "" or null for unknown. Unreadable dates count as unknown."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def to_float(value: Any, name: str, *, default: float | None = None) -> float:
    """A number that may arrive as int, float or numeric string; anything else is an error."""
    kind = type(value)
    if kind is float and math.isfinite(value):  # the common cases first: this runs per field
        return value
    if kind is int:
        return float(value)
    if value is None:
        if default is not None:
            return default
        raise PayloadError(f"{name} is missing")
    if isinstance(value, bool):
        raise PayloadError(f"{name} is a boolean ({value!r}), not a number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise PayloadError(f"{name} is {value!r}, not a number") from None
    else:
        raise PayloadError(f"{name} is a {type(value).__name__}, not a number")
    if math.isnan(number) or math.isinf(number):
        raise PayloadError(f"{name} is {value!r}, not a finite number")
    return number


# Column types: ids, counts and runtime are PostgreSQL integer; budget and revenue are bigint.
INT32 = 2**31 - 1
INT64 = 2**63 - 1


def to_int(value: Any, name: str, *, default: int | None = None, limit: int = INT32) -> int:
    """A whole number that fits its column (|n| <= limit); anything else is an error, so one
    absurd number quarantines its payload instead of failing the whole day's load."""
    if type(value) is int:
        number = value
    else:
        f = to_float(value, name, default=None if default is None else float(default))
        if not f.is_integer():
            raise PayloadError(f"{name} is {value!r}, not a whole number")
        number = int(f)
    if -limit - 1 <= number <= limit:
        return number
    raise PayloadError(f"{name} is {value!r}, out of range (at most {limit:,})")


def optional_int(value: Any, name: str, *, limit: int = INT32) -> int | None:
    return None if value is None or value == "" else to_int(value, name, limit=limit)


def optional_bool(value: Any) -> bool | None:
    """A JSON boolean, or NULL for anything else (missing, null, a string)."""
    return value if isinstance(value, bool) else None


def clean_text(value: Any) -> str | None:
    """Optional text: "" and whitespace-only become NULL; NUL characters (which PostgreSQL text
    cannot hold) are dropped."""
    if type(value) is str:  # the common case first: this runs for every text field of a day
        if "\x00" in value:
            value = value.replace("\x00", "")
        return value if value and not value.isspace() else None
    if value is None:
        return None
    text = str(value).replace("\x00", "")
    return text if text.strip() else None


def is_object(value: Any) -> bool:
    """A JSON object (decoded JSON gives dicts: checked first, the ABC check is slower)."""
    return type(value) is dict or isinstance(value, Mapping)


def movie_id_of(payload: Any, what: str = "payload") -> int:
    if not is_object(payload):
        raise PayloadError(f"{what} is a {type(payload).__name__}, not an object")
    raw = payload.get("id")
    if raw is None:
        raise PayloadError(f"{what} has no id")
    movie_id = to_int(raw, f"{what} id")
    if movie_id <= 0:
        raise PayloadError(f"{what} id {movie_id} is not positive")
    return movie_id


# --- discover ---------------------------------------------------------------------------------


@dataclass(slots=True)
class DiscoverItem:
    movie_id: int
    rank: int
    page: int
    title: str | None
    original_title: str | None
    original_language: str | None
    overview: str | None
    release_date: dt.date | None
    adult: bool | None
    video: bool | None
    poster_path: str | None
    genre_ids: tuple[int, ...]
    popularity: float
    vote_average: float
    vote_count: int


@dataclass
class Rejected:
    """A payload (or part of one) set aside with its reason."""

    source: str
    movie_id: int | None
    reason: str
    payload: Any


def discover_item(item: Any, rank: int, page: int) -> DiscoverItem:
    movie_id = movie_id_of(item, "discover result")
    vote_average = to_float(item.get("vote_average"), "vote_average", default=0.0)
    popularity = to_float(item.get("popularity"), "popularity", default=0.0)
    vote_count = to_int(item.get("vote_count"), "vote_count", default=0)
    if popularity < 0 or vote_count < 0 or not 0 <= vote_average <= 10:
        raise PayloadError(
            f"out-of-range numbers: popularity={popularity}, vote_average={vote_average}, "
            f"vote_count={vote_count}"
        )
    genre_ids = item.get("genre_ids") or []
    if not isinstance(genre_ids, list):
        raise PayloadError("genre_ids is not a list")
    return DiscoverItem(
        movie_id=movie_id,
        rank=rank,
        page=page,
        title=clean_text(item.get("title")),
        original_title=clean_text(item.get("original_title")),
        original_language=clean_text(item.get("original_language")),
        overview=clean_text(item.get("overview")),
        release_date=parse_date(item.get("release_date")),
        adult=optional_bool(item.get("adult")),
        video=optional_bool(item.get("video")),
        poster_path=clean_text(item.get("poster_path")),
        genre_ids=tuple(sorted({to_int(g, "genre_ids[]") for g in genre_ids})),
        popularity=popularity,
        vote_average=vote_average,
        vote_count=vote_count,
    )


def discover_items(
    pages: Iterable[tuple[int, Any]],
) -> tuple[list[DiscoverItem], list[Rejected], int]:
    """Items of a capture's pages, de-duplicated by movie (the better rank wins).

    `pages` is (page number, page payload) in any order. Ranks count positions across pages in
    page order. Returns (items sorted by rank, rejected items, duplicates dropped).
    """
    best: dict[int, DiscoverItem] = {}
    rejected: list[Rejected] = []
    duplicates = 0
    rank = 0
    for page, payload in sorted(pages, key=lambda p: p[0]):
        results = payload.get("results") if isinstance(payload, Mapping) else None
        if not isinstance(results, list):
            rejected.append(Rejected("discover", None, f"page {page} has no results list", payload))
            continue
        for raw in results:
            rank += 1
            try:
                item = discover_item(raw, rank, page)
            except PayloadError as exc:
                mid = (
                    raw.get("id")
                    if isinstance(raw, Mapping) and isinstance(raw.get("id"), int)
                    else None
                )
                rejected.append(Rejected("discover", mid, f"page {page}: {exc}", raw))
                continue
            if item.movie_id in best:
                duplicates += 1
                if best[item.movie_id].rank <= item.rank:
                    continue
            best[item.movie_id] = item
    return sorted(best.values(), key=lambda i: i.rank), rejected, duplicates


# --- details ----------------------------------------------------------------------------------


@dataclass(slots=True)
class MovieDetails:
    movie_id: int
    title: str | None
    original_title: str | None
    original_language: str | None
    overview: str | None
    release_date: dt.date | None
    runtime: int | None
    budget: int | None
    revenue: int | None
    status: str | None
    imdb_id: str | None
    adult: bool | None
    video: bool | None
    homepage: str | None
    tagline: str | None
    collection_id: int | None
    collection_name: str | None
    poster_path: str | None
    genres: list[tuple[int, str]] = field(default_factory=list)
    companies: list[tuple[int, str, str | None, str | None]] = field(default_factory=list)
    countries: list[tuple[str, str]] = field(default_factory=list)
    languages: list[tuple[str, str | None, str | None]] = field(default_factory=list)


def _objects(payload: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = payload.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{key} is a {type(value).__name__}, not a list")
    return [v for v in value if is_object(v)]


def movie_details(payload: Any, expected_id: int | None = None) -> MovieDetails:
    """Parse a /movie/{id} body. Unknown fields are ignored; missing optional ones are NULL."""
    movie_id = movie_id_of(payload, "movie details")
    if expected_id is not None and movie_id != expected_id:
        raise PayloadError(f"details for movie {expected_id} carry id {movie_id}")
    collection = payload.get("belongs_to_collection")
    # Seen in the wild: a string where the collection object belongs. Keep the movie, drop it.
    collection = collection if is_object(collection) else None
    genres = {}
    for g in _objects(payload, "genres"):
        gid = to_int(g.get("id"), "genres[].id")
        genres[gid] = clean_text(g.get("name")) or f"Genre {gid}"
    companies = {}
    for c in _objects(payload, "production_companies"):
        cid = to_int(c.get("id"), "production_companies[].id")
        companies[cid] = (
            cid,
            clean_text(c.get("name")) or f"Company {cid}",
            clean_text(c.get("origin_country")),
            clean_text(c.get("logo_path")),
        )
    countries = {}
    for c in _objects(payload, "production_countries"):
        code = clean_text(c.get("iso_3166_1"))
        if code:
            countries[code.upper()] = clean_text(c.get("name")) or code.upper()
    languages = {}
    for lang in _objects(payload, "spoken_languages"):
        code = clean_text(lang.get("iso_639_1"))
        if code:
            languages[code.lower()] = (
                code.lower(),
                clean_text(lang.get("english_name")),
                clean_text(lang.get("name")),
            )
    return MovieDetails(
        movie_id=movie_id,
        title=clean_text(payload.get("title")),
        original_title=clean_text(payload.get("original_title")),
        original_language=clean_text(payload.get("original_language")),
        overview=clean_text(payload.get("overview")),
        release_date=parse_date(payload.get("release_date")),
        runtime=optional_int(payload.get("runtime"), "runtime"),
        budget=optional_int(payload.get("budget"), "budget", limit=INT64),
        revenue=optional_int(payload.get("revenue"), "revenue", limit=INT64),
        status=clean_text(payload.get("status")),
        imdb_id=clean_text(payload.get("imdb_id")),
        adult=optional_bool(payload.get("adult")),
        video=optional_bool(payload.get("video")),
        homepage=clean_text(payload.get("homepage")),
        tagline=clean_text(payload.get("tagline")),
        collection_id=optional_int(collection.get("id"), "belongs_to_collection.id")
        if collection
        else None,
        collection_name=clean_text(collection.get("name")) if collection else None,
        poster_path=clean_text(payload.get("poster_path")),
        genres=sorted(genres.items()),
        companies=sorted(companies.values()),
        countries=sorted(countries.items()),
        languages=sorted(languages.values()),
    )


# --- reference lists ---------------------------------------------------------------------------


def genre_list(payload: Any) -> list[tuple[int, str]]:
    genres = payload.get("genres") if isinstance(payload, Mapping) else None
    if not isinstance(genres, list):
        raise PayloadError("genre list has no 'genres' array")
    out = {}
    for g in genres:
        if isinstance(g, Mapping) and g.get("id") is not None:
            gid = to_int(g["id"], "genres[].id")
            out[gid] = clean_text(g.get("name")) or f"Genre {gid}"
    return sorted(out.items())


def country_list(payload: Any) -> list[tuple[str, str, str | None]]:
    if not isinstance(payload, list):
        raise PayloadError("country list is not an array")
    out = {}
    for c in payload:
        if isinstance(c, Mapping) and clean_text(c.get("iso_3166_1")):
            code = c["iso_3166_1"].strip().upper()
            out[code] = (
                code,
                clean_text(c.get("english_name")) or code,
                clean_text(c.get("native_name")),
            )
    return sorted(out.values())


def language_list(payload: Any) -> list[tuple[str, str | None, str | None]]:
    if not isinstance(payload, list):
        raise PayloadError("language list is not an array")
    out = {}
    for lang in payload:
        if isinstance(lang, Mapping) and clean_text(lang.get("iso_639_1")):
            code = lang["iso_639_1"].strip().lower()
            out[code] = (code, clean_text(lang.get("english_name")), clean_text(lang.get("name")))
    return sorted(out.values())


# --- dates ------------------------------------------------------------------------------------


def date_id(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def dim_date_row(day: dt.date) -> tuple[Any, ...]:
    iso = day.isocalendar()
    return (
        date_id(day),
        day,
        day.year,
        (day.month - 1) // 3 + 1,
        day.month,
        day.day,
        iso.week,
        iso.weekday,
        day.strftime("%A"),
        iso.weekday >= 6,
    )
