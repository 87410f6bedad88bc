"""Every `TMDB_*` setting in one object: its type, default, bounds and what it does.

Read once per process (`get_settings()`); resources, the CLI and the domain code take their
values from it. Nothing else in `tmdb_assets` reads the environment. `python -m
tmdb_assets.settings` prints the table in docs/configuration.md (a test keeps the two equal).
"""

import datetime as dt
import functools
import os
import sys
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_API_BASE_URL = "https://api.themoviedb.org/3"
DEFAULT_EXPORTS_BASE_URL = "https://files.tmdb.org/p/exports"


class SettingsError(ValueError):
    """A setting in the environment is malformed or out of bounds; the message names it."""


class Settings(BaseSettings):
    """The project's configuration. Environment variables are `TMDB_` + the field's name."""

    model_config = SettingsConfigDict(
        env_prefix="TMDB_",
        env_ignore_empty=True,  # an empty variable means "the default", as a blank .env line
        str_strip_whitespace=True,
        extra="ignore",
        validate_default=True,
    )

    # --- TMDb ----------------------------------------------------------------------------------
    api_token: SecretStr = Field(
        SecretStr(""),
        description="TMDb v4 API Read Access Token (Bearer). Never logged or shown in the UI.",
    )
    api_base_url: str = Field(DEFAULT_API_BASE_URL, description="TMDb API v3 base URL.")
    exports_base_url: str = Field(
        DEFAULT_EXPORTS_BASE_URL, description="Where TMDb's daily ID export files are served."
    )
    discover_pages: int = Field(
        5, ge=1, le=500, description="Discover pages a day (20 movies each)."
    )
    discover_tv_pages: int = Field(
        5, ge=1, le=500, description="TV discover pages a day (20 series each)."
    )
    trending_pages: int = Field(
        3, ge=1, le=500, description="Pages of each trending list (day, week) a day."
    )
    max_concurrency: int = Field(8, ge=1, le=20, description="Parallel details requests.")
    rate_limit_per_second: float = Field(
        40.0, ge=0.1, description="Requests per second, one limiter per process."
    )
    details_max_age_days: int = Field(
        30, ge=1, description="Stored details older than this are fetched again."
    )
    tail_details_per_day: int = Field(
        2000, ge=0, description="Details requests a day for the export's long tail (0: none)."
    )
    language: str = Field("en-US", description="The `language` parameter of every request.")
    region: str = Field("", description="The discover `region` filter (empty: none).")
    include_adult: bool = Field(
        False, description="Adult movies in discover, and the export's adult ids' file."
    )
    allow_late_capture: bool = Field(
        False,
        description="Capture days that ended more than late_grace_hours ago (flagged late).",
    )
    export_sensor_interval_seconds: int = Field(
        600, ge=30, description="How often `tmdb_export_sensor` looks for new export files."
    )
    export_sensor_lookback_days: int = Field(
        7, ge=1, le=90, description="The days back it looks at (older ones: a backfill)."
    )
    details_write_batch: int = Field(
        200, ge=1, description="Fetched details written every N rows (or every 0.5 s)."
    )

    # --- storage -------------------------------------------------------------------------------
    database_url: str = Field(
        "",
        repr=False,
        description="SQLAlchemy URL of the warehouse (empty: the embedded PostgreSQL).",
    )
    dagster_postgres_url: str = Field(
        "",
        repr=False,
        validation_alias=AliasChoices("DAGSTER_POSTGRES_URL"),
        description="DAGSTER_POSTGRES_URL: the Dagster instance's database (default: the "
        "warehouse's database, or the embedded server's `dagster`).",
    )
    dagster_home: Path | None = Field(
        None,
        validation_alias=AliasChoices("DAGSTER_HOME"),
        description="DAGSTER_HOME: the Dagster instance's folder (default `.tmdb_data/dagster_home`).",
    )
    data_dir: Path | None = Field(
        None, description="Git-ignored state: the embedded PostgreSQL, the local Dagster home."
    )
    sql_dir: Path | None = Field(None, description="The migrations and views (default `sql/`).")
    seed_dir: Path | None = Field(None, description="The seed CSVs (default `data/`).")
    load_cache_movies: int = Field(
        30_000, ge=0, description="Parsed movies a process keeps between a run's loads."
    )
    reader_user: str = Field(
        "", description="Login created for the read-only role tmdb_reader (the dashboard)."
    )
    reader_password: SecretStr = Field(SecretStr(""), description="That login's password.")

    # --- Dagster -------------------------------------------------------------------------------
    partitions_start: dt.date = Field(
        dt.date(2026, 11, 1), description="The first daily partition a deployment offers."
    )
    schedule_default: Literal["running", "stopped"] = Field(
        "running", description="Whether the daily and catalogue schedules start on."
    )
    views_automation_interval_seconds: int = Field(
        30, ge=5, description="How often the views' automation sensor looks."
    )
    asset_owner: str = Field("team:data-engineering", description="Owner on every asset.")
    run_heartbeat_seconds: int = Field(15, ge=1, description="A live run's heartbeat period.")
    run_dead_after_seconds: int = Field(
        120, ge=5, description="A STARTED run without a heartbeat this long is closed as dead."
    )
    dagster_ui_url: str = Field(
        "http://127.0.0.1:3000", description="The UI's address, in failure alerts' links."
    )
    alert_webhook_url: str = Field(
        "", repr=False, description="A run failure is posted here as JSON (empty: logged only)."
    )

    # --- data-quality checks -------------------------------------------------------------------
    check_max_details_failure_share: float = Field(
        0.05, ge=0, le=1, description="ERROR above this share of a day's movies without details."
    )
    check_movie_count_band: float = Field(
        0.5, ge=0, description="WARN when a day's movie count moves more than this share."
    )
    check_catalogue_count_band: float = Field(
        0.05, ge=0, description="ERROR when the export's rows move more than this share."
    )
    check_vote_drop_tolerance: float = Field(
        0.01, ge=0, description="WARN when vote_count drops more than this share day over day."
    )
    check_vote_drop_min: int = Field(2, ge=0, description="... and by more than this many votes.")
    check_release_future_days: int = Field(
        365, ge=0, description="WARN: a release date this far after the day it was seen."
    )
    check_freshness_hours: float = Field(
        36.0, ge=0, description="ERROR: the latest fact day ended longer ago than this."
    )

    @property
    def state_dir(self) -> Path:
        return self.data_dir or project_root() / ".tmdb_data"

    @property
    def sql_path(self) -> Path:
        return self.sql_dir or project_root() / "sql"

    @property
    def seed_path(self) -> Path:
        return self.seed_dir or project_root() / "data"


def default(name: str):
    """A setting's default, for the resources' own field defaults (written once, here)."""
    value = Settings.model_fields[name].default
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def project_root() -> Path:
    """The repository root when running from a checkout (editable install), else the cwd."""
    candidate = PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").exists() and (candidate / "sql").is_dir():
        return candidate
    return Path.cwd()


def _environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_PREFIXES)))


_PREFIXES = ("TMDB_", "DAGSTER_HOME", "DAGSTER_POSTGRES_URL")


def get_settings() -> Settings:
    """The settings, read from the environment once (again only if a variable changed: tests)."""
    return _settings_for(_environment())


@functools.lru_cache(maxsize=1)
def _settings_for(environment: tuple[tuple[str, str], ...]) -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            name = field if field.startswith("DAGSTER_") else f"TMDB_{field}"
            problems.append(f"{name.upper()}={error.get('input')!r}: {error['msg']}")
        raise SettingsError(
            "bad setting(s) in the environment: " + "; ".join(problems) + " (unset or fix it)"
        ) from None


def child_environment(**extra: str) -> dict[str, str]:
    """This process's environment with `extra` set: for a child process (the dashboard)."""
    return {**os.environ, **extra}


def sql_dir() -> Path:
    return get_settings().sql_path


def data_dir() -> Path:
    return get_settings().seed_path


def state_dir() -> Path:
    """Git-ignored folder for the embedded PostgreSQL and the local Dagster home."""
    return get_settings().state_dir


def markdown_table() -> str:
    """The configuration table of docs/configuration.md, from the fields above."""
    lines = ["| variable | type | default | bounds | what it does |", "|---|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        var = alias.choices[0] if isinstance(alias, AliasChoices) else f"TMDB_{name.upper()}"
        kind = getattr(field.annotation, "__name__", str(field.annotation)).replace("typing.", "")
        value = default(name)
        shown = "" if value in ("", None) else str(value)
        bounds = " ".join(
            f"{op} {getattr(m, attr)}"
            for m in field.metadata
            for attr, op in (("ge", "≥"), ("le", "≤"))
            if getattr(m, attr, None) is not None
        )
        lines.append(
            f"| `{var}` | {kind} | {shown and f'`{shown}`'} | {bounds} | {field.description} |"
        )
    return "\n".join(lines)


BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"


def write_table(path: Path) -> None:
    """Put the table between the markers of `path` (docs/configuration.md)."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{markdown_table()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        write_table(Path(sys.argv[1]))
    else:
        sys.stdout.write(markdown_table() + "\n")
