"""What the details request appends beyond the credits (issue 24): keywords, the release
calendar, where to watch and outside ids, to typed values. A part absent from a stored body is unknown (None), never empty; a
bad entry is dropped and recorded, the rest kept. Pure: no I/O."""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tmdb_assets.transform.values import (
    PayloadError,
    Rejected,
    clean_text,
    is_object,
    keep_or_reject,
    objects_of,
    parse_date,
    to_int,
)

# TMDb's release types (append_to_response=release_dates).
RELEASE_TYPES = {
    1: "Premiere", 2: "Theatrical (limited)", 3: "Theatrical", 4: "Digital", 5: "Physical", 6: "TV",
}  # fmt: skip


@dataclass(frozen=True)
class Release:
    """One release of a movie in one country, as TMDb lists it."""

    iso_3166_1: str
    release_type: int
    release_date: dt.date | None
    certification: str | None  # "" in TMDb (none given) is NULL here
    note: str | None

    @property
    def key(self) -> str:
        """What tells two releases of a movie apart: country, type and day (a country may list
        two premieres: a festival and the city's)."""
        day = self.release_date.isoformat() if self.release_date else "?"
        return f"{self.iso_3166_1}:{self.release_type}:{day}:{self.note or ''}"


def _keyword(k: Mapping[str, Any]) -> tuple[int, str]:
    kid = to_int(k.get("id"), "keywords[].id")
    return kid, clean_text(k.get("name")) or f"Keyword {kid}"


def keywords_of(
    payload: Mapping[str, Any],
    problems: list[Rejected],
    movie_id: int,
    key: str = "keywords",
    source: str = "details",
) -> list[tuple[int, str]]:
    """The `keywords` part of a details body ({"id": .., "keywords": [{"id", "name"}]}; a
    series' lists them under `results`: `key`); a bad entry is dropped and recorded, the same
    keyword twice is kept once."""
    body = payload.get("keywords")
    if not is_object(body):
        raise PayloadError(f"keywords is a {type(body).__name__}, not an object")
    out: dict[int, tuple[int, str]] = {}
    for k in objects_of(body, key):
        got = keep_or_reject(problems, source, movie_id, "keywords.", "keywords", k, _keyword)
        if got is not None:
            out.setdefault(got[0], got)
    return sorted(out.values())


def _release(country: str, r: Mapping[str, Any]) -> Release:
    kind = to_int(r.get("type"), "release_dates[].type")
    if kind not in RELEASE_TYPES:
        raise PayloadError(f"release type {kind} is not one of 1..6")
    return Release(
        country,
        kind,
        parse_date(r.get("release_date")),
        clean_text(r.get("certification")),
        clean_text(r.get("note")),
    )


def releases_of(
    payload: Mapping[str, Any], problems: list[Rejected], movie_id: int
) -> list[Release]:
    """The `release_dates` part ({"results": [{"iso_3166_1", "release_dates": [...]}]}): every
    release; a bad entry is dropped and recorded; the same release twice is kept once."""
    body = payload.get("release_dates")
    if not is_object(body):
        raise PayloadError(f"release_dates is a {type(body).__name__}, not an object")
    out: dict[str, Release] = {}
    for country in objects_of(body, "results"):
        code = (clean_text(country.get("iso_3166_1")) or "").upper()
        if not code:
            continue
        for r in objects_of(country, "release_dates"):
            got = keep_or_reject(
                problems, "details", movie_id, "release_dates.", "release_dates", r,
                lambda v, c=code: _release(c, v),
            )  # fmt: skip
            if got is not None:
                out.setdefault(got.key, got)
    return [out[k] for k in sorted(out)]


# TMDb's kinds of availability (append_to_response=watch/providers), in its order.
WATCH_KINDS = ("flatrate", "free", "ads", "rent", "buy")


@dataclass(frozen=True)
class WatchProvider:
    provider_id: int
    name: str
    logo_path: str | None
    display_priority: int | None  # TMDb's order of providers (lower first; varies by country)


@dataclass(frozen=True)
class WatchProviders:
    """Where a movie can be watched when its details were fetched: every (country, provider,
    kind) TMDb lists, and the providers it names. An empty `offers` is an observation too (the
    movie is nowhere to be watched: every open row closes); an unreadable part is not one."""

    offers: frozenset[tuple[str, int, str]]
    providers: tuple[WatchProvider, ...]


def _provider(p: Mapping[str, Any]) -> WatchProvider:
    pid = to_int(p.get("provider_id"), "provider_id")
    priority = p.get("display_priority")
    return WatchProvider(
        pid,
        clean_text(p.get("provider_name")) or f"Provider {pid}",
        clean_text(p.get("logo_path")),
        None if priority is None else to_int(priority, "display_priority"),
    )


def placed_before(provider: WatchProvider, seen: WatchProvider | None) -> bool:
    """Whether `provider` has a better (lower) display priority than `seen` of the same
    provider: TMDb's priority differs by country, and the best one is kept."""
    unknown = 10**9  # no priority: after every given one
    return seen is None or (provider.display_priority or unknown) < (
        seen.display_priority or unknown
    )


def watch_providers_of(payload: Mapping[str, Any]) -> WatchProviders:
    """The `watch/providers` part ({"results": {"US": {"link", "flatrate": [...], ...}}}).

    All or nothing: one unreadable entry makes the whole part unreadable (PayloadError: the movie
    is quarantined with its field and this fetch observes nothing). Dropping the entry instead
    would close a row that the provider still holds."""
    body = payload.get("watch/providers")
    if not is_object(body):
        raise PayloadError(f"watch/providers is a {type(body).__name__}, not an object")
    results = body.get("results")
    if results is None:
        results = {}
    if not is_object(results):
        raise PayloadError(f"watch/providers.results is a {type(results).__name__}, not an object")
    offers: set[tuple[str, int, str]] = set()
    providers: dict[int, WatchProvider] = {}
    for country, entry in results.items():
        code = (clean_text(country) or "").upper()
        if not re.fullmatch(r"[A-Z]{2}", code) or not is_object(entry):
            raise PayloadError(f"watch/providers.results has {str(country)[:20]!r}: not a country")
        for kind in WATCH_KINDS:
            for p in objects_of(entry, kind):
                provider = _provider(p)
                offers.add((code, provider.provider_id, kind))
                if placed_before(provider, providers.get(provider.provider_id)):
                    providers[provider.provider_id] = provider
    return WatchProviders(frozenset(offers), tuple(providers[k] for k in sorted(providers)))


WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")
IMDB_ID = re.compile(r"tt[0-9]+")


def imdb_id_of(value: Any) -> str | None:
    """imdb_id: tt and digits, or None (TMDb gives null or ""). Anything else is a bad field."""
    text = clean_text(value)
    if text is None:
        return None
    text = text.strip()
    if not IMDB_ID.fullmatch(text):
        raise PayloadError(f"imdb_id {text[:40]!r} is not tt and digits")
    return text


def wikidata_id_of(payload: Mapping[str, Any]) -> str | None:
    """external_ids.wikidata_id: Q and digits, or None (TMDb gives none). Anything else (a
    placeholder seen in recorded responses: "wikidata") is a bad field, set aside."""
    body = payload.get("external_ids")
    if not is_object(body):
        raise PayloadError(f"external_ids is a {type(body).__name__}, not an object")
    value = clean_text(body.get("wikidata_id"))
    if value is None:
        return None
    if not WIKIDATA_ID.fullmatch(value):
        raise PayloadError(f"wikidata_id {value[:40]!r} is not Q and digits")
    return value
