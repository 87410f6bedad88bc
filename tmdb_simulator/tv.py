"""The simulator's TV catalogue: the movie catalogue's machinery (catalog.Catalog: daily
popularity waves, vote growth, changes on a period, deleted entries still discovered, whole
numbers sent as integers) with the series' own recorded responses, fields and changes.

Recorded series (data/tmdb/tv_*.json: Game of Thrones, Breaking Bad, Clerks) are served as
recorded; synthetic ones have networks, seasons, a type and a status, and a running series
gains episodes (and now and then a season) each time it changes, so /tv/changes lists it then.
The people of the aggregate credits are the movie catalogue's (one person acts in both).
"""

import datetime as dt
import random
from typing import Any

from tmdb_simulator.catalog import (
    ADJECTIVES,
    APPEND_KEYS,
    COUNTRY_WEIGHTS,
    DEPARTMENTS,
    LANGUAGE_WEIGHTS,
    NOUNS,
    PERSON_KEYS,
    Catalog,
    Movie,
    _stable_int,
)

# The networks the synthetic series air on: real ids and names (as TMDb lists them) and a few
# more; a series has one network, sometimes two (a co-production, a move to streaming).
NETWORKS = [
    (49, "HBO", "US"), (213, "Netflix", "US"), (4, "BBC One", "GB"), (174, "AMC", "US"),
    (2, "ABC", "US"), (6, "NBC", "US"), (16, "CBS", "US"), (19, "FOX", "US"),
    (1024, "Prime Video", "US"), (2739, "Disney+", "US"), (2552, "Apple TV+", "US"),
    (453, "Hulu", "US"), (866, "tvN", "KR"), (1, "Fuji TV", "JP"), (614, "Crunchyroll", "US"),
    (67, "Showtime", "US"), (88, "FX", "US"), (26, "Channel 4", "GB"), (332, "BBC Two", "GB"),
    (285, "ZDF", "DE"), (712, "France 2", "FR"), (56, "Cartoon Network", "US"),
    (3353, "Peacock", "US"),
    (4330, "Paramount+", "US"), (1709, "Tokyo MX", "JP"), (521, "Telemundo", "US"),
    (2363, "JioCinema", "IN"), (1922, "Globoplay", "BR"), (318, "Starz", "US"),
]  # fmt: skip
STATUSES = ["Returning Series", "Ended", "Ended", "Canceled", "In Production"]  # aired ones
TYPES = ["Scripted", "Scripted", "Scripted", "Reality", "Documentary", "Miniseries", "Talk Show"]
RATINGS = {"US": ["TV-14", "TV-MA", "TV-PG", "TV-G"], "GB": ["12", "15", "18"], "DE": ["12", "16"]}
TV_APPEND_KEYS = APPEND_KEYS | {"aggregate_credits", "content_ratings"}


class TVCatalog(Catalog):
    """`size` TV series for a seed: the recorded real series plus synthetic ones."""

    GENRES = "genre_tv_list_2022-12.json"
    MAX_ID = 300_000
    RECORDED = "tv_*.json"
    PARTS = TV_APPEND_KEYS
    CREDITS = {1399: "tv_1399_aggregate_credits_2025-04.json"}

    def __init__(self, size: int = 200, seed: int = 7, people_from: Catalog | None = None):
        self._people_from = people_from
        super().__init__(size, seed)

    def _is_details(self, name: str, data: Any) -> bool:
        """A series' details body: the parts recorded on their own (credits, ratings,
        keywords, providers) have no seasons."""
        return isinstance(data, dict) and "seasons" in data

    def _synthetic(self, rng: random.Random, tv_id: int) -> Movie:
        lang = rng.choices(list(LANGUAGE_WEIGHTS), weights=list(LANGUAGE_WEIGHTS.values()))[0]
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        if rng.random() < 0.15:
            name = f"The {name}"
        first = (
            ""
            if rng.random() < 0.03
            else (dt.date(1970, 1, 1) + dt.timedelta(days=rng.randint(0, 56 * 365))).isoformat()
        )
        status = rng.choice(STATUSES) if first else "Planned"
        kind = rng.choice(TYPES)
        seasons_n = 0 if not first else (1 if kind == "Miniseries" else rng.randint(1, 9))
        country = rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
        origin = [country] if rng.random() > 0.02 else []
        seasons = []
        episodes = 0
        for n in range(1, seasons_n + 1):
            count = rng.randint(4, 24)
            episodes += count
            air = (dt.date.fromisoformat(first) + dt.timedelta(days=365 * (n - 1))).isoformat()
            seasons.append(
                {
                    "air_date": air,
                    "episode_count": count,
                    "id": 1_000_000 + tv_id * 10 + n,
                    "name": f"Season {n}",
                    "overview": "",
                    "poster_path": None if rng.random() < 0.3 else f"/s{tv_id:07d}{n:02d}.jpg",
                    "season_number": n,
                    "vote_average": round(rng.uniform(5, 9), 1) if rng.random() < 0.7 else 0,
                }
            )
        if seasons and rng.random() < 0.2:  # specials: season 0
            seasons.insert(
                0,
                {
                    "air_date": None,
                    "episode_count": rng.randint(1, 5),
                    "id": 1_000_000 + tv_id * 10,
                    "name": "Specials",
                    "overview": "",
                    "poster_path": None,
                    "season_number": 0,
                    "vote_average": 0,
                },
            )
        networks = rng.sample(NETWORKS, k=1 if rng.random() < 0.85 else 2)
        companies = rng.sample(self.companies, k=rng.choice([0, 1, 1, 2]))
        genres = rng.sample(self.genres, k=rng.choice([1, 1, 2, 2, 3]))
        last = seasons[-1]["air_date"] if seasons else None
        popularity = round(0.6 + 12 * rng.paretovariate(1.4), 3)
        votes = 0 if not first else int(rng.paretovariate(1.1) * 15)
        details = {
            "adult": False,
            "backdrop_path": None if rng.random() < 0.2 else f"/b{tv_id:07d}.jpg",
            "created_by": [],
            "episode_run_time": [rng.choice([22, 30, 45, 60])] if rng.random() < 0.5 else [],
            "first_air_date": first,
            "genres": [{"id": g["id"], "name": g["name"]} for g in genres],
            "homepage": "" if rng.random() < 0.6 else f"https://example.com/tv/{tv_id}",
            "id": tv_id,
            "in_production": status in ("Returning Series", "In Production"),
            "languages": [lang],
            "last_air_date": last,
            "last_episode_to_air": None,
            "name": name,
            "networks": [
                {
                    "id": nid,
                    "logo_path": f"/n{_stable_int('net', nid) % 10**8:08d}.png",
                    "name": net,
                    "origin_country": origin_country,
                }
                for nid, net, origin_country in networks
            ],
            "next_episode_to_air": None,
            "number_of_episodes": episodes,
            "number_of_seasons": seasons_n,
            "origin_country": origin,
            "original_language": lang,
            "original_name": name,
            "overview": "" if rng.random() < 0.05 else f"A series about {name.lower()}.",
            "popularity": popularity,
            "poster_path": None if rng.random() < 0.1 else f"/p{tv_id:07d}.jpg",
            "production_companies": companies,
            "production_countries": [
                {"iso_3166_1": c, "name": self._country_names.get(c, c)} for c in origin
            ],
            "seasons": seasons,
            "spoken_languages": [
                {
                    "english_name": self._languages.get(lang, {}).get("english_name", lang),
                    "iso_639_1": lang,
                    "name": self._languages.get(lang, {}).get("name", ""),
                }
            ],
            "status": status,
            "tagline": "",
            "type": kind,
            "vote_average": 0.0 if votes == 0 else round(rng.uniform(4.5, 9.2), 1),
            "vote_count": votes,
        }
        return self._entry(rng, details, popularity, votes, details["vote_average"])

    # --- a day's state -----------------------------------------------------------------------

    def _changed(self, d: dict[str, Any], m: Movie, v: int, day: dt.date) -> None:
        """A running series after its `v`-th change: two episodes more each time it changed,
        and a season every fourth time."""
        if not (d.get("in_production") and d["seasons"]):
            return
        last = d["seasons"][-1]
        new_seasons = 0 if d.get("type") == "Miniseries" else v // 4
        for k in range(1, new_seasons + 1):
            n = last["season_number"] + k
            air = dt.date.fromisoformat(last["air_date"] or "2020-01-01") + dt.timedelta(
                days=365 * k
            )
            d["seasons"].append(
                {**last, "id": last["id"] + k, "name": f"Season {n}", "season_number": n,
                 "episode_count": 8, "air_date": min(air, day).isoformat()}
            )  # fmt: skip
        d["seasons"][-1]["episode_count"] += 2 * (v % 4)
        d["number_of_seasons"] = sum(1 for x in d["seasons"] if x["season_number"] > 0)
        d["number_of_episodes"] = sum(
            x["episode_count"] for x in d["seasons"] if x["season_number"] > 0
        )
        d["last_air_date"] = max(d.get("last_air_date") or "", d["seasons"][-1]["air_date"])

    def list_item(self, m: Movie, day: dt.date) -> dict[str, Any]:
        """The series as a /discover/tv result item on `day`."""
        s = self.state(day)
        d = self.details(m, day) if not m.recorded else m.details
        return {
            "adult": bool(d.get("adult")),
            "backdrop_path": d.get("backdrop_path"),
            "first_air_date": d.get("first_air_date") or "",
            "genre_ids": [g["id"] for g in d.get("genres") or [] if isinstance(g, dict)],
            "id": m.id,
            "name": d.get("name"),
            "origin_country": list(d.get("origin_country") or []),
            "original_language": d.get("original_language"),
            "original_name": d.get("original_name"),
            "overview": d.get("overview") or "",
            "popularity": self.number(m, s.popularity[m.id]),
            "poster_path": d.get("poster_path"),
            "vote_average": self.number(m, s.vote_average[m.id]),
            "vote_count": s.vote_count[m.id],
        }

    @property
    def people(self) -> list[dict[str, Any]]:  # type: ignore[override]
        """The movie catalogue's people when it is given (one person works in both)."""
        if self._people_from is not None:
            return self._people_from.people
        return super().people

    def credits(self, m: Movie) -> dict[str, Any]:
        """The series' /tv/{id}/aggregate_credits: every role and job with its episode count,
        summed per person (recorded for Game of Thrones)."""
        if m.credits is not None:
            return {**m.credits, "id": m.id}
        rng = random.Random(_stable_int(self.seed, "tv-credits", m.id))
        people = self.people
        episodes = max(1, int(m.details.get("number_of_episodes") or 1))

        def credit_id(kind: str, i: int) -> str:
            return f"{_stable_int(self.seed, 'tv', m.id, kind, i):016x}{m.id % 2**32:08x}"

        def person(p: dict[str, Any]) -> dict[str, Any]:
            return {k: p[k] for k in PERSON_KEYS}

        cast = []
        for i in range(rng.randint(3, 15)):
            count = rng.randint(1, episodes)
            cast.append(
                {
                    **person(rng.choice(people)),
                    "roles": [
                        {
                            "credit_id": credit_id("cast", i),
                            "character": f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",
                            "episode_count": count,
                        }
                    ],
                    "total_episode_count": count,
                    "order": i,
                }
            )
        crew = []
        for i, (department, job) in enumerate(
            [("Directing", "Director"), *rng.sample(DEPARTMENTS, rng.randint(1, 6))]
        ):
            count = rng.randint(1, episodes)
            crew.append(
                {
                    **person(rng.choice(people)),
                    "jobs": [
                        {"credit_id": credit_id("crew", i), "job": job, "episode_count": count}
                    ],
                    "department": department,
                    "total_episode_count": count,
                }
            )
        return {"id": m.id, "cast": cast, "crew": crew}

    def content_ratings(self, m: Movie) -> dict[str, Any]:
        """Per country, the series' TV rating (descriptors mostly empty, as TMDb's)."""
        k = _stable_int(self.seed, "rating", m.id)
        results = [
            {"descriptors": [], "iso_3166_1": country, "rating": ratings[(k >> i) % len(ratings)]}
            for i, (country, ratings) in enumerate(sorted(RATINGS.items()))
            if (k >> (8 + i)) % 3
        ]
        return {"id": m.id, "results": results}

    def external_ids(self, m: Movie) -> dict[str, Any]:
        k = _stable_int(self.seed, "tv-ext", m.id)
        return {
            "id": m.id,
            "imdb_id": None if k % 6 == 0 else f"tt{1_000_000 + k % 29_000_000:07d}",
            "freebase_mid": None,
            "freebase_id": None,
            "tvdb_id": None if k % 4 == 0 else 70_000 + k % 400_000,
            "tvrage_id": None,
            "wikidata_id": None if k % 5 == 0 else f"Q{1000 + k % 90_000_000}",
            "facebook_id": None,
            "instagram_id": None,
            "twitter_id": None,
        }
