"""The warehouse tables, each declared once: key, foreign keys, group and description.

The key and foreign-key checks, the bridge loader's dimension joins, the CLI summary, the
benchmark's floor and the tests' inventories read this registry; the SQL that creates a table is
its numbered migration in sql/. Adding a dimension: a migration, its row builder in loads.py,
one entry here, and its tests.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str  # a warehouse table of this registry
    table_column: str


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    description: str
    group: str = "warehouse"
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)
    partitioned: bool = True  # loaded per day from raw (False: a seed)

    @property
    def qualified(self) -> str:
        return f"warehouse.{self.name}"

    @property
    def is_bridge(self) -> bool:
        return self.name.startswith("bridge_")

    @property
    def bridge_key(self) -> ForeignKey:
        """A bridge's dimension side (its other foreign key is the movie)."""
        (fk,) = [f for f in self.foreign_keys if f.table != "dim_movie"]
        return fk


def _bridge(name: str, key: str, dim: str, description: str) -> Table:
    return Table(
        name,
        ("movie_id", key),
        description,
        foreign_keys=(ForeignKey("movie_id", "dim_movie", "movie_id"), ForeignKey(key, dim, key)),
    )


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "dim_date",
            ("date_id",),
            "Calendar attributes of each loaded day (date_id = YYYYMMDD): year, quarter, "
            "month, ISO week, weekday, weekend flag.",
        ),
        Table(
            "dim_movie",
            ("movie_id",),
            "One row per movie ever discovered: title, languages, release date, runtime, "
            "budget, revenue, status, IMDb id, first/last day seen. Movies whose details are "
            "gone (404) keep their discover attributes, flagged by details_status.",
        ),
        Table("dim_genre", ("genre_id",), "TMDb movie genres (id and name)."),
        Table(
            "dim_company",
            ("company_id",),
            "Production companies of the discovered movies, with their country of origin.",
        ),
        Table(
            "dim_country",
            ("iso_3166_1",),
            "Countries TMDb knows (ISO 3166-1, historical codes included) with their continent.",
        ),
        Table(
            "dim_language", ("iso_639_1",), "Languages (ISO 639-1) with English and native names."
        ),
        _bridge(
            "bridge_movie_genre", "genre_id", "dim_genre", "Which genres each movie belongs to."
        ),
        _bridge(
            "bridge_movie_company",
            "company_id",
            "dim_company",
            "Which companies produced each movie.",
        ),
        _bridge(
            "bridge_movie_country",
            "iso_3166_1",
            "dim_country",
            "In which countries each movie was produced.",
        ),
        _bridge(
            "bridge_movie_language",
            "iso_639_1",
            "dim_language",
            "Which languages are spoken in each movie.",
        ),
        Table(
            "fact_movie_daily",
            ("date_id", "movie_id"),
            "One row per movie and day: popularity, vote average and vote count as TMDb "
            "reported them at the end of the day, with the movie's rank in the discover list and "
            "when it was captured (late captures flagged).",
            foreign_keys=(
                ForeignKey("movie_id", "dim_movie", "movie_id"),
                ForeignKey("date_id", "dim_date", "date_id"),
            ),
        ),
    )
}

SEED = Table(
    "country_continent",
    ("iso_3166_1",),
    "data/country_continent.csv: each ISO 3166-1 country code with its continent.",
    partitioned=False,
)

BRIDGES = [t for t in TABLES.values() if t.is_bridge]
