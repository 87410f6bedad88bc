"""Seeds shipped in data/: the country -> continent mapping (parsed, validated, loaded)."""

import csv
import io
from pathlib import Path

from sqlalchemy import Connection, text

from tmdb_assets.db.bulk import upsert
from tmdb_assets.db.queries import query
from tmdb_assets.db.warehouse import partition_lock
from tmdb_assets.settings import data_dir

CONTINENT_CODES = {
    "AF": "Africa", "AN": "Antarctica", "AS": "Asia", "EU": "Europe",
    "NA": "North America", "OC": "Oceania", "SA": "South America",
}  # fmt: skip


def continents(conn: Connection) -> dict[str, tuple[str, str]]:
    rows = conn.execute(
        text("SELECT iso_3166_1, continent_code, continent FROM warehouse.country_continent")
    ).all()
    if not rows:
        # A fresh warehouse backfilled without the seed: load the shipped CSV now rather than
        # fail (the country_continent asset does the same, and reloads it when it changes).
        load_country_continent(conn, data_dir() / "country_continent.csv")
        return continents(conn)
    return {r[0]: (r[1], r[2]) for r in rows}


class SeedError(ValueError):
    """The country/continent CSV is malformed; the message names the line and the fix."""


def parse_country_continent(
    content: str, source: str = "country_continent.csv"
) -> list[tuple[str, str, str, str]]:
    reader = csv.DictReader(io.StringIO(content))
    required = ["iso_3166_1", "country_name", "continent_code", "continent"]
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise SeedError(
            f"{source} line 1 (header): missing column(s) {', '.join(missing)}; the header must "
            f"include {', '.join(required)} (found: {', '.join(header) or 'nothing'})"
        )
    reader.fieldnames = header
    rows: dict[str, tuple[str, str, str, str]] = {}
    for line, row in enumerate(reader, start=2):
        code = (row.get("iso_3166_1") or "").strip().upper()
        cont = (row.get("continent_code") or "").strip().upper()
        name = (row.get("country_name") or "").strip()
        if len(code) != 2 or not code.isalpha() or not code.isascii():
            raise SeedError(f"{source} line {line}: iso_3166_1 {code!r} is not a two-letter code")
        if cont not in CONTINENT_CODES:
            raise SeedError(
                f"{source} line {line}: continent_code {cont!r} for {code} is not one of {sorted(CONTINENT_CODES)}"
            )
        if not name:
            raise SeedError(f"{source} line {line}: country_name is empty for {code}")
        continent = (row.get("continent") or "").strip()
        if continent != CONTINENT_CODES[cont]:
            raise SeedError(
                f"{source} line {line}, column continent: {continent!r} for {code} does not "
                f"match continent_code {cont} ({CONTINENT_CODES[cont]!r}); fix one of the two"
            )
        if code in rows:
            raise SeedError(f"{source} line {line}: {code} appears twice; keep one row per code")
        rows[code] = (code, name, cont, CONTINENT_CODES[cont])
    if not rows:
        raise SeedError(f"{source}: no rows")
    return [rows[c] for c in sorted(rows)]


def load_country_continent(conn: Connection, path: Path) -> dict[str, int]:
    rows = parse_country_continent(path.read_text(encoding="utf-8"), path.name)
    partition_lock(conn, "country_continent")
    result = upsert(
        conn,
        "warehouse.country_continent",
        ["iso_3166_1", "country_name", "continent_code", "continent"],
        rows,
        ["iso_3166_1"],
        guard=None,
    )
    codes = [r[0] for r in rows]
    removed = conn.execute(
        text("DELETE FROM warehouse.country_continent WHERE NOT (iso_3166_1 = ANY(:c))"),
        {"c": codes},
    ).rowcount
    enriched = conn.execute(query("country_continent_enrich")).rowcount
    return {
        "rows": len(rows),
        "inserted": result.inserted,
        "updated": result.updated,
        "removed": int(removed),
        "dim_country_enriched": int(enriched),
    }
