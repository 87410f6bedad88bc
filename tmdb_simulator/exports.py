"""TMDb's daily ID exports as the simulator serves them (files.tmdb.org/p/exports).

`movie_ids_MM_DD_YYYY.json.gz`: gzip, JSON Lines `{"adult":false,"id":603,
"original_title":"The Matrix","popularity":30.207,"video":false}`, one line per movie of the
catalog (and `tail` synthetic ids beyond it: the long tail discover never lists), not in id
order, built from the catalog's state of the day before the file's date (TMDb builds the file
around 07:00-08:00 UTC). Files older than `RETENTION_DAYS` are gone.
`tv_series_ids_MM_DD_YYYY.json.gz`: the TV catalogue's series, `{"id":1399,"original_name":
"Game of Thrones","popularity":639.898}` a line, built the same way.
"""

import datetime as dt
import functools
import gzip
import io
import random
import re

import orjson

from tmdb_simulator.catalog import (
    ADJECTIVES,
    EPOCH,
    NOUNS,
    Catalog,
    Movie,
    _stable_int,
)
from tmdb_simulator.tv import TVCatalog

RETENTION_DAYS = 90
FILE = re.compile(r"(adult_)?(movie|tv_series)_ids_(\d\d)_(\d\d)_(\d{4})\.json\.gz")


def file_date(name: str) -> dt.date | None:
    m = FILE.fullmatch(name)
    if not m:
        return None
    month, day, year = (int(g) for g in m.groups()[2:])
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def export_lines(
    catalog: Catalog, file_day: dt.date, tail: int = 0, adult: bool = False
) -> list[bytes]:
    """The file's lines: the state of `file_day - 1` (the day that ended before it was built).
    `adult`: the adult ids' file (TMDb has kept them apart since mid-2023), no tail."""
    day = file_day - dt.timedelta(days=1)
    state = catalog.state(day)
    if isinstance(catalog, TVCatalog):
        # tv_series_ids_MM_DD_YYYY.json.gz: {"id":1399,"original_name":"...","popularity":..}
        series = [
            orjson.dumps(
                {
                    "id": m.id,
                    "original_name": m.details.get("original_name") or m.details.get("name"),
                    "popularity": state.popularity[m.id],
                }
            )
            for m in catalog.visible(day, include_adult=False)
        ]
        random.Random(_stable_int(catalog.seed, "tv-order", day.isoformat())).shuffle(series)
        shift = day.toordinal() % 7
        for n, (head, base) in enumerate(_tv_tail(catalog.seed, tail)):
            if (n + day.toordinal()) % 997 == 0:
                continue  # about one in a thousand missing on a given day, as the movies'
            series.append(b"%s%.3f}" % (head, base * (1 + 0.01 * ((n + shift) % 7))))
        return series

    def line(m: Movie) -> bytes:
        return orjson.dumps(
            {
                "adult": adult,
                "id": m.id,
                "original_title": m.details.get("original_title") or m.details.get("title"),
                "popularity": state.popularity[m.id],
                "video": bool(m.details.get("video")),
            }
        )

    if adult:
        return [line(m) for m in catalog.visible(day, include_adult=True) if m.details.get("adult")]
    lines = [line(m) for m in catalog.visible(day, include_adult=False)]
    # Not in id order, as TMDb's files are not: the catalogue's movies shuffled per day, the
    # tail after them in a fixed scrambled order.
    random.Random(_stable_int(catalog.seed, "order", day.isoformat())).shuffle(lines)
    # The long tail: ids discover never lists, barely popular, their popularity drifting a little
    # from day to day; about one in a thousand is missing on a given day (removed, or new when
    # it comes back).
    shift = day.toordinal() % 7
    for n, (head, base, tail_) in enumerate(_tail(catalog.seed, tail)):
        if (n + day.toordinal()) % 997 == 0:
            continue
        lines.append(b"%s%.3f%s" % (head, base * (1 + 0.01 * ((n + shift) % 7)), tail_))
    return lines


@functools.lru_cache(maxsize=2)
def _tail(seed: int, size: int) -> list[tuple[bytes, float, bytes]]:
    """The tail's fixed parts: each line's text before and after its popularity, and a base."""
    out = []
    for i in range(size):
        movie_id = TAIL_FIRST_ID + (i * 7919) % max(size, 1)  # scrambled, not in id order
        words = _stable_int(seed, "t", movie_id)
        head = b'{"adult":false,"id":%d,"original_title":"%s %s","popularity":' % (
            movie_id,
            ADJECTIVES[words % len(ADJECTIVES)].encode(),
            NOUNS[(words >> 8) % len(NOUNS)].encode(),
        )
        video = b"true" if words % 97 == 0 else b"false"
        out.append((head, 0.6 + (words % 1000) / 250, b',"video":%s}' % video))
    return out


TAIL_FIRST_ID = 2_000_000
TV_TAIL_FIRST_ID = 400_000  # beyond the TV catalogue's ids


@functools.lru_cache(maxsize=2)
def _tv_tail(seed: int, size: int) -> list[tuple[bytes, float]]:
    """The TV export's long tail: each line's text before its popularity, and a base."""
    out = []
    for i in range(size):
        tv_id = TV_TAIL_FIRST_ID + (i * 7919) % max(size, 1)
        words = _stable_int(seed, "tv-t", tv_id)
        head = b'{"id":%d,"original_name":"%s %s","popularity":' % (
            tv_id,
            ADJECTIVES[words % len(ADJECTIVES)].encode(),
            NOUNS[(words >> 8) % len(NOUNS)].encode(),
        )
        out.append((head, 0.6 + (words % 1000) / 400))
    return out


def tail_movie(catalog: Catalog, movie_id: int, size: int) -> Movie | None:
    """The /movie/{id} of a long-tail id of the exports (None: not one of them): a synthetic
    movie whose original title and flags are the export's."""
    if not TAIL_FIRST_ID <= movie_id < TAIL_FIRST_ID + size:
        return None
    return _tail_movie(catalog, movie_id)


@functools.lru_cache(maxsize=4096)
def _tail_movie(catalog: Catalog, movie_id: int) -> Movie:
    m = catalog._synthetic(random.Random(_stable_int(catalog.seed, "tail", movie_id)), movie_id)
    words = _stable_int(catalog.seed, "t", movie_id)
    title = f"{ADJECTIVES[words % len(ADJECTIVES)]} {NOUNS[(words >> 8) % len(NOUNS)]}"
    m.details.update(title=title, original_title=title, adult=False, video=words % 97 == 0)
    m.added = EPOCH
    return m


def gzip_lines(lines: list[bytes], truncate: bool = False) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1, mtime=0) as f:
        for line in lines:
            f.write(line + b"\n")
    data = buffer.getvalue()
    return data[: len(data) * 2 // 3] if truncate else data
