"""Named SQL: every statement longer than a few lines lives in sql/queries/<name>.sql.

A query file holds `{{placeholders}}` for identifiers only (table and column names, from the
table registry, checked here to be plain identifiers) and for fragments the code composes from
them (a batch's typed SELECT, an upsert's SET list); every value is a bound `:parameter`.
"""

import functools
import re
from collections.abc import Mapping, Sequence

from sqlalchemy import TextClause, text

from tmdb_assets.settings import sql_dir

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@functools.cache
def source(name: str) -> str:
    path = sql_dir() / "queries" / f"{name}.sql"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"query {name!r}: {path} not found (set TMDB_SQL_DIR to the project's sql/ folder)"
        ) from None


def identifier(value: str | Sequence[str]) -> str:
    """A name (or a list of names, joined by commas) safe to put in SQL text."""
    if not isinstance(value, str):
        return ", ".join(identifier(v) for v in value)
    if not _IDENTIFIER.match(value):
        raise ValueError(f"{value!r} is not a plain SQL identifier")
    return value


def sql(
    name: str, fragments: Mapping[str, str] | None = None, **identifiers: str | Sequence[str]
) -> str:
    """The text of query `name` with its placeholders filled."""
    values = {k: identifier(v) for k, v in identifiers.items()}
    values.update(fragments or {})

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"query {name!r} needs {{{{{key}}}}}")
        return values[key]

    return _PLACEHOLDER.sub(fill, source(name))


def query(
    name: str, fragments: Mapping[str, str] | None = None, **identifiers: str | Sequence[str]
) -> TextClause:
    return text(sql(name, fragments, **identifiers))
