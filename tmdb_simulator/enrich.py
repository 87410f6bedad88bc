"""What TMDb appends to /movie/{id} beyond the credits, and its trending lists, for the
simulator: release dates, watch providers, keywords, outside ids (the shapes of
`../shared/tmdb/movie_12313_append_15_items_2024.json`), and /trending/movie/{day,week}.

Everything is a pure function of the movie, the day and the seed, so two runs of a day serve the
same bytes. The quirks of real responses are kept: empty certification strings, countries with
releases but no providers, providers that come and go across days (a streaming deal ends, a
movie leaves a catalogue and returns), `imdb_id` null, no keywords at all.
"""

import datetime as dt
import hashlib
from typing import Any

# Real TMDb provider ids, names, logos and display priorities (a sample of the big ones).
PROVIDERS = [
    (8, "Netflix", "/pbpMk2JmcoNnQwx5JGpXngfoWtp.jpg", 5),
    (9, "Amazon Prime Video", "/dQeAar5H991VYporEjUspolDarG.jpg", 8),
    (337, "Disney Plus", "/97yvRBw1GzX7fXprcF80er19ot.jpg", 1),
    (350, "Apple TV Plus", "/2E03IAZsX4ZaUqM7tXlctEPMGWS.jpg", 7),
    (1899, "Max", "/jbe4gVSfRlbPTdESXhEKpornsfu.jpg", 9),
    (531, "Paramount Plus", "/h5DcR0J2EESLitnhR8xLG1QymTE.jpg", 11),
    (2, "Apple TV", "/9ghgSC0MA082EL6HLCW3GalykFD.jpg", 4),
    (3, "Google Play Movies", "/8z7rC8uIDaTM91X0ZfkRf04ydj2.jpg", 7),
    (10, "Amazon Video", "/seGSXajazLMCKGB5hnRCidtjay1.jpg", 3),
    (35, "Rakuten TV", "/bZvc9dXrXNly7cA0V4D9pR8yJwm.jpg", 12),
    (73, "Tubi TV", "/zLYr4RqgVUMmGSu1hGlTu4sqHGD.jpg", 15),
    (300, "Pluto TV", "/dB8G41Q6tSL5NBisrIeqByfepBc.jpg", 18),
]
# Which kinds each provider offers (a subscription service, a store, a free service).
KINDS = {
    8: ("flatrate",), 9: ("flatrate",), 337: ("flatrate",), 350: ("flatrate",),
    1899: ("flatrate",), 531: ("flatrate",), 2: ("rent", "buy"), 3: ("rent", "buy"),
    10: ("rent", "buy"), 35: ("rent", "buy"), 73: ("free", "ads"), 300: ("free", "ads"),
}  # fmt: skip
WATCH_COUNTRIES = ["US", "GB", "DE", "FR", "JP", "BR", "IN", "AU", "CA", "ES"]
CERTIFICATIONS = {
    "US": ["G", "PG", "PG-13", "R", "NC-17", ""],
    "GB": ["U", "PG", "12A", "15", "18", ""],
    "DE": ["0", "6", "12", "16", "18", ""],
    "FR": ["U", "12", "16", "18", ""],
    "JP": ["G", "PG12", "R15+", "R18+", ""],
    "BR": ["L", "10", "12", "14", "16", "18", ""],
}
KEYWORDS = [
    (818, "based on novel or book"), (9715, "superhero"), (4344, "musical"),
    (10183, "independent film"), (9672, "based on true story"), (158718, "lgbt"),
    (6054, "friendship"), (1701, "hero"), (3799, "ballet"), (4565, "dystopia"),
    (2802, "mountain village"), (12554, "dragon"), (14544, "space travel"),
    (10084, "rescue"), (13130, "teenager"), (5565, "biography"), (180547, "sequel"),
    (3133, "vampire"), (12377, "zombie"), (9748, "revenge"),
]  # fmt: skip


def _h(*parts: object) -> int:
    return int.from_bytes(
        hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    )


def release_dates(movie_id: int, details: dict[str, Any], seed: int) -> dict[str, Any]:
    """Per country, one to three releases (premiere 1, limited 2, theatrical 3, digital 4,
    physical 5, TV 6) around the movie's release date, certifications often empty."""
    released = details.get("release_date") or ""
    if not released:
        return {"id": movie_id, "results": []}
    base = dt.date.fromisoformat(released)
    countries = [c["iso_3166_1"] for c in details.get("production_countries") or []]
    countries += [c for c in ("US", "GB", "DE") if _h(seed, movie_id, "rel", c) % 3 == 0]
    results = []
    for country in dict.fromkeys(countries):
        k = _h(seed, movie_id, "rel", country)
        kinds = [3] + [t for t in (1, 4, 5, 6) if (k >> t) % 4 == 0]
        certs = CERTIFICATIONS.get(country, [""])
        entries = []
        for kind in sorted(set(kinds)):
            offset = {1: -20, 2: -3, 3: 0, 4: 90, 5: 120, 6: 400}[kind] + (k >> (kind + 8)) % 9
            day = base + dt.timedelta(days=offset)
            entries.append(
                {
                    "certification": certs[(k >> 20) % len(certs)],
                    "descriptors": [],
                    "iso_639_1": "",
                    "note": "Festival" if kind == 1 else "",
                    "release_date": f"{day.isoformat()}T00:00:00.000Z",
                    "type": kind,
                }
            )
        results.append({"iso_3166_1": country, "release_dates": entries})
    return {"id": movie_id, "results": results}


def watch_providers(
    movie_id: int,
    details: dict[str, Any],
    day: dt.date,
    seed: int,
    dropped: bool = False,
    media: str = "movie",
) -> dict[str, Any]:
    """Where the movie (or series: `media` "tv") can be watched on `day`, per country and kind.
    Deals last about a month (a provider is present in a 30-day window by a hash of the
    window): across days a provider comes and goes. `dropped`: the first provider of the first
    country is left out (a test's hook: a movie loses a provider for a day)."""
    released = details.get("release_date" if media == "movie" else "first_air_date") or ""
    if not released or released > day.isoformat():
        return {"id": movie_id, "results": {}}
    results: dict[str, Any] = {}
    for country in WATCH_COUNTRIES:
        if _h(seed, movie_id, "watch", country) % 4 == 0:
            continue  # released there, no provider (a real gap)
        entry: dict[str, Any] = {
            "link": f"https://www.themoviedb.org/{media}/{movie_id}/watch?locale={country}"
        }
        for provider_id, name, logo, priority in PROVIDERS:
            window = (day.toordinal() + _h(seed, movie_id, provider_id) % 30) // 30
            if _h(seed, movie_id, country, provider_id, window) % 5 != 0:
                continue
            for kind in KINDS[provider_id]:
                entry.setdefault(kind, []).append(
                    {
                        "logo_path": logo,
                        "provider_id": provider_id,
                        "provider_name": name,
                        "display_priority": priority,
                    }
                )
        if len(entry) > 1:
            results[country] = entry
    if dropped and results:
        first = results[next(iter(results))]
        kind = next(k for k in ("flatrate", "rent", "buy", "ads", "free") if k in first)
        first[kind] = first[kind][1:]
        if not first[kind]:
            del first[kind]
    return {"id": movie_id, "results": results}


def keywords(movie_id: int, seed: int, key: str = "keywords") -> dict[str, Any]:
    """A movie's keywords; a series' come under `results` (key="results"), as TMDb sends them."""
    k = _h(seed, movie_id, "kw")
    n = k % 5  # none at all is common
    chosen = sorted({KEYWORDS[(k >> (4 * i)) % len(KEYWORDS)] for i in range(n)})
    return {"id": movie_id, key: [{"id": i, "name": name} for i, name in chosen]}


def external_ids(movie_id: int, details: dict[str, Any], seed: int) -> dict[str, Any]:
    k = _h(seed, movie_id, "ext")
    return {
        "id": movie_id,
        "imdb_id": details.get("imdb_id") or None,
        "wikidata_id": None if k % 5 == 0 else f"Q{1000 + k % 90_000_000}",
        "facebook_id": None,
        "instagram_id": None,
        "twitter_id": None,
    }


def trending_order(
    movies: list, popularity: dict[int, float], day: dt.date, window: str, seed: int
):
    """The movies in TMDb's trending order for `day` ('day' or 'week'): popularity weighted by
    a day's (or the week's) buzz, so the order is near, not equal, to popularity's."""
    key = day.isoformat() if window == "day" else f"w{day.isocalendar()[1]}"

    def score(m) -> float:
        buzz = 0.5 + (_h(seed, m.id, "trend", key) % 1000) / 1000
        return popularity.get(m.id, 0.0) * buzz

    return sorted(movies, key=lambda m: (-score(m), m.id))
