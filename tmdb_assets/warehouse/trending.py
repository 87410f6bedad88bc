"""Loading TMDb's trending ranks of a day (fact_trending_daily) from its raw_trending capture.

Each window's pages are read as discover's are (transform/discover.discover_items: a movie listed
on two pages keeps its better place; an item without a usable id is quarantined) and ranked
1..N without gaps. A trending movie that dim_movie does not hold (outside the discover window,
and the catalogue not loaded) joins it as a pending row with what the list says, as the
catalogue's movies do, so every rank joins its movie; its details come with the long tail.
"""

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from tmdb_assets.capture.quarantine import record_rejected
from tmdb_assets.capture.read import require_capture
from tmdb_assets.capture.trending import TRENDING, WINDOWS, trending_pages
from tmdb_assets.db.bulk import batch_rows, batch_source
from tmdb_assets.db.warehouse import lock_day
from tmdb_assets.transform.day import DayData
from tmdb_assets.transform.discover import DiscoverItem, discover_items

if TYPE_CHECKING:
    from tmdb_assets.warehouse.table import Table

PENDING = ("movie_id", "title", "original_title", "original_language", "overview",
           "release_date", "adult", "video", "poster_path", "details_status", "source_date")  # fmt: skip


def load_trending_day(conn: Connection, table: "Table", data: DayData) -> dict[str, Any]:
    capture = require_capture(conn, TRENDING, data.day)
    lock_day(conn, table.name, data.day)
    pages = trending_pages(conn, capture.capture_id)
    rows: list[tuple[Any, ...]] = []
    movies: dict[int, DiscoverItem] = {}
    out: dict[str, Any] = {"capture_version": capture.version}
    rejected = []
    for window in WINDOWS:
        items, bad, duplicates = discover_items(
            (p, payload) for w, p, payload in pages if w == window
        )
        rejected += [r for r in bad if r.field is None]
        for rank, item in enumerate(items, start=1):
            rows.append(
                (data.date_id, window, rank, item.movie_id, item.popularity, capture.late_capture)
            )
            movies.setdefault(item.movie_id, item)
        out[f"{window}_movies"] = len(items)
        out[f"{window}_duplicates"] = duplicates
    # The list item's own fields (PENDING between movie_id and details_status), as discover's.
    pending = [
        (movie_id, *(getattr(i, c) for c in PENDING[1:-2]), "pending", data.day)
        for movie_id, i in sorted(movies.items())
    ]
    learned = conn.execute(
        text(
            f"INSERT INTO warehouse.dim_movie AS t ({', '.join(PENDING)}) "
            f"{batch_source(conn, 'warehouse.dim_movie', PENDING)} "
            "ON CONFLICT (movie_id) DO UPDATE SET source_date = EXCLUDED.source_date "
            "WHERE t.details_status = 'pending' AND t.source_date > EXCLUDED.source_date"
        ),
        {"rows": batch_rows(pending)},
    ).rowcount
    replaced = conn.execute(
        text(f"DELETE FROM {table.qualified} WHERE date_id = :d"), {"d": data.date_id}
    ).rowcount
    conn.execute(
        text(
            f"INSERT INTO {table.qualified} ({', '.join(table.columns)}) "
            f"{batch_source(conn, table.qualified, table.columns)}"
        ),
        {"rows": batch_rows(rows)},
    )
    conn.execute(
        text("DELETE FROM raw.quarantine WHERE partition_date = :d AND source = 'trending'"),
        {"d": data.day},
    )
    for r in rejected:
        r.source = "trending"
    record_rejected(conn, data.day, rejected)
    out.update(rows=len(rows), replaced=replaced, movies_learned=learned, quarantined=len(rejected))
    return out
