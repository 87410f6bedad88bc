"""What a warehouse table's registry entry says (tables.py holds the entries): its key and
columns, the dimensions its foreign keys point at, the assets it derives from, its row builder
and loader, the domain it reads (movies or TV series), and the shape shared by every
movie-to-dimension and series-to-dimension bridge."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tmdb_assets.transform import rows
from tmdb_assets.transform.day import DayData
from tmdb_assets.transform.media import MOVIE, Media
from tmdb_assets.transform.rows import DiscoverKeysOf, KeysOf
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
    media: Media = MOVIE  # the domain whose day it reads (a bridge: whose items it links)
    # Dimensions shared by both domains (genres, companies, languages, countries): the other
    # domains whose day, when captured, is read beside `media`'s (DayData.also).
    also_media: tuple[Media, ...] = ()
    # The Dagster step that loads it, when it shares one (a domain's bridges); None: its own.
    step: str | None = None

    @property
    def qualified(self) -> str:
        return f"warehouse.{self.name}"

    @property
    def is_bridge(self) -> bool:
        return self.bridge_keys is not None

    @property
    def bridge_key(self) -> ForeignKey | None:
        """A bridge's dimension side (its other foreign key is the movie or series); None for a
        set of the item's own rows (a series' seasons)."""
        fks = [f for f in self.foreign_keys if f.table != self.media.dim]
        return fks[0] if fks else None


def columns(names: str) -> tuple[str, ...]:
    """Column names written as one string, in the order the table declares them."""
    return tuple(names.split())


def bridge(
    name: str,
    key: str,
    dim: str | None,
    description: str,
    keys: KeysOf,
    discover_keys: DiscoverKeysOf | None = None,
    *,
    ref: str | None = None,
    attributes: tuple[str, ...] = (),
    deps: tuple[str, ...] = (),
    media: Media = MOVIE,
    group: str = "warehouse",
    step: str | None = None,
) -> Table:
    """A movie-to-dimension (or series-to-dimension: `media`) bridge keyed (movie_id, key).
    `ref` is the column pointing at the dimension when it is not the key (a credit: keyed by
    credit_id, pointing at its person); `attributes` are the columns after the key (updated in
    place when they change). `dim` None: a set of the item's own rows, replaced as a bridge's
    (a series' seasons)."""
    ref = ref or key
    item = media.id_column
    cols = (item, *dict.fromkeys((ref, key)), *attributes)
    owner = ForeignKey(item, media.dim, item)
    return Table(
        name,
        (item, key),
        cols,
        description,
        rows=rows.pairs_of(keys, discover_keys),
        load=load.load_bridge,
        deps=(media.dim, *((dim,) if dim else ()), *deps),
        foreign_keys=(owner, ForeignKey(ref, dim, ref)) if dim else (owner,),
        guard=None,
        bridge_keys=keys,
        bridge_discover_keys=discover_keys,
        media=media,
        group=group,
        step=step,
    )
