"""Project paths and environment-variable settings shared by the resources and the CLI."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The repository root when running from a checkout (editable install), else the cwd."""
    candidate = PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").exists() and (candidate / "sql").is_dir():
        return candidate
    return Path.cwd()


def sql_dir() -> Path:
    return Path(os.environ.get("TMDB_SQL_DIR", "").strip() or project_root() / "sql")


def data_dir() -> Path:
    return Path(os.environ.get("TMDB_SEED_DIR", "").strip() or project_root() / "data")


def state_dir() -> Path:
    """Git-ignored folder for the embedded PostgreSQL and the local Dagster home."""
    return Path(os.environ.get("TMDB_DATA_DIR", "").strip() or project_root() / ".tmdb_data")


DEFAULT_BASE_URL = "https://api.themoviedb.org/3"


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Read an integer setting from the environment with a clear error when it is malformed."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(
            f"{name}={raw!r} is not an integer; unset it or give a whole number"
        ) from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name}={value} is out of range [{minimum}, {maximum}]")
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number; unset it or give a number") from None
    if value < minimum:
        raise ValueError(f"{name}={value} must be >= {minimum}")
    return value
