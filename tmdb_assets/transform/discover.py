"""Discover pages: items to typed values (a movie on two pages keeps its first rank), and a
capture's completeness (every page there and full). Pure: no I/O."""

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tmdb_assets.transform.media import MOVIE, Media
from tmdb_assets.transform.values import (
    INT32,
    PayloadError,
    Rejected,
    clean_text,
    id_list,
    in_range,
    keep_or_reject,
    movie_id_of,
    optional_bool,
    parse_date,
    to_float,
    to_int,
)

_POPULARITY = in_range("popularity", 0.0, None, lambda v, n: to_float(v, n, default=0.0))
_VOTE_AVERAGE = in_range("vote_average", 0.0, 10.0, lambda v, n: to_float(v, n, default=0.0))
_VOTE_COUNT = in_range("vote_count", 0, None, lambda v, n: to_int(v, n, default=0))


@dataclass(slots=True)
class DiscoverItem:
    """One movie (or series) of a discover page. A number that could not be read is None
    (quarantined); genre_ids None means the page did not say which genres (not: no genre).
    On the TV path `movie_id` holds the series' id, `title` its name and `release_date` its
    first air date (the shared code reads one shape; transform/media.py says which fields)."""

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
    # A series' countries of origin (TV items only; None on a movie's item or when unreadable).
    origin_country: tuple[str, ...] | None = None


def _fast_number(value: Any) -> bool:
    return type(value) is float or type(value) is int


def discover_item(
    item: Any, rank: int, page: int, problems: list[Rejected] | None = None, media: Media = MOVIE
) -> DiscoverItem:
    """One discover result. Only an unusable id rejects the item (PayloadError); any other bad
    field becomes None and is appended to `problems` with its reason."""
    movie_id = movie_id_of(item, "discover result")
    problems = [] if problems is None else problems
    where = f"page {page}: "
    source = media.source("discover")
    get = item.get
    # The common case (well-formed numbers) skips the per-field bookkeeping: this runs per item.
    popularity, vote_average, vote_count = get("popularity"), get("vote_average"), get("vote_count")
    if _fast_number(popularity) and 0 <= popularity < math.inf:
        popularity = float(popularity)
    else:
        popularity = keep_or_reject(
            problems, source, movie_id, where, "popularity", popularity, _POPULARITY
        )
    if _fast_number(vote_average) and 0 <= vote_average <= 10:
        vote_average = float(vote_average)
    else:
        vote_average = keep_or_reject(
            problems, source, movie_id, where, "vote_average", vote_average, _VOTE_AVERAGE
        )
    if not (type(vote_count) is int and 0 <= vote_count <= INT32):
        vote_count = keep_or_reject(
            problems, source, movie_id, where, "vote_count", vote_count, _VOTE_COUNT
        )
    raw_genres = get("genre_ids")
    if raw_genres is None:
        genre_ids: tuple[int, ...] | None = ()
    elif type(raw_genres) is list and all(type(g) is int and 0 < g <= INT32 for g in raw_genres):
        genre_ids = tuple(sorted(set(raw_genres)))
    else:
        genre_ids = keep_or_reject(
            problems,
            source,
            movie_id,
            where,
            "genre_ids",
            raw_genres,
            id_list("genre_ids", problems, source, movie_id, where),
        )
    origin_country = None
    if media is not MOVIE:
        origin_country = keep_or_reject(
            problems, source, movie_id, where, "origin_country", get("origin_country"), codes
        )
    return DiscoverItem(
        movie_id=movie_id,
        rank=rank,
        page=page,
        title=clean_text(get(media.title_field)),
        original_title=clean_text(get(media.original_title_field)),
        original_language=clean_text(get("original_language")),
        overview=clean_text(get("overview")),
        release_date=parse_date(get(media.date_field)),
        adult=optional_bool(get("adult")),
        video=optional_bool(get("video")),
        poster_path=clean_text(get("poster_path")),
        genre_ids=genre_ids,
        popularity=popularity,
        vote_average=vote_average,
        vote_count=vote_count,
        origin_country=origin_country,
    )


def codes(value: Any) -> tuple[str, ...]:
    """A list of ISO 3166-1 codes (a series' origin_country): upper case, sorted, unique; an
    absent list is empty."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PayloadError(f"origin_country is {value!r}, not a list of country codes")
    return tuple(sorted({v.strip().upper() for v in value if v.strip()}))


def discover_items(
    pages: Iterable[tuple[int, Any]], media: Media = MOVIE
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
            rejected.append(
                Rejected(
                    media.source("discover"), None, f"page {page} has no results list", payload
                )
            )
            continue
        for raw in results:
            rank += 1
            problems: list[Rejected] = []
            try:
                item = discover_item(raw, rank, page, problems, media)
            except PayloadError as exc:
                mid = (
                    raw.get("id")
                    if isinstance(raw, Mapping) and isinstance(raw.get("id"), int)
                    else None
                )
                rejected.append(Rejected(media.source("discover"), mid, f"page {page}: {exc}", raw))
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
