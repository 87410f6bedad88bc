"""A deterministic movie catalog whose popularity, votes and details evolve day by day.

Everything is a function of (seed, date): two simulators with the same seed serve the same
bytes for the same day. The real responses recorded in data/tmdb/ are part of the catalog.
"""

import datetime as dt
import functools
import hashlib
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data" / "tmdb"
EPOCH = dt.date(2020, 1, 1)
APPEND_KEYS = {
    "alternative_titles", "credits", "images", "keywords", "releases", "release_dates", "trailers",
    "translations", "reviews", "lists", "changes", "videos", "similar", "recommendations",
    "external_ids", "account_states", "watch/providers",
}  # fmt: skip

ADJECTIVES = [
    "Silent", "Last", "Broken", "Golden", "Hidden", "Crimson", "Endless", "Frozen", "Wild",
    "Lost", "Dark", "Bright", "Secret", "Final", "Savage", "Gentle", "Distant", "Electric",
    "Midnight", "Burning", "Iron", "Hollow", "Paper", "Velvet", "Restless",
]  # fmt: skip
NOUNS = [
    "Horizon", "Garden", "Empire", "River", "Witness", "Harbor", "Signal", "Kingdom", "Storm",
    "Orchard", "Mirror", "Frontier", "Echo", "Voyage", "Summer", "Lighthouse", "Circus",
    "Machine", "Station", "Orbit", "Desert", "Letter", "Shadow", "Island", "Promise",
]  # fmt: skip
NATIVE_TITLES = {
    "ja": ["静かな海", "最後の夏", "風の街", "夜明けの約束"],
    "ko": ["마지막 여름", "조용한 바다", "비밀의 정원", "밤의 도시"],
    "zh": ["沉默的河", "最后的夏天", "风之城", "黄金岁月"],
    "ru": ["Тихая река", "Последнее лето", "Железный город", "Белые ночи"],
    "hi": ["आख़िरी गर्मी", "ख़ामोश नदी", "सुनहरा शहर"],
    "fr": ["Le Dernier Été", "La Rivière Silencieuse", "Les Jardins Cachés"],
    "es": ["El Último Verano", "La Ciudad Dorada", "Río en Silencio"],
    "de": ["Der Letzte Sommer", "Die Stille Stadt", "Das Eiserne Tor"],
}
LANGUAGE_WEIGHTS = {
    "en": 55, "fr": 6, "es": 6, "ja": 7, "ko": 5, "zh": 4, "hi": 4, "de": 3, "it": 3, "ru": 2,
    "pt": 2, "sv": 1, "da": 1, "tr": 1,
}  # fmt: skip
COUNTRY_WEIGHTS = {
    "US": 40, "GB": 8, "FR": 7, "DE": 4, "JP": 7, "KR": 5, "CN": 4, "IN": 4, "ES": 4, "IT": 3,
    "CA": 3, "AU": 2, "BR": 2, "MX": 2, "NG": 1, "ZA": 1, "EG": 1, "AR": 1, "SE": 1, "NZ": 1,
}  # fmt: skip
PERSON_NAMES = {
    "en": (
        ["James", "Maria", "Ana", "David", "Sofia", "Omar", "Lena", "Kofi", "Elena", "Raj",
         "Claire", "Mateo", "Zoe", "Ivan", "Amara", "Noah", "Chloé", "Björn", "Inés", "Tomás"],
        ["Smith", "García", "Okafor", "Müller", "Rossi", "Dubois", "Silva", "Novak", "Khan",
         "Nguyen", "Larsen", "O'Brien", "Kowalski", "Haddad", "Moreau", "Jensen", "Ortega"],
    ),
    "ja": (["太郎", "花子", "健", "由美", "翔"], ["山田", "佐藤", "鈴木", "高橋", "田中"]),
    "ko": (["민준", "서연", "지우", "하은"], ["김", "이", "박", "최"]),
    "zh": (["伟", "芳", "娜", "强"], ["王", "李", "张", "刘"]),
    "ru": (["Иван", "Анна", "Ольга", "Дмитрий"], ["Иванов", "Петрова", "Смирнов", "Соколова"]),
    "hi": (["आरव", "अनन्या", "विहान"], ["शर्मा", "वर्मा", "गुप्ता"]),
}  # fmt: skip
PERSON_KEYS = (
    "adult", "gender", "id", "known_for_department", "name", "original_name", "popularity",
    "profile_path",
)  # fmt: skip
DEPARTMENTS = [
    ("Writing", "Screenplay"), ("Writing", "Writer"), ("Production", "Producer"),
    ("Production", "Executive Producer"), ("Production", "Casting"),
    ("Sound", "Original Music Composer"), ("Sound", "Sound Designer"),
    ("Camera", "Director of Photography"), ("Editing", "Editor"), ("Art", "Production Design"),
    ("Costume & Make-Up", "Costume Design"), ("Visual Effects", "Visual Effects Supervisor"),
    ("Lighting", "Gaffer"), ("Crew", "Stunts"), ("Directing", "Director"),
]  # fmt: skip
HISTORICAL = ["SU", "YU", "XC", "XG", "CS", "AN", "BU", "ZR"]


def load_sample(name: str) -> Any:
    return json.loads((SAMPLES_DIR / name).read_text(encoding="utf-8"))


def _stable_int(*parts: object) -> int:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass
class Movie:
    """A catalog movie: its base details and the parameters of its daily evolution."""

    id: int
    details: dict[str, Any]
    base_popularity: float
    pop_period: int
    pop_phase: int
    votes0: int
    vote_rate: float
    vote_avg0: float
    change_period: int
    change_phase: int
    added: dt.date
    deleted: bool = False  # listed by discover, but /movie/{id} is 404 (deleted or merged)
    recorded: bool = False  # a real recorded response
    int_numbers: bool = False  # serialise whole popularity / vote_average as integers
    credits: dict[str, Any] | None = None

    def changed_on(self, day: dt.date) -> bool:
        return day == self.added or (day.toordinal() + self.change_phase) % self.change_period == 0

    def version(self, day: dt.date) -> int:
        o, e = day.toordinal() + self.change_phase, EPOCH.toordinal() + self.change_phase
        return max(0, o // self.change_period - e // self.change_period)


@dataclass
class DayState:
    day: dt.date
    popularity: dict[int, float] = field(default_factory=dict)
    vote_average: dict[int, float] = field(default_factory=dict)
    vote_count: dict[int, int] = field(default_factory=dict)


class Catalog:
    """`size` movies for a seed: the recorded real movies plus synthetic ones. The TV
    catalogue (tv.py) is this class with the series' own samples, fields and changes."""

    GENRES = "genre_list.json"  # the recorded genre list of the domain
    MAX_ID = 1_400_000  # synthetic ids are drawn from 2..MAX_ID
    RECORDED = "movie_*.json"  # the recorded details bodies (data/tmdb/)
    PARTS = APPEND_KEYS  # appended parts, served from their own generators, not the body
    CREDITS = {550: "movie_550_credits.json"}  # credits recorded on their own

    def __init__(self, size: int = 1000, seed: int = 7):
        if size < 0:
            raise ValueError("catalog size must be >= 0")
        self.seed = seed
        self.genres = load_sample(self.GENRES)["genres"]
        self.countries = load_sample("configuration_countries.json")
        self.languages = load_sample("configuration_languages.json")
        self._country_names = {c["iso_3166_1"]: c["english_name"] for c in self.countries}
        self._languages = {lang["iso_639_1"]: lang for lang in self.languages}
        rng = random.Random(seed)
        self.companies = self._make_companies(rng)
        movies = self._recorded_movies(rng)[:size]
        used = {m.id for m in movies}
        while len(movies) < size:
            movie_id = rng.randint(2, self.MAX_ID)
            if movie_id in used:
                continue
            used.add(movie_id)
            movies.append(self._synthetic(rng, movie_id))
        # Some of the popular movies are deleted on TMDb's side but still discovered.
        synthetic = [m for m in sorted(movies, key=lambda m: -m.base_popularity) if not m.recorded]
        for m in synthetic[3::197]:
            m.deleted = True
        self.movies = movies
        self.by_id = {m.id: m for m in movies}

    # --- building ----------------------------------------------------------------------------

    def _make_companies(self, rng: random.Random) -> list[dict[str, Any]]:
        companies = []
        for i in range(300):
            country = rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(['Pictures', 'Films', 'Studios', 'Entertainment', 'Productions'])}"
            companies.append(
                {
                    "id": 90_000 + i * 7,
                    "logo_path": None
                    if rng.random() < 0.4
                    else f"/c{_stable_int(name, i) % 10**8:08d}.png",
                    "name": name,
                    "origin_country": "" if rng.random() < 0.05 else country,
                }
            )
        return companies

    def _dynamics(
        self, rng: random.Random, movie_id: int, popularity: float, votes: int, avg: float
    ) -> dict[str, Any]:
        return {
            "base_popularity": max(0.6, popularity),
            "pop_period": rng.randint(5, 40),
            "pop_phase": rng.randint(0, 40),
            "votes0": votes,
            "vote_rate": rng.uniform(0.0, 25.0) if votes > 0 else rng.uniform(0, 2),
            "vote_avg0": avg,
            "change_period": rng.randint(20, 90),
            "change_phase": rng.randint(0, 90),
        }

    def _is_details(self, name: str, data: Any) -> bool:
        """Whether a recorded file is a details body (not a part recorded on its own)."""
        return "_credits" not in name and isinstance(data, dict) and "id" in data

    def _recorded_movies(self, rng: random.Random) -> list[Movie]:
        movies: dict[int, Movie] = {}
        for path in sorted(SAMPLES_DIR.glob(self.RECORDED)):
            data = json.loads(path.read_text(encoding="utf-8"))
            if not self._is_details(path.name, data):
                continue
            details = {k: v for k, v in data.items() if k not in self.PARTS}
            movie_id = details["id"]
            # Several captures of one movie: keep the newest schema (the longest one).
            if movie_id in movies and len(movies[movie_id].details) >= len(details):
                continue
            pop = float(details.get("popularity") or 0.6)
            movies[movie_id] = Movie(
                id=movie_id,
                details=details,
                recorded=True,
                added=dt.date(2019, 1, 1),
                int_numbers=isinstance(details.get("vote_average"), int),
                # Recorded credits where the capture appended them (2014: without credit_id).
                credits=data["credits"] if isinstance(data.get("credits"), dict) else None,
                **self._dynamics(
                    rng,
                    movie_id,
                    min(pop, 400.0),
                    int(details.get("vote_count") or 0),
                    float(details.get("vote_average") or 0),
                ),
            )
        for movie_id, name in self.CREDITS.items():
            if movie_id in movies:
                movies[movie_id].credits = load_sample(name)
        return list(movies.values())

    def _synthetic(self, rng: random.Random, movie_id: int) -> Movie:
        lang = rng.choices(list(LANGUAGE_WEIGHTS), weights=list(LANGUAGE_WEIGHTS.values()))[0]
        title = f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        if rng.random() < 0.2:
            title += f" {rng.choice(['II', 'Returns', 'Rising', '2049', 'Part One'])}"
        original_title = title
        if lang in NATIVE_TITLES and (lang not in ("fr", "es", "de") or rng.random() < 0.5):
            original_title = rng.choice(NATIVE_TITLES[lang])
        if rng.random() < 0.01:
            title = title.replace(" ", "  ", 1)  # real titles carry double spaces
        release = (
            ""
            if rng.random() < 0.03
            else (dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 77 * 365))).isoformat()
        )
        country_codes = list(COUNTRY_WEIGHTS)
        countries = {rng.choices(country_codes, weights=list(COUNTRY_WEIGHTS.values()))[0]}
        if rng.random() < 0.3:
            countries.add(rng.choice(self.countries)["iso_3166_1"])
        if release and release < "1992-01-01" and rng.random() < 0.15:
            countries = {rng.choice(HISTORICAL)}
        if rng.random() < 0.02:
            countries = set()
        spoken = {lang} | ({rng.choice(list(LANGUAGE_WEIGHTS))} if rng.random() < 0.25 else set())
        genres = rng.sample(self.genres, k=rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4]))
        companies = rng.sample(self.companies, k=rng.choice([0, 1, 1, 2, 3, 4]))
        released = bool(release) and release <= "2025-01-01"
        budget = 0 if rng.random() < 0.35 else rng.randint(1, 250) * 1_000_000
        popularity = round(0.6 + 15 * rng.paretovariate(1.4), 3)
        votes = 0 if not released else int(rng.paretovariate(1.1) * 20)
        avg = 0.0 if votes == 0 else round(rng.uniform(3.5, 8.9), 1)
        imdb_roll = rng.random()
        collection = None
        if rng.random() < 0.12:
            cid = 1_000_000 + rng.randint(1, 5000)
            collection = {
                "id": cid,
                "name": f"{title.removeprefix('The ')} Collection",
                "poster_path": None,
                "backdrop_path": None,
            }
        details = {
            "adult": rng.random() < 0.01,
            "backdrop_path": None if rng.random() < 0.2 else f"/b{movie_id:08d}.jpg",
            "belongs_to_collection": collection,
            "budget": budget,
            "genres": [{"id": g["id"], "name": g["name"]} for g in genres],
            "homepage": "" if rng.random() < 0.5 else f"https://example.com/movie/{movie_id}",
            "id": movie_id,
            "imdb_id": None
            if imdb_roll < 0.05
            else ""
            if imdb_roll < 0.07
            else f"tt{rng.randint(100000, 29999999):07d}",
            "origin_country": sorted(countries),
            "original_language": lang,
            "original_title": original_title,
            "overview": ""
            if rng.random() < 0.05
            else f"A story about {title.lower().removeprefix('the ')} and the people who find it.",
            "popularity": popularity,
            "poster_path": None if rng.random() < 0.1 else f"/p{movie_id:08d}.jpg",
            "production_companies": companies,
            "production_countries": [
                {"iso_3166_1": c, "name": self._country_names.get(c, c)} for c in sorted(countries)
            ],
            "release_date": release,
            "revenue": 0 if not released or budget == 0 else int(budget * rng.uniform(0.2, 6)),
            "runtime": 0 if rng.random() < 0.03 else rng.randint(70, 190),
            "spoken_languages": [
                {
                    "english_name": self._languages.get(code, {}).get("english_name", code),
                    "iso_639_1": code,
                    "name": self._languages.get(code, {}).get("name", ""),
                }
                for code in sorted(spoken)
            ],
            "status": "Released"
            if released
            else rng.choice(["Post Production", "In Production", "Planned"]),
            "tagline": ""
            if rng.random() < 0.3
            else f"{rng.choice(ADJECTIVES)} is only the beginning.",
            "title": title,
            "video": False,
            "vote_average": avg,
            "vote_count": votes,
        }
        return self._entry(rng, details, popularity, votes, avg)

    def _entry(
        self, rng: random.Random, details: dict[str, Any], popularity: float, votes: int, avg: float
    ) -> Movie:
        """A synthetic entry of the catalogue (a movie, or a series: tv.py) with its details:
        most there since 2019, a tenth added over 2024-2026, its daily dynamics drawn."""
        added = (
            dt.date(2019, 1, 1)
            if rng.random() < 0.9
            else dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 3 * 365))
        )
        return Movie(
            id=details["id"],
            details=details,
            added=added,
            int_numbers=rng.random() < 0.03,
            **self._dynamics(rng, details["id"], popularity, votes, avg),
        )

    # --- a day's state -----------------------------------------------------------------------

    @functools.lru_cache(maxsize=8)  # noqa: B019 - one catalog per server, a handful of days
    def state(self, day: dt.date) -> DayState:
        rng = random.Random(_stable_int(self.seed, "day", day.isoformat()))
        o = day.toordinal()
        state = DayState(day)
        for m in self.movies:
            if m.added > day:
                continue
            wave = 0.35 * math.sin(2 * math.pi * (o + m.pop_phase) / m.pop_period)
            pop = m.base_popularity * math.exp(wave + rng.gauss(0, 0.08))
            age = max(0, o - max(m.added, EPOCH).toordinal())
            votes = m.votes0 + int(m.vote_rate * age) if m.votes0 or m.vote_rate > 1 else m.votes0
            avg = m.vote_avg0
            if votes:
                avg = min(10.0, max(0.0, m.vote_avg0 + 0.2 * math.sin((o + m.pop_phase) / 30)))
            state.popularity[m.id] = round(pop, 3)
            state.vote_count[m.id] = votes
            state.vote_average[m.id] = round(avg, 1) if not m.int_numbers else float(round(avg))
        return state

    def number(self, m: Movie, value: float) -> float | int:
        return int(value) if m.int_numbers and float(value).is_integer() else value

    def details(self, m: Movie, day: dt.date) -> dict[str, Any]:
        """The entry's details body on `day` (base details, changes applied, day's numbers)."""
        s = self.state(day)
        d = json.loads(json.dumps(m.details))
        v = 0 if m.recorded else m.version(day)
        if v:
            self._changed(d, m, v, day)
        if m.id in s.popularity:
            d["popularity"] = self.number(m, s.popularity[m.id])
            d["vote_average"] = self.number(m, s.vote_average[m.id])
            d["vote_count"] = s.vote_count[m.id]
        return d

    def _changed(self, d: dict[str, Any], m: Movie, v: int, day: dt.date) -> None:
        """A synthetic movie's body after its `v`-th change: runtime, revenue, tagline, and a
        genre now and then."""
        if d["runtime"]:
            d["runtime"] += v % 3
        if d["revenue"]:
            d["revenue"] += v * 250_000
        if d["tagline"]:
            d["tagline"] = d["tagline"].rstrip(".") + "." * (1 + v % 3)
        if v % 4 == 3 and len(d["genres"]) < 5:
            extra = self.genres[(m.id + v) % len(self.genres)]
            if all(g["id"] != extra["id"] for g in d["genres"]):
                d["genres"].append({"id": extra["id"], "name": extra["name"]})

    def list_item(self, m: Movie, day: dt.date) -> dict[str, Any]:
        """The movie as a /discover/movie result item on `day`."""
        s = self.state(day)
        d = self.details(m, day) if not m.recorded else m.details
        genre_ids = [g["id"] for g in d.get("genres") or [] if isinstance(g, dict)]
        return {
            "adult": bool(d.get("adult")),
            "backdrop_path": d.get("backdrop_path"),
            "genre_ids": genre_ids,
            "id": m.id,
            "original_language": d.get("original_language"),
            "original_title": d.get("original_title"),
            "overview": d.get("overview") or "",
            "popularity": self.number(m, s.popularity[m.id]),
            "poster_path": d.get("poster_path"),
            "release_date": d.get("release_date") or "",
            "title": d.get("title"),
            "video": bool(d.get("video")),
            "vote_average": self.number(m, s.vote_average[m.id]),
            "vote_count": s.vote_count[m.id],
        }

    @functools.cached_property
    def people(self) -> list[dict[str, Any]]:
        """The people the synthetic movies credit: a pool three times the catalog's size, so
        a person works on several movies (a director's filmography, an actor's)."""
        rng = random.Random(_stable_int(self.seed, "people"))
        people = []
        for i in range(max(300, 3 * len(self.movies))):
            script = rng.choices(list(PERSON_NAMES), weights=[80, 5, 4, 4, 4, 3])[0]
            first, last = PERSON_NAMES[script]
            native = (
                f"{rng.choice(last)}{rng.choice(first)}"
                if script in ("ja", "ko", "zh")
                else (f"{rng.choice(first)} {rng.choice(last)}")
            )
            latin = f"{rng.choice(PERSON_NAMES['en'][0])} {rng.choice(PERSON_NAMES['en'][1])}"
            people.append(
                {
                    "adult": False,
                    "gender": rng.choices([0, 1, 2, 3], weights=[20, 38, 40, 2])[0],
                    "id": 5_000_000 + i,
                    "known_for_department": rng.choice(DEPARTMENTS)[0]
                    if rng.random() < 0.3
                    else "Acting",
                    # Mostly romanised with the native name beside it, as TMDb shows in English;
                    # some keep their own script in both.
                    "name": native if script == "en" or rng.random() < 0.3 else latin,
                    "original_name": native,
                    "popularity": round(rng.lognormvariate(0.5, 1.0), 3),
                    "profile_path": None
                    if rng.random() < 0.3
                    else f"/p{_stable_int(self.seed, 'profile', i) % 10**10:010d}.jpg",
                }
            )
        return people

    def credits(self, m: Movie) -> dict[str, Any]:
        """The movie's /movie/{id}/credits body: recorded where the real one was recorded,
        else a cast in billing order and a crew (a director first) drawn from `people`."""
        if m.credits is not None:
            return {**m.credits, "id": m.id}
        rng = random.Random(_stable_int(self.seed, "credits", m.id))
        people = self.people

        def credit_id(kind: str, i: int) -> str:
            return f"{_stable_int(self.seed, m.id, kind, i):016x}{m.id % 2**32:08x}"

        def person(p: dict[str, Any]) -> dict[str, Any]:
            return {k: p[k] for k in PERSON_KEYS}

        cast = [
            {
                **person(rng.choice(people)),
                "cast_id": i + 1,
                "character": f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
                if rng.random() < 0.9
                else "",
                "credit_id": credit_id("cast", i),
                "order": i,
            }
            for i in range(rng.randint(3, 20))
        ]
        jobs = [("Directing", "Director"), *rng.sample(DEPARTMENTS, rng.randint(1, 12))]
        crew = []
        for i, (department, job) in enumerate(jobs):
            who = rng.choice(people)
            if i == 1 and department == "Writing":
                who = people[crew[0]["id"] - 5_000_000]  # the director wrote it
            crew.append(
                {
                    **person(who),
                    "credit_id": credit_id("crew", i),
                    "department": department,
                    "job": job,
                }
            )
        return {"id": m.id, "cast": cast, "crew": crew}

    def visible(self, day: dt.date, include_adult: bool) -> list[Movie]:
        return [
            m
            for m in self.movies
            if m.added <= day and (include_adult or not m.details.get("adult"))
        ]

    def changed_ids(self, start: dt.date, end: dt.date) -> list[tuple[int, bool | None]]:
        out = []
        for m in self.movies:
            d = start
            while d <= end:
                if m.added <= d and m.changed_on(d):
                    adult = m.details.get("adult")
                    out.append((m.id, None if m.id % 53 == 0 else bool(adult)))
                    break
                d += dt.timedelta(days=1)
        return out
