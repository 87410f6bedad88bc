"""The analytics views: one file each, `sql/views/<view>.sql`, its current definition and comment.

Applied after the numbered migrations on every migrate, in dependency order (a view that reads
another comes after it). A file whose text is unchanged since it was last applied (its sha256
is recorded in `public.tmdb_schema_views`) is not applied again, so a process's first migrate
takes no lock on the views. A changed file replaces its view in place; when PostgreSQL refuses
that (a column dropped, renamed or retyped) the view is dropped with its dependents, which are
then created again from their own files, in the same transaction.

A view that is another's over the other domain (vw_tv_momentum is vw_movie_momentum over the TV
series) is not written twice: its file says `-- derived-from: <view>` and `-- rename: a=b ...`,
and its definition is that view's with the names renamed (whole words; each must occur), beside
its own comment. Changing the source view re-applies both.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from graphlib import TopologicalSorter
from pathlib import Path

import psycopg2.errors
from sqlalchemy import Connection, text

from tmdb_assets.db.queries import identifier
from tmdb_assets.db.warehouse import WarehouseError
from tmdb_assets.settings import sql_dir

VIEWS_TABLE = "public.tmdb_schema_views"
_READS = re.compile(r"\bwarehouse\.(vw_\w+)")
_COMMENT = re.compile(r"^COMMENT ON VIEW warehouse\.(\w+) IS '((?:[^']|'')*)';", re.M)
_DERIVED = re.compile(r"^-- derived-from: (vw_\w+)\s*$", re.M)
_RENAME = re.compile(r"^-- rename: (.+)$", re.M)


@dataclass(frozen=True)
class View:
    name: str
    path: Path

    @cached_property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @cached_property
    def sql(self) -> str:
        """What is applied: the file, or for a derived view its source's definition renamed
        and this file's comment."""
        source = _DERIVED.search(self.text)
        if source is None:
            return self.text
        origin = View(source.group(1), self.path.with_name(f"{source.group(1)}.sql"))
        renames = dict(pair.split("=", 1) for m in _RENAME.findall(self.text) for pair in m.split())
        renames[origin.name] = self.name
        definition = _COMMENT.sub("", origin.sql)
        body = definition[definition.index("CREATE OR REPLACE VIEW") :].strip()
        for old, new in renames.items():
            body, n = re.subn(rf"\b{re.escape(old)}\b", new, body)
            if not n:
                raise WarehouseError(f"{self.path}: {old!r} is not in {origin.path.name}")
        return f"{body}\n\n{self.text.strip()}\n"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def description(self) -> str:
        """The view's COMMENT ON VIEW: what the database, the Dagster UI and the docs show."""
        match = _COMMENT.search(self.sql)
        if match is None or match.group(1) != self.name:
            raise WarehouseError(f"{self.path} has no COMMENT ON VIEW warehouse.{self.name}")
        return match.group(2).replace("''", "'")

    @property
    def reads(self) -> set[str]:
        """The other views it selects from."""
        return set(_READS.findall(self.sql)) - {self.name}


def discover_views(directory: Path | None = None) -> list[View]:
    """Every view file, in dependency order (then by name)."""
    folder = (directory or sql_dir()) / "views"
    views = {p.stem: View(p.stem, p) for p in sorted(folder.glob("vw_*.sql"))}
    graph = TopologicalSorter({name: sorted(v.reads & views.keys()) for name, v in views.items()})
    graph.prepare()
    ordered: list[str] = []
    while graph.is_active():
        ready = sorted(graph.get_ready())
        ordered += ready
        graph.done(*ready)
    return [views[name] for name in ordered]


def view(name: str) -> View:
    """One view by name (the analytics assets read their descriptions here)."""
    found = [v for v in discover_views() if v.name == name]
    if not found:
        raise WarehouseError(f"no sql/views/{name}.sql")
    return found[0]


def apply_views(
    conn: Connection, directory: Path | None = None, *, every: bool = False
) -> list[str]:
    """Create or replace each view whose file changed or whose view is missing (`every`: each
    view, as after a rebuild of the schema); returns them. Runs in the caller's transaction."""
    conn.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {VIEWS_TABLE} (name text PRIMARY KEY, "
            "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
    )
    applied_sums = dict(conn.execute(text(f"SELECT name, checksum FROM {VIEWS_TABLE}")).all())
    applied: list[str] = []
    for v in discover_views(directory):
        if not every and applied_sums.get(v.name) == v.checksum and _exists(conn, v.name):
            continue
        _create(conn, v)
        conn.execute(
            text(
                f"INSERT INTO {VIEWS_TABLE} (name, checksum) VALUES (:n, :c) ON CONFLICT (name) "
                "DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()"
            ),
            {"n": v.name, "c": v.checksum},
        )
        applied.append(v.name)
    return applied


def _exists(conn: Connection, name: str) -> bool:
    return bool(
        conn.execute(
            text("SELECT 1 FROM pg_views WHERE schemaname = 'warehouse' AND viewname = :n"),
            {"n": name},
        ).first()
    )


def _create(conn: Connection, v: View) -> None:
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute("SAVEPOINT tmdb_view")
    try:
        cursor.execute(v.sql)
    except psycopg2.errors.InvalidTableDefinition:
        # CREATE OR REPLACE cannot drop, rename or retype a column: drop the view and what
        # reads it (those come later in dependency order and are created again then).
        cursor.execute("ROLLBACK TO SAVEPOINT tmdb_view")
        cursor.execute(f"DROP VIEW {identifier('warehouse.' + v.name)} CASCADE")
        cursor.execute(v.sql)
    cursor.execute("RELEASE SAVEPOINT tmdb_view")
