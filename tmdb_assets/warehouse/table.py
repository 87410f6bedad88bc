"""What a warehouse table's registry entry says (tables.py holds the entries): its key and
columns, the dimensions its foreign keys point at, the assets it derives from, its row builder
and loader, and the shape shared by every movie-to-dimension bridge."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tmdb_assets.transform import rows
from tmdb_assets.transform.rows import DayData, DiscoverKeysOf, KeysOf
from tmdb_assets.warehouse import load


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str  # a warehouse table of this registry
    table_column: str


Loader = Callable[[Any, "Table", DayData], Any]


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    description: str
    rows: Callable[[DayData], list[tuple[Any, ...]]] | None = None
    load: Loader = load.upsert_rows
    deps: tuple[str, ...] = ("raw_discover_pages", "raw_movie_details")
    group: str = "warehouse"
    foreign_keys: tuple[ForeignKey, ...] = ()
    guard: str | None = "source_date"  # upserts never let an older day overwrite a newer one
    guard_unless: str | None = None  # ... except where this holds of the stored row
    merge: tuple[tuple[str, str], ...] = ()  # column -> SQL applied whatever the guard says
    reads_raw: bool = True  # False: the rows need only the date (dim_date)
    partitioned: bool = True  # loaded per day from raw (False: a seed)
    bridge_keys: KeysOf | None = None  # a bridge: a movie's keys from its details
    bridge_discover_keys: DiscoverKeysOf | None = None  # ... and from discover, without details
    count_rows: bool = True  # False: too big to count(*) after each load (the catalogue)

    @property
    def qualified(self) -> str:
        return f"warehouse.{self.name}"

    @property
    def is_bridge(self) -> bool:
        return self.bridge_keys is not None

    @property
    def bridge_key(self) -> ForeignKey:
        """A bridge's dimension side (its other foreign key is the movie)."""
        (fk,) = [f for f in self.foreign_keys if f.table != "dim_movie"]
        return fk


def columns(names: str) -> tuple[str, ...]:
    """Column names written as one string, in the order the table declares them."""
    return tuple(names.split())


def bridge(
    name: str,
    key: str,
    dim: str,
    description: str,
    keys: KeysOf,
    discover_keys: DiscoverKeysOf | None = None,
    *,
    ref: str | None = None,
    attributes: tuple[str, ...] = (),
    deps: tuple[str, ...] = (),
) -> Table:
    """A movie-to-dimension bridge keyed (movie_id, key). `ref` is the column pointing at the
    dimension when it is not the key (a credit: keyed by credit_id, pointing at its person);
    `attributes` are the columns after the key (updated in place when they change)."""
    ref = ref or key
    cols = ("movie_id", *dict.fromkeys((ref, key)), *attributes)
    return Table(
        name,
        ("movie_id", key),
        cols,
        description,
        rows=rows.pairs_of(keys, discover_keys),
        load=load.load_bridge,
        deps=("dim_movie", dim, *deps),
        foreign_keys=(ForeignKey("movie_id", "dim_movie", "movie_id"), ForeignKey(ref, dim, ref)),
        guard=None,
        bridge_keys=keys,
        bridge_discover_keys=discover_keys,
    )
