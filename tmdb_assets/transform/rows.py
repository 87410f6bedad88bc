"""Pure row building: the warehouse rows of one partition date from its parsed raw data.

No database here: each builder takes a `DayData` (transform/day.py: read_day's parse of the raw
layer) and returns
the rows in the column order its table's registry entry declares (tables.py). Unit-tested
without PostgreSQL (tmdb_assets_tests/test_rows.py).
"""

import statistics
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tmdb_assets.transform.day import DayData
from tmdb_assets.transform.days import dim_date_row
from tmdb_assets.transform.details import MovieDetails
from tmdb_assets.transform.discover import DiscoverItem
from tmdb_assets.transform.enrich import RELEASE_TYPES, placed_before


def dim_date_rows(data: DayData) -> list[tuple[Any, ...]]:
    return [dim_date_row(data.day)]


def item_rows(
    data: DayData,
    from_details: Callable[[Any, str, Any], tuple[Any, ...]],
    from_item: Callable[[DiscoverItem, str, Any], tuple[Any, ...]],
) -> list[tuple[Any, ...]]:
    """One row per discovered movie (or series): `from_details(details, status, fetched_at)`
    where it has details; else `from_item(discover item, status, fetched_at)`: its details are
    gone (404), invalid or not fetched yet, and the discover item still describes it, flagged
    by details_status."""
    rows = []
    for item in data.items:
        d = data.details.get(item.movie_id)
        status = data.details_status.get(item.movie_id, "missing")
        fetched = data.fetched_at.get(item.movie_id)
        rows.append(
            from_details(d, status, fetched) if d is not None else from_item(item, status, fetched)
        )
    return rows


def dim_movie_rows(data: DayData) -> list[tuple[Any, ...]]:
    day = data.day
    return item_rows(
        data,
        lambda d, status, fetched: (
            d.movie_id, d.title, d.original_title, d.original_language, d.overview,
            d.release_date, d.runtime, d.budget, d.revenue, d.status, d.imdb_id, d.adult,
            d.video, d.homepage, d.tagline, d.collection_id, d.collection_name, d.poster_path,
            status, day, day, fetched, day, credits_status(d), d.wikidata_id,
        ),
        lambda item, status, fetched: (
            item.movie_id, item.title, item.original_title, item.original_language,
            item.overview, item.release_date, None, None, None, None, None, item.adult,
            item.video, None, None, None, None, item.poster_path, status, day, day, fetched, day,
            None, None,
        ),
    )  # fmt: skip


def tail_movie_rows(data: DayData) -> list[tuple[Any, ...]]:
    """dim_movie rows of a day of details alone (the long tail's): never in the discover list
    that day, so no first or last day seen (the upsert keeps the stored ones)."""
    rows = []
    for movie_id in sorted(data.details):
        d = data.details[movie_id]
        rows.append((
            movie_id, d.title, d.original_title, d.original_language, d.overview,
            d.release_date, d.runtime, d.budget, d.revenue, d.status, d.imdb_id, d.adult,
            d.video, d.homepage, d.tagline, d.collection_id, d.collection_name, d.poster_path,
            data.details_status[movie_id], None, None, data.fetched_at.get(movie_id), data.day,
            credits_status(d), d.wikidata_id,
        ))  # fmt: skip
    return rows


def credits_status(d: MovieDetails) -> str:
    """ok: TMDb lists cast or crew; none: it lists neither; unknown: the stored details carry no
    credits (fetched before credits were asked for, or unreadable)."""
    if d.credits is None:
        return "unknown"
    return "ok" if d.credits.cast or d.credits.crew else "none"


def dim_person_rows(data: DayData) -> list[tuple[Any, ...]]:
    """Everyone credited in the day's details, of movies and series, once (a person's figures
    are the same in every movie and series of one day)."""
    people: dict[int, tuple[Any, ...]] = {}
    for day in data.domains():
        for d in day.details.values():
            for p in d.credits.people if d.credits else ():
                if p.person_id not in people:
                    people[p.person_id] = (
                        p.person_id, p.name, p.original_name, p.gender, p.known_for_department,
                        p.profile_path, p.popularity, data.day,
                    )  # fmt: skip
    return [people[k] for k in sorted(people)]


def dim_genre_rows(data: DayData) -> list[tuple[Any, ...]]:
    """Every genre of the day's genre lists and details, with the lists that name it (movie,
    tv or both: one id space serves both domains)."""
    names: dict[int, str] = {}
    media: dict[int, set[str]] = defaultdict(set)
    for day in data.domains():
        listed = dict(day.genres_ref)
        for d in day.details.values():
            for gid, name in d.genres or ():
                listed.setdefault(gid, name)
        for gid, name in listed.items():
            names.setdefault(gid, name)
            media[gid].add(day.media.name)
    return [(gid, name, media_type(media[gid]), data.day) for gid, name in sorted(names.items())]


def media_type(names: set[str]) -> str:
    """dim_genre.media_type of a genre named by these domains' lists."""
    return names.pop() if len(names) == 1 else "both"


def dim_collection_rows(data: DayData) -> list[tuple[Any, ...]]:
    """The collections (franchises) the day's details name (belongs_to_collection)."""
    names: dict[int, str | None] = {}
    for d in data.details.values():
        if d.collection_id is not None:
            names.setdefault(d.collection_id, d.collection_name)
    return [(cid, name or f"Collection {cid}", data.day) for cid, name in sorted(names.items())]


def dim_keyword_rows(data: DayData) -> list[tuple[Any, ...]]:
    names: dict[int, str] = {}
    for day in data.domains():
        for d in day.details.values():
            for kid, name in d.keywords or ():
                names.setdefault(kid, name)
    return [(kid, name, data.day) for kid, name in sorted(names.items())]


def dim_watch_provider_rows(data: DayData) -> list[tuple[Any, ...]]:
    """The providers the day's details name (a provider's best display priority of the day)."""
    best: dict[int, Any] = {}
    for day in data.domains():
        for d in day.details.values():
            for p in d.watch.providers if d.watch else ():
                if placed_before(p, best.get(p.provider_id)):
                    best[p.provider_id] = p
    return [
        (p.provider_id, p.name, p.logo_path, p.display_priority, data.day)
        for _, p in sorted(best.items())
    ]


def watch_observation_rows(data: DayData) -> list[tuple[Any, ...]]:
    """One row per movie whose availability the day observed: what was seen, in figures."""
    rows = []
    for movie_id, offers in sorted(data.watch_observed().items()):
        rows.append((
            movie_id, data.day, data.source, len({o[0] for o in offers}),
            len({o[1] for o in offers}), len(offers), data.fetched_at[movie_id],
        ))  # fmt: skip
    return rows


def dim_company_rows(data: DayData) -> list[tuple[Any, ...]]:
    companies: dict[int, tuple[Any, ...]] = {}
    for day in reversed(data.domains()):  # a company of both: the movies' details win
        for d in day.details.values():
            for cid, name, origin, logo in d.companies or ():
                companies[cid] = (cid, name, origin, logo, data.day)
    return [companies[k] for k in sorted(companies)]


def dim_country_rows(
    data: DayData, continent_of: dict[str, tuple[str, str]] | None = None
) -> list[tuple[Any, ...]]:
    """Continents from `continent_of` (the country_continent seed, read by the loader)."""
    continent_of = continent_of or {}
    countries: dict[str, tuple[str, str | None]] = {
        c: (n, native) for c, n, native in data.countries_ref
    }
    for day in data.domains():
        for d in day.details.values():
            for code, name in d.countries or ():
                countries.setdefault(code, (name, None))
        for item in day.items:  # a series' origin countries (movies' items have none)
            for code in item.origin_country or ():
                countries.setdefault(code, (code, None))
    return [
        (code, name, native, *continent_of.get(code, (None, None)), data.day)
        for code, (name, native) in sorted(countries.items())
    ]


def dim_language_rows(data: DayData) -> list[tuple[Any, ...]]:
    langs: dict[str, tuple[str | None, str | None]] = {c: (e, n) for c, e, n in data.languages_ref}
    for day in data.domains():
        for d in day.details.values():
            for code, english, native in d.languages or ():
                langs.setdefault(code, (english, native))
    for day in data.domains():
        for item in day.items:
            if item.original_language:
                langs.setdefault(item.original_language.lower(), (None, None))
    return [(code, e, n, data.day) for code, (e, n) in sorted(langs.items())]


# A movie's keys in a bridge, from its details; None where the details could not say (the field
# was set aside), which leaves the movie's stored set as it is. A key is one value, or a tuple of
# the bridge's columns after movie_id (a bridge with attributes: the credits).
KeysOf = Callable[[MovieDetails], list[Any] | None]
DiscoverKeysOf = Callable[[DiscoverItem], list[Any] | None]


def genre_ids(d: MovieDetails) -> list[int] | None:
    return None if d.genres is None else [g for g, _ in d.genres]


def company_ids(d: MovieDetails) -> list[int] | None:
    return None if d.companies is None else [c[0] for c in d.companies]


def country_codes(d: MovieDetails) -> list[str] | None:
    return None if d.countries is None else [c for c, _ in d.countries]


def language_codes(d: MovieDetails) -> list[str] | None:
    return None if d.languages is None else [lang[0] for lang in d.languages]


def keyword_ids(d: MovieDetails) -> list[int] | None:
    """None: the stored details carry no keywords (unknown): the movie's set stays as it is."""
    return None if d.keywords is None else [k for k, _ in d.keywords]


def releases(d: MovieDetails) -> list[tuple[Any, ...]] | None:
    """(iso_3166_1, release_key, release_type, its name, release_date, certification, note) of
    each release TMDb lists; None: unknown (details stored before release dates were asked)."""
    if d.releases is None:
        return None
    return [
        (r.iso_3166_1, r.key, r.release_type, RELEASE_TYPES[r.release_type], r.release_date,
         r.certification, r.note)
        for r in d.releases
    ]  # fmt: skip


def cast_credits(d: MovieDetails) -> list[tuple[Any, ...]] | None:
    """(person_id, credit_id, character, cast_order) of each cast credit; None: unknown."""
    if d.credits is None:
        return None
    return [(c.person_id, c.credit_id, c.character, c.order) for c in d.credits.cast]


def crew_credits(d: MovieDetails) -> list[tuple[Any, ...]] | None:
    """(person_id, credit_id, department, job) of each crew credit; None: unknown."""
    if d.credits is None:
        return None
    return [(c.person_id, c.credit_id, c.department, c.job) for c in d.credits.crew]


def discover_genre_ids(item: DiscoverItem) -> list[int] | None:
    """Without details, the discover item still lists the movie's genres."""
    return item.genre_ids


def bridge_pairs(
    data: DayData, keys_of: KeysOf, discover_keys_of: DiscoverKeysOf | None = None
) -> tuple[set[int], list[tuple[int, Any]]]:
    """(movies whose set this day asserts, their (movie, key) pairs)."""
    details = data.details
    items = {i.movie_id: i for i in data.items} if discover_keys_of is not None else {}
    movies: set[int] = set()
    pairs: list[tuple[int, Any]] = []
    for movie_id in data.movie_ids:
        d = details.get(movie_id)
        keys = keys_of(d) if d is not None else None
        if keys is None and movie_id in items:
            assert discover_keys_of is not None
            keys = discover_keys_of(items[movie_id])
        if keys is None:
            continue  # the day says nothing about this movie's set: the stored one stays
        movies.add(movie_id)
        pairs.extend([(movie_id, *k) if type(k) is tuple else (movie_id, k) for k in keys])
    return movies, pairs


def fact_rows(data: DayData) -> list[tuple[Any, ...]]:
    assert data.capture is not None
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


def genre_daily_rows(data: DayData) -> list[tuple[Any, ...]]:
    """Per genre, the day's discovered movies of that genre by the day's own genres (details,
    else discover's genre_ids): how many, mean and median popularity, mean vote, total votes.
    Unreadable (None) figures are left out of the means and sums, as SQL's aggregates do."""
    items = {i.movie_id: i for i in data.items}
    by_genre: dict[int, list[DiscoverItem]] = defaultdict(list)
    for movie_id, genre_id in sorted(set(bridge_pairs(data, genre_ids, discover_genre_ids)[1])):
        by_genre[genre_id].append(items[movie_id])

    def known(values: list[Any]) -> list[Any]:
        return [v for v in values if v is not None]

    rows = []
    for genre_id in sorted(by_genre):
        movies = by_genre[genre_id]
        popularity = known([i.popularity for i in movies])
        votes = known([i.vote_average for i in movies])
        counts = known([i.vote_count for i in movies])
        rows.append(
            (
                data.date_id,
                genre_id,
                len(movies),
                statistics.fmean(popularity) if popularity else None,
                statistics.median(popularity) if popularity else None,
                statistics.fmean(votes) if votes else None,
                sum(counts) if counts else None,
            )
        )
    return rows


def pairs_of(
    keys_of: KeysOf, discover_keys_of: DiscoverKeysOf | None = None
) -> Callable[[DayData], list[tuple[Any, ...]]]:
    """A bridge's row builder: the day's (movie, key) pairs."""

    def pairs(data: DayData) -> list[tuple[Any, ...]]:
        return bridge_pairs(data, keys_of, discover_keys_of)[1]

    return pairs
