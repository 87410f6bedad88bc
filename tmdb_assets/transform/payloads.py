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


@dataclass
class Rejected:
    """A payload, or one field of it, set aside with its reason.

    `field` None: the whole payload was unusable (no id, not an object) and its movie has no row
    from it. `field` set: only that field was bad; the movie keeps every field that parsed and
    this one is NULL (or, for a list, keeps its good entries).
    """

    source: str
    movie_id: int | None
    reason: str
    payload: Any
    field: str | None = None


def _keep(
    problems: list[Rejected], source: str, movie_id: int, where: str, name: str, value: Any, parse
) -> Any:
    """parse(value), or None with the problem recorded when the value cannot be read."""
    try:
        return parse(value)
    except PayloadError as exc:
        problems.append(
            Rejected(source, movie_id, f"{where}{exc}", {"field": name, "value": value}, name)
        )
        return None


def _in_range(name: str, low: float, high: float | None, convert):
    def parse(value: Any) -> Any:
        number = convert(value, name)
        if number < low or (high is not None and number > high):
            bound = f"within [{low:g}, {high:g}]" if high is not None else f">= {low:g}"
            raise PayloadError(f"{name} is {value!r}, not {bound}")
        return number

    return parse


def _id_list(name: str, problems: list[Rejected], source: str, movie_id: int, where: str):
    """A list of integer ids; bad entries are quarantined, the good ones kept."""

    def parse(value: Any) -> tuple[int, ...]:
        if not isinstance(value, list):
            raise PayloadError(f"{name} is a {type(value).__name__} ({value!r}), not a list")
        out = set()
        for entry in value:
            got = _keep(problems, source, movie_id, where, name, entry, _entry)
            if got is not None:
                out.add(got)
        return tuple(sorted(out))

    def _entry(entry: Any) -> int:
        return to_int(entry, f"{name}[]")

    return parse


_POPULARITY = _in_range("popularity", 0.0, None, lambda v, n: to_float(v, n, default=0.0))
_VOTE_AVERAGE = _in_range("vote_average", 0.0, 10.0, lambda v, n: to_float(v, n, default=0.0))
_VOTE_COUNT = _in_range("vote_count", 0, None, lambda v, n: to_int(v, n, default=0))


@dataclass(slots=True)
class DiscoverItem:
    """One movie of a discover page. A number that could not be read is None (quarantined);
    genre_ids None means the page did not say which genres (not: no genre)."""

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
    genre_ids: tuple[int, ...] | None
    popularity: float | None
    vote_average: float | None
    vote_count: int | None


def _fast_number(value: Any) -> bool:
    return type(value) is float or type(value) is int


def discover_item(
    item: Any, rank: int, page: int, problems: list[Rejected] | None = None
) -> DiscoverItem:
    """One discover result. Only an unusable id rejects the item (PayloadError); any other bad
    field becomes None and is appended to `problems` with its reason."""
    movie_id = movie_id_of(item, "discover result")
    problems = [] if problems is None else problems
    where = f"page {page}: "
    get = item.get
    # The common case (well-formed numbers) skips the per-field bookkeeping: this runs per item.
    popularity, vote_average, vote_count = get("popularity"), get("vote_average"), get("vote_count")
    if _fast_number(popularity) and 0 <= popularity < math.inf:
        popularity = float(popularity)
    else:
        popularity = _keep(
            problems, "discover", movie_id, where, "popularity", popularity, _POPULARITY
        )
    if _fast_number(vote_average) and 0 <= vote_average <= 10:
        vote_average = float(vote_average)
    else:
        vote_average = _keep(
            problems, "discover", movie_id, where, "vote_average", vote_average, _VOTE_AVERAGE
        )
    if not (type(vote_count) is int and 0 <= vote_count <= INT32):
        vote_count = _keep(
            problems, "discover", movie_id, where, "vote_count", vote_count, _VOTE_COUNT
        )
    raw_genres = get("genre_ids")
    if raw_genres is None:
        genre_ids: tuple[int, ...] | None = ()
    elif type(raw_genres) is list and all(type(g) is int and 0 < g <= INT32 for g in raw_genres):
        genre_ids = tuple(sorted(set(raw_genres)))
    else:
        genre_ids = _keep(
            problems,
            "discover",
            movie_id,
            where,
            "genre_ids",
            raw_genres,
            _id_list("genre_ids", problems, "discover", movie_id, where),
        )
    return DiscoverItem(
        movie_id=movie_id,
        rank=rank,
        page=page,
        title=clean_text(get("title")),
        original_title=clean_text(get("original_title")),
        original_language=clean_text(get("original_language")),
        overview=clean_text(get("overview")),
        release_date=parse_date(get("release_date")),
        adult=optional_bool(get("adult")),
        video=optional_bool(get("video")),
        poster_path=clean_text(get("poster_path")),
        genre_ids=genre_ids,
        popularity=popularity,
        vote_average=vote_average,
        vote_count=vote_count,
    )


def discover_items(
    pages: Iterable[tuple[int, Any]],
) -> tuple[list[DiscoverItem], list[Rejected], int]:
    """Items of a capture's pages, de-duplicated by movie (the better rank wins).

    `pages` is (page number, page payload) in any order. Ranks count positions across pages in
    page order. Returns (items sorted by rank, what was set aside, duplicates dropped). An item
    without a usable id is set aside whole; an item with a bad field keeps its other fields and
    the bad one is set aside (a Rejected with `field`).
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
            problems: list[Rejected] = []
            try:
                item = discover_item(raw, rank, page, problems)
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
            if problems:
                rejected.extend(problems)
    return sorted(best.values(), key=lambda i: i.rank), rejected, duplicates


# --- discover capture completeness -------------------------------------------------------------

PAGE_SIZE = 20  # TMDb's discover pages hold 20 results, the last page of a list fewer


@dataclass(frozen=True, slots=True)
class PageShape:
    """What a stored or fetched discover page says about itself."""

    page: int
    results: int | None  # None: no results list
    total_pages: int | None
    total_results: int | None


def page_shape(page: int, payload: Any) -> PageShape:
    if not isinstance(payload, Mapping):
        return PageShape(page, None, None, None)
    results = payload.get("results")
    tp, tr = payload.get("total_pages"), payload.get("total_results")
    return PageShape(
        page,
        len(results) if isinstance(results, list) else None,
        tp if type(tp) is int else None,
        tr if type(tr) is int else None,
    )


def expected_pages(requested: int, first: PageShape, max_page: int = 500) -> int:
    """How many pages a complete capture holds: those asked for, up to TMDb's last page."""
    total = first.total_pages if first.total_pages is not None else requested
    return max(1, min(requested, total, max_page))


def page_problem(shape: PageShape, last: int, first: PageShape) -> str | None:
    """Why a discover page cannot belong to a complete capture of pages 1..`last`, or None.

    Every page but the last holds 20 results; the last holds 20 too unless it is the last page
    TMDb has (first.total_pages), which holds what total_results leaves for it (2 short
    tolerated: the list can shrink while it is paged). TMDb's paging is not a snapshot and its
    total_pages has been seen wrong: a short page is refetched before a capture is judged.
    """
    if shape.results is None:
        return f"page {shape.page} has no results list"
    tp, tr = first.total_pages, first.total_results
    if tr == 0 and shape.results == 0:
        return None  # a query that matches nothing: an empty list is the whole truth
    if shape.page < last or tp is None or shape.page < tp:
        if shape.results != PAGE_SIZE:
            return f"page {shape.page} holds {shape.results} results, not {PAGE_SIZE}"
        return None
    left = tr - PAGE_SIZE * (tp - 1) if tr is not None else None
    want = left if left is not None and 0 < left <= PAGE_SIZE else 1
    if shape.results < max(1, want - 2):
        return (
            f"page {shape.page} (TMDb's last) holds {shape.results} results, "
            f"total_results {tr} leaves {want} for it"
        )
    return None


def discover_problems(shapes: list[PageShape], requested: int) -> list[str]:
    """Everything that makes a discover capture incomplete (empty: complete and consistent):
    pages 1..expected_pages() all present, each of the size page_problem() wants, and the
    results across them reaching what total_results promises for the pages asked."""
    by_page = {s.page: s for s in shapes}
    first = by_page.get(1)
    if first is None:
        return ["page 1 is missing"]
    last = expected_pages(requested, first)
    problems = [f"page {p} is missing" for p in range(1, last + 1) if p not in by_page]
    problems += [
        problem
        for p in range(1, last + 1)
        if p in by_page and (problem := page_problem(by_page[p], last, first))
    ]
    if not problems and first.total_results is not None:
        items = sum(by_page[p].results or 0 for p in range(1, last + 1))
        expected = min(first.total_results, PAGE_SIZE * last)
        if items < expected - 2:
            problems.append(
                f"{items} results in pages 1..{last}, but total_results {first.total_results} "
                f"promises {expected}"
            )
    return problems


# --- details ----------------------------------------------------------------------------------


@dataclass(slots=True)
class MovieDetails:
    """A parsed /movie/{id} body. A list that could not be read is None (unknown, not empty);
    `problems` are the fields set aside (the rest of the details is kept)."""

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
    genres: list[tuple[int, str]] | None = field(default_factory=list)
    companies: list[tuple[int, str, str | None, str | None]] | None = field(default_factory=list)
    countries: list[tuple[str, str]] | None = field(default_factory=list)
    languages: list[tuple[str, str | None, str | None]] | None = field(default_factory=list)
    problems: list[Rejected] = field(default_factory=list)
    # None: unknown (details stored before credits were asked for, or unreadable credits),
    # never read as an empty cast.
    credits: "Credits | None" = None


@dataclass(frozen=True)
class Person:
    person_id: int
    name: str
    original_name: str | None
    gender: int | None
    known_for_department: str | None
    profile_path: str | None
    popularity: float | None


@dataclass(frozen=True)
class CastCredit:
    credit_id: str
    person_id: int
    character: str | None
    order: int | None


@dataclass(frozen=True)
class CrewCredit:
    credit_id: str
    person_id: int
    department: str | None
    job: str | None


@dataclass
class Credits:
    """A movie's credits (append_to_response=credits): its people, cast and crew."""

    people: list[Person]
    cast: list[CastCredit]
    crew: list[CrewCredit]


def _objects(payload: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = payload.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{key} is a {type(value).__name__}, not a list")
    return [v for v in value if is_object(v)]


def _genre(g: Mapping[str, Any]) -> tuple[int, str]:
    gid = to_int(g.get("id"), "genres[].id")
    return gid, clean_text(g.get("name")) or f"Genre {gid}"


def _company(c: Mapping[str, Any]) -> tuple[int, str, str | None, str | None]:
    cid = to_int(c.get("id"), "production_companies[].id")
    return (
        cid,
        clean_text(c.get("name")) or f"Company {cid}",
        clean_text(c.get("origin_country")),
        clean_text(c.get("logo_path")),
    )


def _country(c: Mapping[str, Any]) -> tuple[str, str] | None:
    code = clean_text(c.get("iso_3166_1"))
    if not code:
        return None
    return code.upper(), clean_text(c.get("name")) or code.upper()


def _language(lang: Mapping[str, Any]) -> tuple[str, str | None, str | None] | None:
    code = clean_text(lang.get("iso_639_1"))
    if not code:
        return None
    return code.lower(), clean_text(lang.get("english_name")), clean_text(lang.get("name"))


def _person(c: Mapping[str, Any], where: str) -> Person:
    person_id = to_int(c.get("id"), f"{where}[].id")
    if person_id <= 0:
        raise PayloadError(f"{where}[].id {person_id} is not positive")
    gender = c.get("gender")
    return Person(
        person_id,
        clean_text(c.get("name")) or f"Person {person_id}",
        clean_text(c.get("original_name")),
        gender if type(gender) is int and 0 <= gender <= 3 else None,
        clean_text(c.get("known_for_department")),
        clean_text(c.get("profile_path")),
        _optional_float(c.get("popularity")),
    )


def _optional_float(value: Any) -> float | None:
    """A number, or None when absent or unreadable (a person's popularity: not worth a row)."""
    try:
        return None if value is None else to_float(value, "popularity")
    except PayloadError:
        return None


def _credit_id(c: Mapping[str, Any], person_id: int, *parts: Any) -> str:
    """TMDb's credit_id; credits recorded before TMDb had them (2014) get a stable stand-in
    made of what identifies the credit ("~person:part:part")."""
    return clean_text(c.get("credit_id")) or "~" + ":".join(
        str(p) for p in (person_id, *parts) if p is not None
    )


def credits_of(payload: Mapping[str, Any], problems: list[Rejected], movie_id: int) -> Credits:
    """The `credits` part of a details body. A bad entry (no usable person id) is dropped and
    recorded; the same credit twice is kept once."""
    body = payload.get("credits")
    if not is_object(body):
        raise PayloadError(f"credits is a {type(body).__name__}, not an object")
    people: dict[int, Person] = {}
    cast: dict[str, CastCredit] = {}
    crew: dict[str, CrewCredit] = {}
    for where in ("cast", "crew"):
        for c in _objects(body, where):
            person = _keep(
                problems,
                "details",
                movie_id,
                "credits.",
                where,
                c,
                lambda v, w=where: _person(v, w),
            )
            if person is None:
                continue
            people.setdefault(person.person_id, person)
            if where == "cast":
                order = c.get("order")
                order = order if type(order) is int else None
                character = clean_text(c.get("character"))
                cid = _credit_id(c, person.person_id, c.get("cast_id"), character)
                cast.setdefault(cid, CastCredit(cid, person.person_id, character, order))
            else:
                department, job = clean_text(c.get("department")), clean_text(c.get("job"))
                cid = _credit_id(c, person.person_id, department, job)
                crew.setdefault(cid, CrewCredit(cid, person.person_id, department, job))
    return Credits(list(people.values()), list(cast.values()), list(crew.values()))


def movie_details(payload: Any, expected_id: int | None = None) -> MovieDetails:
    """Parse a /movie/{id} body. Unknown fields are ignored; missing optional ones are NULL.

    Raises PayloadError only when the body cannot be this movie's (not an object, no usable id,
    another movie's id). A bad field is NULL (a bad list entry is dropped) and recorded in
    `problems`: one odd number never costs the movie its other details.
    """
    movie_id = movie_id_of(payload, "movie details")
    if expected_id is not None and movie_id != expected_id:
        raise PayloadError(f"details for movie {expected_id} carry id {movie_id}")
    problems: list[Rejected] = []

    def keep(name: str, parse, value: Any = None) -> Any:
        return _keep(problems, "details", movie_id, "", name, value, parse)

    def entries(key: str, parse) -> list | None:
        """The parsed, de-duplicated entries of a list field (None: the field is not a list)."""
        objects = keep(key, lambda _v: _objects(payload, key))
        if objects is None:
            return None
        out: dict[Any, Any] = {}
        for obj in objects:
            got = keep(key, parse, obj)
            if got is not None:
                out[got[0]] = got
        return sorted(out.values())

    collection = payload.get("belongs_to_collection")
    # Seen in the wild: a string where the collection object belongs. Keep the movie, drop it.
    collection = collection if is_object(collection) else None
    get = payload.get
    return MovieDetails(
        movie_id=movie_id,
        title=clean_text(get("title")),
        original_title=clean_text(get("original_title")),
        original_language=clean_text(get("original_language")),
        overview=clean_text(get("overview")),
        release_date=parse_date(get("release_date")),
        runtime=keep("runtime", lambda v: optional_int(v, "runtime"), get("runtime")),
        budget=keep("budget", lambda v: optional_int(v, "budget", limit=INT64), get("budget")),
        revenue=keep("revenue", lambda v: optional_int(v, "revenue", limit=INT64), get("revenue")),
        status=clean_text(get("status")),
        imdb_id=clean_text(get("imdb_id")),
        adult=optional_bool(get("adult")),
        video=optional_bool(get("video")),
        homepage=clean_text(get("homepage")),
        tagline=clean_text(get("tagline")),
        collection_id=keep(
            "belongs_to_collection.id",
            lambda v: optional_int(v, "belongs_to_collection.id"),
            collection.get("id"),
        )
        if collection
        else None,
        collection_name=clean_text(collection.get("name")) if collection else None,
        poster_path=clean_text(get("poster_path")),
        genres=entries("genres", _genre),
        companies=entries("production_companies", _company),
        countries=entries("production_countries", _country),
        languages=entries("spoken_languages", _language),
        problems=problems,
        credits=keep("credits", lambda _v: credits_of(payload, problems, movie_id))
        if "credits" in payload
        else None,
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
