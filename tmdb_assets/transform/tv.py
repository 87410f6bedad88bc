"""TV series details (/tv/{id}) to typed values, read as movie details are (transform/details.py:
the same field readers, the same genre, company, country and language entries, the same
quarantine of a bad field): what differs is the series' own fields, its networks and its
seasons. Pure: no I/O."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tmdb_assets.transform.details import (
    CastCredit,
    Credits,
    CrewCredit,
    Person,
    company_entry,
    country_entry,
    field_readers,
    genre_entry,
    language_entry,
    person_entry,
)
from tmdb_assets.transform.discover import codes
from tmdb_assets.transform.enrich import WatchProviders, keywords_of, watch_providers_of
from tmdb_assets.transform.media import TV
from tmdb_assets.transform.values import (
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


@dataclass(frozen=True)
class Season:
    """One season a series' details list (`seasons`; no request of its own)."""

    season_number: int
    season_id: int | None
    name: str | None
    air_date: dt.date | None
    episode_count: int | None
    vote_average: float | None
    poster_path: str | None


@dataclass(slots=True)
class TVDetails:
    """A parsed /tv/{id} body. A list that could not be read is None (unknown, not empty)."""

    tv_id: int
    name: str | None
    original_name: str | None
    original_language: str | None
    overview: str | None
    first_air_date: dt.date | None
    last_air_date: dt.date | None
    status: str | None
    type: str | None
    number_of_seasons: int | None
    number_of_episodes: int | None
    in_production: bool | None
    adult: bool | None
    homepage: str | None
    tagline: str | None
    poster_path: str | None
    origin_country: tuple[str, ...] | None = ()
    genres: list[tuple[int, str]] | None = field(default_factory=list)
    companies: list[tuple[int, str, str | None, str | None]] | None = field(default_factory=list)
    countries: list[tuple[str, str]] | None = field(default_factory=list)
    languages: list[tuple[str, str | None, str | None]] | None = field(default_factory=list)
    networks: list[tuple[int, str, str | None, str | None]] | None = field(default_factory=list)
    seasons: list[Season] | None = field(default_factory=list)
    problems: list[Rejected] = field(default_factory=list)
    # The aggregate credits (every role and job with its episode count); None: unknown (not
    # appended, or unreadable), never read as an empty cast.
    credits: Credits | None = None
    # (keyword_id, name); None: unknown (not appended, or unreadable), as a movie's.
    keywords: list[tuple[int, str]] | None = None
    # (country, rating) of each content rating TMDb lists (TV-MA, FSK 16, 15); None: unknown.
    content_ratings: list[tuple[str, str]] | None = None
    # Where it could be watched when fetched; None: unknown (not asked for, or unreadable).
    watch: WatchProviders | None = None


def network_entry(n: Mapping[str, Any]) -> tuple[int, str, str | None, str | None]:
    """(network_id, name, origin country, logo) of a `networks` entry (HBO, Netflix, BBC One)."""
    nid = to_int(n.get("id"), "networks[].id")
    if nid <= 0:
        raise PayloadError(f"networks[].id {nid} is not positive")
    origin = clean_text(n.get("origin_country"))
    return (
        nid,
        clean_text(n.get("name")) or f"Network {nid}",
        origin.upper() if origin else None,
        clean_text(n.get("logo_path")),
    )


def season_entry(s: Mapping[str, Any]) -> tuple[int, Season]:
    """A `seasons` entry, keyed by its number (0: the specials)."""
    number = to_int(s.get("season_number"), "seasons[].season_number")
    if number < 0:
        raise PayloadError(f"seasons[].season_number {number} is negative")
    count = optional_int(s.get("episode_count"), "seasons[].episode_count")
    vote = s.get("vote_average")
    return number, Season(
        season_number=number,
        season_id=optional_int(s.get("id"), "seasons[].id"),
        name=clean_text(s.get("name")),
        air_date=parse_date(s.get("air_date")),
        episode_count=count if count is None or count >= 0 else None,
        vote_average=None if vote is None else to_float(vote, "seasons[].vote_average"),
        poster_path=clean_text(s.get("poster_path")),
    )


def _count(value: Any) -> int | None:
    return value if type(value) is int and value >= 0 else None


def aggregate_credits_of(
    payload: Mapping[str, Any], problems: list[Rejected], tv_id: int
) -> Credits:
    """The `aggregate_credits` part of a series' details: its people, each role of the cast
    (`roles`: a credit id, a character, an episode count) and each job of the crew (`jobs`).
    A bad entry (no usable person id) is dropped and recorded; the same credit twice once."""
    body = payload.get("aggregate_credits")
    if not is_object(body):
        raise PayloadError(f"aggregate_credits is a {type(body).__name__}, not an object")
    people: dict[int, Person] = {}
    cast: dict[str, CastCredit] = {}
    crew: dict[str, CrewCredit] = {}
    source = TV.source("details")
    for where, parts in (("cast", "roles"), ("crew", "jobs")):
        for c in objects_of(body, where):
            person = keep_or_reject(
                problems,
                source,
                tv_id,
                "aggregate_credits.",
                where,
                c,
                lambda v, w=where: person_entry(v, w),
            )
            if person is None:
                continue
            people.setdefault(person.person_id, person)
            for part in objects_of(c, parts) if isinstance(c.get(parts), list) else ():
                cid = clean_text(part.get("credit_id"))
                if cid is None:
                    continue  # a role without a credit id cannot be told apart: not kept
                episodes = _count(part.get("episode_count"))
                if where == "cast":
                    order = _count(c.get("order"))
                    character = clean_text(part.get("character"))
                    cast.setdefault(
                        cid, CastCredit(cid, person.person_id, character, order, episodes)
                    )
                else:
                    department, job = clean_text(c.get("department")), clean_text(part.get("job"))
                    crew.setdefault(
                        cid, CrewCredit(cid, person.person_id, department, job, episodes)
                    )
    return Credits(list(people.values()), list(cast.values()), list(crew.values()))


def rating_entry(r: Mapping[str, Any]) -> tuple[str, str]:
    """(country, rating) of a `content_ratings.results` entry."""
    country, rating = clean_text(r.get("iso_3166_1")), clean_text(r.get("rating"))
    if not country or len(country) != 2:
        raise PayloadError(f"content_ratings[].iso_3166_1 is {r.get('iso_3166_1')!r}")
    if rating is None:
        raise PayloadError(f"content_ratings[] of {country} has no rating")
    return country.upper(), rating


def content_ratings_of(payload: Mapping[str, Any], problems: list[Rejected], tv_id: int):
    """The `content_ratings` part: one rating per country (the first TMDb lists)."""
    body = payload.get("content_ratings")
    if not is_object(body):
        raise PayloadError(f"content_ratings is a {type(body).__name__}, not an object")
    out: dict[str, tuple[str, str]] = {}
    for r in objects_of(body, "results"):
        got = keep_or_reject(
            problems, TV.source("details"), tv_id, "content_ratings.", "content_ratings", r,
            rating_entry,
        )  # fmt: skip
        if got is not None:
            out.setdefault(got[0], got)
    return sorted(out.values())


def tv_details(payload: Any, expected_id: int | None = None) -> TVDetails:
    """Parse a /tv/{id} body. Raises PayloadError only when the body cannot be this series'
    (not an object, no usable id, another series' id); a bad field is NULL (a bad list entry is
    dropped) and recorded in `problems`, as for movies."""
    tv_id = movie_id_of(payload, "series details")
    if expected_id is not None and tv_id != expected_id:
        raise PayloadError(f"details for series {expected_id} carry id {tv_id}")
    problems: list[Rejected] = []
    keep, entries = field_readers(payload, problems, TV.source("details"), tv_id)
    get = payload.get
    seasons = entries("seasons", season_entry)

    def count(name: str) -> int | None:
        value = keep(name, lambda v: optional_int(v, name), get(name))
        return value if value is None or value >= 0 else None

    return TVDetails(
        tv_id=tv_id,
        name=clean_text(get("name")),
        original_name=clean_text(get("original_name")),
        original_language=clean_text(get("original_language")),
        overview=clean_text(get("overview")),
        first_air_date=parse_date(get("first_air_date")),
        last_air_date=parse_date(get("last_air_date")),
        status=clean_text(get("status")),
        type=clean_text(get("type")),
        number_of_seasons=count("number_of_seasons"),
        number_of_episodes=count("number_of_episodes"),
        in_production=optional_bool(get("in_production")),
        adult=optional_bool(get("adult")),
        homepage=clean_text(get("homepage")),
        tagline=clean_text(get("tagline")),
        poster_path=clean_text(get("poster_path")),
        origin_country=keep("origin_country", codes, get("origin_country")),
        genres=entries("genres", genre_entry),
        companies=entries("production_companies", company_entry),
        countries=entries("production_countries", country_entry),
        languages=entries("spoken_languages", language_entry),
        networks=entries("networks", network_entry),
        seasons=None if seasons is None else [s for _, s in seasons],
        problems=problems,
        credits=keep("aggregate_credits", lambda _v: aggregate_credits_of(payload, problems, tv_id))
        if "aggregate_credits" in payload
        else None,
        keywords=keep(
            "keywords",
            lambda _v: keywords_of(payload, problems, tv_id, "results", TV.source("details")),
        )
        if "keywords" in payload
        else None,
        content_ratings=keep(
            "content_ratings", lambda _v: content_ratings_of(payload, problems, tv_id)
        )
        if "content_ratings" in payload
        else None,
        watch=keep(
            "watch/providers", lambda _v: watch_providers_of(payload), get("watch/providers")
        )
        if "watch/providers" in payload
        else None,
    )
