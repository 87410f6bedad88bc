"""Loading where to watch as history (transform/availability.py holds the pure rules).

- `load_watch_observations` (fact_watch_observation): the movies whose availability the day
  observed, replacing the day's previous observations from the same source (the discover window
  or the long tail).
- `load_watch_availability` (fact_watch_availability): for each movie the day observed (and each
  movie whose rows still name the day from an earlier capture of it), its intervals decoded with
  its observation days, the day's observation set, encoded again, and the difference written.
  One writer at a time (a movie's history spans days). A movie whose details were not fetched
  that day is not touched: its rows stay as they are, open ones open.
"""

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from tmdb_assets.db.bulk import batch_rows, batch_source, copy_into
from tmdb_assets.db.warehouse import lock_day, partition_lock
from tmdb_assets.transform.availability import Interval, decode, encode
from tmdb_assets.transform.day import DayData

if TYPE_CHECKING:
    from tmdb_assets.warehouse.table import Table


def observations(table: "Table") -> str:
    """The observation table beside an availability table (the movies' or the series')."""
    return f"warehouse.{table.media.watch_prefix}_observation"


def load_watch_observations(conn: Connection, table: "Table", data: DayData) -> dict[str, int]:
    """The day's observations replace the ones the same source recorded for the day before (a
    recaptured day); a movie observed by both sources on one day keeps the later fetch."""
    lock_day(conn, table.name, data.day)
    assert table.rows is not None
    rows = table.rows(data)
    replaced = conn.execute(
        text(f"DELETE FROM {table.qualified} WHERE observed_date = :d AND source = :s"),
        {"d": data.day, "s": data.source},
    ).rowcount
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in table.columns[2:])
    written = conn.execute(
        text(
            f"INSERT INTO {table.qualified} AS t ({', '.join(table.columns)}) "
            f"{batch_source(conn, table.qualified, table.columns)} "
            f"ON CONFLICT ({table.key[0]}, observed_date) DO UPDATE SET {updates} "
            "WHERE EXCLUDED.fetched_at >= t.fetched_at"
        ),
        {"rows": batch_rows(rows)},
    ).rowcount
    return {
        "rows": len(rows),
        f"{table.media.noun}_observed": len(rows),
        "nowhere_to_watch": sum(1 for r in rows if r[5] == 0),
        "replaced": replaced,
        "written": written,
        "inserted": written,
        "kept_later_fetch": len(rows) - written,
    }


def _by_movie(rows: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for movie_id, *rest in rows:
        out[movie_id].append(tuple(rest))
    return out


def load_watch_availability(conn: Connection, table: "Table", data: DayData) -> dict[str, int]:
    partition_lock(conn, table.name)
    day = data.day
    item, noun, seen_in = table.media.id_column, table.media.noun, observations(table)
    observed = data.watch_observed()
    # The movies whose observation of the day is this source's (fact_watch_observation, loaded
    # first), and those whose rows still name the day (a capture of it replaced since).
    mine = set(
        conn.execute(
            text(f"SELECT {item} FROM {seen_in} WHERE observed_date = :d AND source = :s"),
            {"d": day, "s": data.source},
        ).scalars()
    )
    named = set(
        conn.execute(
            text(
                f"SELECT DISTINCT {item} FROM {table.qualified} "
                "WHERE valid_from = :d OR last_observed_date = :d OR valid_to = :d"
            ),
            {"d": day},
        ).scalars()
    )
    movies = sorted(mine | named)
    stats = {
        f"{noun}_observed": len(observed),
        f"{noun}_recomputed": len(movies),
        "observed_not_recorded": len(set(observed) - mine),
        "rows": 0,
        "inserted": 0,
        "deleted": 0,
        "closed": 0,
        "opened": 0,
    }
    if not movies:
        return stats
    days = _by_movie(
        conn.execute(
            text(f"SELECT {item}, observed_date FROM {seen_in} WHERE {item} = ANY(:m)"),
            {"m": movies},
        )
    )
    stored = _by_movie(
        conn.execute(
            text(
                f"SELECT {item}, iso_3166_1, provider_id, kind, valid_from, valid_to, "
                f"last_observed_date FROM {table.qualified} WHERE {item} = ANY(:m)"
            ),
            {"m": movies},
        )
    )
    old_rows: set[tuple[Any, ...]] = set()
    new_rows: set[tuple[Any, ...]] = set()
    for movie_id in movies:
        intervals: list[Interval] = [
            ((c, p, k), f, t, last) for c, p, k, f, t, last in stored[movie_id]
        ]
        seen = decode(intervals, (d for (d,) in days[movie_id]))
        if movie_id in mine and movie_id in observed:
            seen[day] = set(observed[movie_id])
        old_rows.update((movie_id, *o, f, t, last) for o, f, t, last in intervals)
        new_rows.update((movie_id, *o, f, t, last) for o, f, t, last in encode(seen))
    gone, added = old_rows - new_rows, new_rows - old_rows
    # Only what changed is written: a movie's closed rows (its history) stay as they are, so a
    # year of observations does not rewrite a year of rows each time.
    if gone:
        conn.execute(
            text(
                f"DELETE FROM {table.qualified} t USING jsonb_to_recordset(CAST(:keys AS jsonb)) "
                f"AS k(m integer, c text, p integer, k text, f date) WHERE t.{item} = k.m "
                "AND t.iso_3166_1 = k.c AND t.provider_id = k.p AND t.kind = k.k "
                "AND t.valid_from = k.f"
            ),
            {
                "keys": batch_rows(
                    [{"m": m, "c": c, "p": p, "k": k, "f": f} for m, c, p, k, f, *_ in gone]
                )
            },
        )
    if added:
        # COPY: a first day writes tens of thousands of rows (47,000 for 1,840 movies).
        copy_into(conn, table.qualified, table.columns, sorted(added))
    was = {r[:5]: r for r in gone}  # by key: movie, country, provider, kind, valid_from
    now = {r[:5]: r for r in added}
    stats.update(
        rows=len(new_rows),
        inserted=sum(1 for k in now if k not in was),
        updated=sum(1 for k in now if k in was),
        deleted=sum(1 for k in was if k not in now),
        opened=sum(1 for k, r in now.items() if r[5] is None and k not in was),
        closed=sum(
            1 for k, r in now.items() if r[5] is not None and k in was and was[k][5] is None
        ),
        **{f"{noun}_changed": len({r[0] for r in gone | added})},
    )
    return stats
