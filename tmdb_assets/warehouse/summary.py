"""A short, human summary of what the warehouse holds, read from the views."""

import datetime as dt

from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.transform.days import date_id
from tmdb_assets.warehouse.tables import TABLES as REGISTRY

TABLES = list(REGISTRY)  # every warehouse table, in the registry's order


def summary_text(warehouse: Warehouse, days: list[dt.date], elapsed_s: float | None) -> str:
    # A table too big to count (the catalogue: a million rows a day) is summed from its
    # per-day figures (fact_catalogue_daily counts each export day's rows as it loads them).
    counts = {t: warehouse.scalar(_count_sql(t)) for t in TABLES}
    last = days[-1] if days else warehouse.scalar("SELECT max(full_date) FROM warehouse.dim_date")
    lines = []
    head = "Loaded" if days else "Warehouse"
    if days:
        head += f" {days[0]}..{days[-1]} ({len(days)} day{'s' if len(days) > 1 else ''})"
    if elapsed_s is not None:
        head += f" in {elapsed_s:.1f}s"
    lines.append(head)
    lines.append("  " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    if last is None:
        lines.append("  (no data yet)")
        return "\n".join(lines)
    did = date_id(last)
    facts = warehouse.scalar(
        "SELECT count(*) FROM warehouse.fact_movie_daily WHERE date_id = :d", d=did
    )
    late = warehouse.scalar(
        "SELECT count(*) FROM warehouse.fact_movie_daily WHERE date_id = :d AND late_capture", d=did
    )
    quarantined = warehouse.scalar("SELECT count(*) FROM raw.quarantine")
    not_found = warehouse.scalar(
        "SELECT count(*) FROM warehouse.dim_movie WHERE details_status = 'not_found'"
    )
    pending = warehouse.scalar(
        "SELECT count(*) FROM warehouse.dim_movie WHERE details_status = 'pending'"
    )
    lines.append(
        f"  {last}: {facts} movies{' (late capture)' if late else ''}; details 404: {not_found}; quarantined payloads: {quarantined}"
        + (f"; known from the export only, details pending: {pending}" if pending else "")
    )
    lines.extend(_catalogue_lines(warehouse, last))
    lines.append(f"Top 5 movies on {last} (vw_top_movies):")
    for rank, title, pop, vote, votes in warehouse.rows(
        "SELECT popularity_rank, title, popularity, vote_average, vote_count FROM warehouse.vw_top_movies "
        "WHERE date_id = :d ORDER BY popularity_rank LIMIT 5",
        d=did,
    ):
        lines.append(f"  {rank}. {title}  popularity {pop:.1f}, vote {vote} ({votes} votes)")
    lines.extend(_tv_lines(warehouse, last))
    lines.append(f"Genres on {last} (vw_genre_popularity, top 5 by movies):")
    for genre, movies, mean_pop, median_pop in warehouse.rows(
        "SELECT genre, movies, mean_popularity, median_popularity FROM warehouse.vw_genre_popularity "
        "WHERE date_id = :d ORDER BY movies DESC, genre LIMIT 5",
        d=did,
    ):
        lines.append(
            f"  {genre}: {movies} movies, mean popularity {mean_pop:.1f}, median {median_pop:.1f}"
        )
    lines.append(f"Continents on {last} (vw_continent_popularity):")
    for continent, movies, mean_pop in warehouse.rows(
        "SELECT continent, movies, mean_popularity FROM warehouse.vw_continent_popularity "
        "WHERE date_id = :d ORDER BY movies DESC, continent",
        d=did,
    ):
        lines.append(f"  {continent}: {movies} movies, mean popularity {mean_pop:.1f}")
    return "\n".join(lines)


def _count_sql(table: str) -> str:
    """How the summary counts a table's rows: count(*), or for the export's facts (millions of
    rows) the movies' per-day figures and the series' partitions' statistics."""
    if REGISTRY[table].count_rows:
        return f"SELECT count(*) FROM warehouse.{table}"
    if table == "fact_movie_popularity_daily":
        return "SELECT coalesce(sum(movies), 0) FROM warehouse.fact_catalogue_daily"
    # PostgreSQL's estimate of a large table (exact after each ANALYZE); a small one, counted.
    estimate = (
        "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint AS n FROM pg_inherits i "
        f"JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'warehouse.{table}'::regclass"
    )
    return (
        f"WITH e AS ({estimate}) SELECT CASE WHEN e.n >= 1000000 THEN e.n "
        f"ELSE (SELECT count(*) FROM warehouse.{table}) END FROM e"
    )


def _tv_lines(warehouse: Warehouse, last: dt.date) -> list[str]:
    """The day's top TV series and how many were discovered (none: TV was left out)."""
    did = date_id(last)
    series = warehouse.scalar(
        "SELECT count(*) FROM warehouse.fact_tv_daily WHERE date_id = :d", d=did
    )
    if not series:
        return []
    lines = [f"Top 5 TV series on {last} of {series} discovered (vw_tv_top):"]
    exported = warehouse.rows(
        "SELECT count(*), count(*) FILTER (WHERE popularity > 0) "
        "FROM warehouse.vw_tv_catalogue_popularity WHERE date_id = :d",
        d=did,
    )[0]
    if exported[0]:
        known = warehouse.scalar("SELECT count(*) FROM warehouse.dim_tv_series")
        lines.insert(
            0,
            f"TV catalogue on {last}: {exported[0]:,} series in TMDb's TV export; "
            f"dim_tv_series knows {known:,}",
        )
    for rank, name, pop, vote, votes, networks in warehouse.rows(
        "SELECT popularity_rank, name, popularity, vote_average, vote_count, networks "
        "FROM warehouse.vw_tv_top WHERE date_id = :d ORDER BY popularity_rank LIMIT 5",
        d=did,
    ):
        on = f" on {networks}" if networks else ""
        lines.append(f"  {rank}. {name}{on}  popularity {pop:.1f}, vote {vote} ({votes} votes)")
    return lines


def _catalogue_lines(warehouse: Warehouse, last: dt.date) -> list[str]:
    """The whole catalogue (TMDb's daily ID export) on the newest export day up to `last`."""
    row = warehouse.rows(
        "SELECT full_date, movies, new_movies, removed_movies, median_popularity, max_popularity "
        "FROM warehouse.vw_catalogue_daily WHERE date_id <= :d ORDER BY date_id DESC LIMIT 1",
        d=date_id(last),
    )
    if not row:
        return ["  Catalogue: no export day loaded (tmdb-assets run loads it once TMDb's file "
                "for a day is there, around 07:00-08:00 UTC the next morning)"]  # fmt: skip
    day, movies, new, removed, median, top = row[0]
    known, pending = warehouse.rows(
        "SELECT count(*), count(*) FILTER (WHERE details_status = 'pending') "
        "FROM warehouse.dim_movie"
    )[0]
    return [
        f"Catalogue on {day} (vw_catalogue_daily): {movies:,} movies in TMDb's export"
        + (f" ({new:,} new, {removed:,} removed)" if new is not None else "")
        + f", median popularity {median:.2f}, max {top:.1f}; dim_movie knows {known:,}, "
        f"{pending:,} with details still pending"
    ]


def print_summary(warehouse: Warehouse, days: list[dt.date], elapsed_s: float | None) -> None:
    print(summary_text(warehouse, days, elapsed_s))
