"""The Dagster resources: the TMDb API, the warehouse and the checks' thresholds.

Each is a thin ConfigurableResource over the domain code (tmdb_assets.tmdb, tmdb_assets.db); its
defaults are the settings' (tmdb_assets/settings.py), and definitions.py builds them from those.
"""

import logging
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from tmdb_assets.capture.read import clear_day_cache
from tmdb_assets.db.warehouse import Warehouse, WarehouseError, resolve_database_url, safe_url
from tmdb_assets.defs.runs import RunHeartbeat
from tmdb_assets.settings import (
    DEFAULT_API_BASE_URL,
    DEFAULT_EXPORTS_BASE_URL,
    default,
    get_settings,
)
from tmdb_assets.tmdb.client import TMDbClient
from tmdb_assets.transform.media import MOVIE, TV, Media
from tmdb_assets.warehouse.schema import migrate_once

log = logging.getLogger(__name__)


class TMDbResource(dg.ConfigurableResource):
    """The TMDb API (or the local simulator: only base_url and token differ)."""

    api_token: str = Field(description="v4 API Read Access Token (from TMDB_API_TOKEN)")
    base_url: str = DEFAULT_API_BASE_URL
    # TMDb's files host (daily ID exports): no token is sent there.
    exports_base_url: str = DEFAULT_EXPORTS_BASE_URL
    discover_pages: int = default("discover_pages")
    discover_tv_pages: int = default("discover_tv_pages")
    trending_pages: int = default("trending_pages")
    max_concurrency: int = default("max_concurrency")
    rate_limit_per_second: float = default("rate_limit_per_second")
    max_retries: int = 5
    backoff_max_s: float = 30.0
    read_timeout_s: float = 30.0
    details_max_age_days: int = default("details_max_age_days")
    # The long tail's details (movies of the daily ID export outside the discover window): at
    # most this many /movie/{id} requests a day (TMDB_TAIL_DETAILS_PER_DAY; 0: none).
    tail_details_per_day: int = default("tail_details_per_day")
    language: str = default("language")
    region: str = default("region")
    include_adult: bool = default("include_adult")

    def client(self, logger: Any = None) -> TMDbClient:
        return TMDbClient(
            self.api_token,
            self.base_url,
            rate_limit_per_second=self.rate_limit_per_second,
            max_concurrency=self.max_concurrency,
            read_timeout_s=self.read_timeout_s,
            max_retries=self.max_retries,
            backoff_max_s=self.backoff_max_s,
            logger=logger,
        )

    def pages_of(self, media: Media) -> int:
        """Discover pages a day of `media` (TMDB_DISCOVER_PAGES, TMDB_DISCOVER_TV_PAGES)."""
        return self.discover_tv_pages if media is TV else self.discover_pages

    def discover_params(self, media: Media = MOVIE) -> dict[str, Any]:
        params: dict[str, Any] = {
            "sort_by": "popularity.desc",
            "include_adult": str(self.include_adult).lower(),
            "language": self.language,
        }
        if media is MOVIE:  # /discover/tv has no videos and no release region
            params["include_video"] = "false"
            if self.region:
                params["region"] = self.region
        return params


class WarehouseResource(dg.ConfigurableResource):
    """PostgreSQL warehouse. Empty database_url: the embedded server under .tmdb_data/."""

    database_url: str = ""

    _warehouse: Warehouse | None = PrivateAttr(default=None)
    _heartbeat: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Every run of this project uses the warehouse: its heartbeat starts here, so a run
        # whose process dies is found and closed (tmdb_assets/defs/runs.py).
        run = context.run
        if context.instance is not None and run is not None:
            try:
                self._heartbeat = RunHeartbeat(context.instance, run.run_id).start()
            except Exception as exc:  # never fail a run for its heartbeat
                log.warning("run heartbeat not started: %s", exc)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._heartbeat is not None:
            self._heartbeat.stop()
        # The parsed raw days are shared by the assets of one run; a process that runs night
        # after night (a soak, an in-process code server) must not keep them all.
        clear_day_cache()

    def get(self) -> Warehouse:
        if self._warehouse is None:
            url = resolve_database_url(self.database_url or get_settings().database_url)
            try:
                warehouse = Warehouse(url)
                migrate_once(warehouse)
            except WarehouseError:
                raise
            except Exception as exc:
                raise WarehouseError(
                    f"cannot use the warehouse at {safe_url(url)}: {type(exc).__name__}: "
                    f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}. Check that "
                    "PostgreSQL is running and TMDB_DATABASE_URL is right (unset it to use the "
                    "embedded server)."
                ) from exc
            self._warehouse = warehouse
        return self._warehouse


class QualityResource(dg.ConfigurableResource):
    """What the asset checks tolerate before they warn or fail (defaults: TMDB_CHECK_*)."""

    max_details_failure_share: float = default("check_max_details_failure_share")
    movie_count_band: float = default("check_movie_count_band")
    catalogue_count_band: float = default("check_catalogue_count_band")
    vote_drop_tolerance: float = default("check_vote_drop_tolerance")
    vote_drop_min: int = default("check_vote_drop_min")
    release_future_days: int = default("check_release_future_days")
    freshness_hours: float = default("check_freshness_hours")
