"""Pure row building for the TV tables: a TV day (`DayData` with media TV: discover items of
/discover/tv, `TVDetails` by series) to rows in the column order of their registry entries.
The bridges to the shared dimensions reuse rows.py's key functions (a series' details carry
genres, companies and languages under the movies' names); what is the series' own is here."""

from typing import Any

from tmdb_assets.transform.day import DayData
from tmdb_assets.transform.discover import DiscoverItem
from tmdb_assets.transform.rows import item_rows
from tmdb_assets.transform.tv import TVDetails


def dim_tv_series_rows(data: DayData) -> list[tuple[Any, ...]]:
    """One row per discovered series: its details, or its discover item (flagged by
    details_status) when the details are missing, gone (404) or unreadable."""
    day = data.day
    return item_rows(
        data,
        lambda d, status, fetched: (
            d.tv_id, d.name, d.original_name, d.original_language, d.overview,
            d.first_air_date, d.last_air_date, d.status, d.type, d.number_of_seasons,
            d.number_of_episodes, d.in_production, d.adult, d.homepage, d.tagline,
            d.poster_path, _codes(d.origin_country), status, day, day, fetched, day,
        ),
        lambda item, status, fetched: (
            item.movie_id, item.title, item.original_title, item.original_language,
            item.overview, item.release_date, None, None, None, None, None, None, item.adult,
            None, None, item.poster_path, _codes(item.origin_country), status, day, day,
            fetched, day,
        ),
    )  # fmt: skip


def _codes(codes: tuple[str, ...] | None) -> list[str] | None:
    return None if codes is None else list(codes)


def dim_network_rows(data: DayData) -> list[tuple[Any, ...]]:
    """The networks the day's series details name."""
    networks: dict[int, tuple[Any, ...]] = {}
    for d in data.details.values():
        for nid, name, origin, logo in d.networks or ():
            networks.setdefault(nid, (nid, name, origin, logo, data.day))
    return [networks[k] for k in sorted(networks)]


def network_ids(d: TVDetails) -> list[int] | None:
    return None if d.networks is None else [n[0] for n in d.networks]


def origin_countries(d: TVDetails) -> list[str] | None:
    return None if d.origin_country is None else list(d.origin_country)


def discover_origin_countries(item: DiscoverItem) -> list[str] | None:
    """Without details, the discover item still lists the series' countries of origin."""
    return None if item.origin_country is None else list(item.origin_country)


def cast_roles(d: TVDetails) -> list[tuple[Any, ...]] | None:
    """(person_id, credit_id, character, cast_order, episode_count) of each role of the
    series' aggregate credits; None: unknown."""
    if d.credits is None:
        return None
    return [
        (c.person_id, c.credit_id, c.character, c.order, c.episode_count) for c in d.credits.cast
    ]


def crew_jobs(d: TVDetails) -> list[tuple[Any, ...]] | None:
    """(person_id, credit_id, department, job, episode_count) of each job; None: unknown."""
    if d.credits is None:
        return None
    return [
        (c.person_id, c.credit_id, c.department, c.job, c.episode_count) for c in d.credits.crew
    ]


def content_ratings(d: TVDetails) -> list[tuple[Any, ...]] | None:
    """(iso_3166_1, rating) of each country's content rating; None: unknown."""
    return None if d.content_ratings is None else list(d.content_ratings)


def seasons(d: TVDetails) -> list[tuple[Any, ...]] | None:
    """(season_number, season_id, name, air_date, episode_count, vote_average, poster_path) of
    each season the details list; None: unknown (the field was unreadable)."""
    if d.seasons is None:
        return None
    return [
        (s.season_number, s.season_id, s.name, s.air_date, s.episode_count, s.vote_average,
         s.poster_path)
        for s in d.seasons
    ]  # fmt: skip
