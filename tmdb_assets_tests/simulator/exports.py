"""TMDb's daily ID exports as the simulator serves them (files.tmdb.org/p/exports).

`movie_ids_MM_DD_YYYY.json.gz`: gzip, JSON Lines `{"adult":false,"id":603,
"original_title":"The Matrix","popularity":30.207,"video":false}`, one line per movie of the
catalog (and `tail` synthetic ids beyond it: the long tail discover never lists), not in id
order, built from the catalog's state of the day before the file's date (TMDb builds the file
around 07:00-08:00 UTC). Files older than `RETENTION_DAYS` are gone.
"""

import datetime as dt
import gzip
import io
import random
import re

import orjson

from tmdb_assets_tests.simulator.catalog import ADJECTIVES, NOUNS, Catalog, _stable_int

RETENTION_DAYS = 90
FILE = re.compile(r"movie_ids_(\d\d)_(\d\d)_(\d{4})\.json\.gz")


def file_name(day: dt.date) -> str:
    return f"movie_ids_{day:%m_%d_%Y}.json.gz"


def file_date(name: str) -> dt.date | None:
    m = FILE.fullmatch(name)
    if not m:
        return None
    month, day, year = (int(g) for g in m.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def export_lines(catalog: Catalog, file_day: dt.date, tail: int = 0) -> list[bytes]:
    """The file's lines: the state of `file_day - 1` (the day that ended before it was built)."""
    day = file_day - dt.timedelta(days=1)
    state = catalog.state(day)
    lines = []
    for m in catalog.visible(day, include_adult=False):
        lines.append(
            orjson.dumps(
                {
                    "adult": False,
                    "id": m.id,
                    "original_title": m.details.get("original_title") or m.details.get("title"),
                    "popularity": state.popularity[m.id],
                    "video": bool(m.details.get("video")),
                }
            )
        )
    # The long tail: ids discover never lists, barely popular, stable from day to day; a few
    # appear and disappear (new and removed ids).
    rng = random.Random(_stable_int(catalog.seed, "tail", day.isoformat()))
    known = catalog.by_id
    base = 2_000_000
    for i in range(tail):
        movie_id = base + i
        if movie_id in known or (i + day.toordinal()) % 997 == 0:
            continue  # about one in a thousand gone that day
        words = _stable_int(catalog.seed, "t", movie_id)
        lines.append(
            b'{"adult":false,"id":%d,"original_title":"%s %s","popularity":%.3f,"video":%s}'
            % (
                movie_id,
                ADJECTIVES[words % len(ADJECTIVES)].encode(),
                NOUNS[(words >> 8) % len(NOUNS)].encode(),
                0.6 + (words % 1000) / 200 * rng.random(),
                b"true" if words % 97 == 0 else b"false",
            )
        )
    # Not in id order, as TMDb's files are not.
    random.Random(_stable_int(catalog.seed, "order", day.isoformat())).shuffle(lines)
    return lines


def gzip_lines(lines: list[bytes], truncate: bool = False) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=5, mtime=0) as f:
        for line in lines:
            f.write(line + b"\n")
    data = buffer.getvalue()
    return data[: len(data) * 2 // 3] if truncate else data
