"""Reading TMDb's values as they come: numbers as integers, floats or strings, unknown dates as
"", optional text as null or "" (see data/tmdb/ for the real responses); and `Rejected`, what
is set aside with its reason. Pure: no I/O."""

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class PayloadError(ValueError):
    """A payload that cannot be turned into rows; the message is the quarantine reason."""


def parse_date(value: Any) -> dt.date | None:
    """TMDb dates: "YYYY-MM-DD", "" or null for unknown. Unreadable dates count as unknown."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def to_float(value: Any, name: str, *, default: float | None = None) -> float:
    """A number that may arrive as int, float or numeric string; anything else is an error."""
    kind = type(value)
    if kind is float and math.isfinite(value):  # the common cases first: this runs per field
        return value
    if kind is int:
        return float(value)
    if value is None:
        if default is not None:
            return default
        raise PayloadError(f"{name} is missing")
    if isinstance(value, bool):
        raise PayloadError(f"{name} is a boolean ({value!r}), not a number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise PayloadError(f"{name} is {value!r}, not a number") from None
    else:
        raise PayloadError(f"{name} is a {type(value).__name__}, not a number")
    if math.isnan(number) or math.isinf(number):
        raise PayloadError(f"{name} is {value!r}, not a finite number")
    return number


# Column types: ids, counts and runtime are PostgreSQL integer; budget and revenue are bigint.
INT32 = 2**31 - 1
INT64 = 2**63 - 1


def to_int(value: Any, name: str, *, default: int | None = None, limit: int = INT32) -> int:
    """A whole number that fits its column (|n| <= limit); anything else is an error, so one
    absurd number quarantines its payload instead of failing the whole day's load."""
    if type(value) is int:
        number = value
    else:
        f = to_float(value, name, default=None if default is None else float(default))
        if not f.is_integer():
            raise PayloadError(f"{name} is {value!r}, not a whole number")
        number = int(f)
    if -limit - 1 <= number <= limit:
        return number
    raise PayloadError(f"{name} is {value!r}, out of range (at most {limit:,})")


def optional_int(value: Any, name: str, *, limit: int = INT32) -> int | None:
    return None if value is None or value == "" else to_int(value, name, limit=limit)


def optional_bool(value: Any) -> bool | None:
    """A JSON boolean, or NULL for anything else (missing, null, a string)."""
    return value if isinstance(value, bool) else None


def clean_text(value: Any) -> str | None:
    """Optional text: "" and whitespace-only become NULL; NUL characters (which PostgreSQL text
    cannot hold) are dropped."""
    if type(value) is str:  # the common case first: this runs for every text field of a day
        if "\x00" in value:
            value = value.replace("\x00", "")
        return value if value and not value.isspace() else None
    if value is None:
        return None
    text = str(value).replace("\x00", "")
    return text if text.strip() else None


def is_object(value: Any) -> bool:
    """A JSON object (decoded JSON gives dicts: checked first, the ABC check is slower)."""
    return type(value) is dict or isinstance(value, Mapping)


def movie_id_of(payload: Any, what: str = "payload") -> int:
    if not is_object(payload):
        raise PayloadError(f"{what} is a {type(payload).__name__}, not an object")
    raw = payload.get("id")
    if raw is None:
        raise PayloadError(f"{what} has no id")
    movie_id = to_int(raw, f"{what} id")
    if movie_id <= 0:
        raise PayloadError(f"{what} id {movie_id} is not positive")
    return movie_id


@dataclass
class Rejected:
    """A payload, or one field of it, set aside with its reason.

    `field` None: the whole payload was unusable (no id, not an object) and its movie has no row
    from it. `field` set: only that field was bad; the movie keeps every field that parsed and
    this one is NULL (or, for a list, keeps its good entries).
    """

    source: str
    movie_id: int | None
    reason: str
    payload: Any
    field: str | None = None


def keep_or_reject(
    problems: list[Rejected], source: str, movie_id: int, where: str, name: str, value: Any, parse
) -> Any:
    """parse(value), or None with the problem recorded when the value cannot be read."""
    try:
        return parse(value)
    except PayloadError as exc:
        problems.append(
            Rejected(source, movie_id, f"{where}{exc}", {"field": name, "value": value}, name)
        )
        return None


def in_range(name: str, low: float, high: float | None, convert):
    def parse(value: Any) -> Any:
        number = convert(value, name)
        if number < low or (high is not None and number > high):
            bound = f"within [{low:g}, {high:g}]" if high is not None else f">= {low:g}"
            raise PayloadError(f"{name} is {value!r}, not {bound}")
        return number

    return parse


def id_list(name: str, problems: list[Rejected], source: str, movie_id: int, where: str):
    """A list of integer ids; bad entries are quarantined, the good ones kept."""

    def parse(value: Any) -> tuple[int, ...]:
        if not isinstance(value, list):
            raise PayloadError(f"{name} is a {type(value).__name__} ({value!r}), not a list")
        out = set()
        for entry in value:
            got = keep_or_reject(problems, source, movie_id, where, name, entry, _entry)
            if got is not None:
                out.add(got)
        return tuple(sorted(out))

    def _entry(entry: Any) -> int:
        return to_int(entry, f"{name}[]")

    return parse


def objects_of(payload: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = payload.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{key} is a {type(value).__name__}, not a list")
    return [v for v in value if is_object(v)]
