"""Movie details (with credits) and the reference lists (genres, countries, languages) to typed
values: fields that parse are kept, the bad ones quarantined with their reason. Pure: no I/O."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tmdb_assets.transform.enrich import (
    Release,
    WatchProviders,
    imdb_id_of,
    keywords_of,
    releases_of,
    watch_providers_of,
    wikidata_id_of,
)
from tmdb_assets.transform.values import (
    INT64,
    PayloadError,
    Rejected,
    clean_text,
    is_object,
    keep_or_reject,
    movie_id_of,
    objects_of,
    optional_bool,
    optional_int,
    parse_date,
    to_float,
    to_int,
)

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
    # (keyword_id, name); None: unknown (stored before keywords were appended, or unreadable).
    keywords: list[tuple[int, str]] | None = None
    # Every release TMDb lists, country by country; None: unknown (as the keywords).
    releases: list[Release] | None = None
    # Wikidata's id (external_ids): Q and digits; None where TMDb gives none or it is unknown.
    wikidata_id: str | None = None
    # Where it could be watched when fetched; None: unknown (not asked for, or unreadable).
    watch: WatchProviders | None = None


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
    episode_count: int | None = None  # a series' role: in how many episodes (TV only)


@dataclass(frozen=True)
class CrewCredit:
    credit_id: str
    person_id: int
    department: str | None
    job: str | None
    episode_count: int | None = None  # a series' job: in how many episodes (TV only)


@dataclass
class Credits:
    """A movie's credits (append_to_response=credits): its people, cast and crew."""

    people: list[Person]
    cast: list[CastCredit]
    crew: list[CrewCredit]


def genre_entry(g: Mapping[str, Any]) -> tuple[int, str]:
    gid = to_int(g.get("id"), "genres[].id")
    return gid, clean_text(g.get("name")) or f"Genre {gid}"


def company_entry(c: Mapping[str, Any]) -> tuple[int, str, str | None, str | None]:
    cid = to_int(c.get("id"), "production_companies[].id")
    return (
        cid,
        clean_text(c.get("name")) or f"Company {cid}",
        clean_text(c.get("origin_country")),
        clean_text(c.get("logo_path")),
    )


def country_entry(c: Mapping[str, Any]) -> tuple[str, str] | None:
    code = clean_text(c.get("iso_3166_1"))
    if not code:
        return None
    return code.upper(), clean_text(c.get("name")) or code.upper()


def language_entry(lang: Mapping[str, Any]) -> tuple[str, str | None, str | None] | None:
    code = clean_text(lang.get("iso_639_1"))
    if not code:
        return None
    return code.lower(), clean_text(lang.get("english_name")), clean_text(lang.get("name"))


def person_entry(c: Mapping[str, Any], where: str) -> Person:
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
        for c in objects_of(body, where):
            person = keep_or_reject(
                problems,
                "details",
                movie_id,
                "credits.",
                where,
                c,
                lambda v, w=where: person_entry(v, w),
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


def field_readers(payload: Mapping[str, Any], problems: list[Rejected], source: str, item_id: int):
    """How a details parser reads its fields: `keep(name, parse, value)` is parse(value) or
    None with the problem recorded; `entries(key, parse)` the parsed, de-duplicated entries of
    a list field (by their first element; None: the field is not a list)."""

    def keep(name: str, parse, value: Any = None) -> Any:
        return keep_or_reject(problems, source, item_id, "", name, value, parse)

    def entries(key: str, parse) -> list | None:
        objects = keep(key, lambda _v: objects_of(payload, key))
        if objects is None:
            return None
        out: dict[Any, Any] = {}
        for obj in objects:
            got = keep(key, parse, obj)
            if got is not None:
                out[got[0]] = got
        return sorted(out.values())

    return keep, entries


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
    keep, entries = field_readers(payload, problems, "details", movie_id)

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
        imdb_id=keep("imdb_id", imdb_id_of, get("imdb_id")),
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
        genres=entries("genres", genre_entry),
        companies=entries("production_companies", company_entry),
        countries=entries("production_countries", country_entry),
        languages=entries("spoken_languages", language_entry),
        problems=problems,
        credits=keep("credits", lambda _v: credits_of(payload, problems, movie_id))
        if "credits" in payload
        else None,
        keywords=keep("keywords", lambda _v: keywords_of(payload, problems, movie_id))
        if "keywords" in payload
        else None,
        releases=keep("release_dates", lambda _v: releases_of(payload, problems, movie_id))
        if "release_dates" in payload
        else None,
        wikidata_id=keep("external_ids.wikidata_id", lambda _v: wikidata_id_of(payload))
        if "external_ids" in payload
        else None,
        watch=keep(
            "watch/providers", lambda _v: watch_providers_of(payload), get("watch/providers")
        )
        if "watch/providers" in payload
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
