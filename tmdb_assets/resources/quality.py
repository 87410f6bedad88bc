"""Thresholds of the data-quality checks, tunable per deployment without code."""

import dagster as dg

from tmdb_assets.settings import default


class QualityResource(dg.ConfigurableResource):
    """What the asset checks tolerate before they warn or fail (defaults: TMDB_CHECK_*)."""

    max_details_failure_share: float = default("check_max_details_failure_share")
    movie_count_band: float = default("check_movie_count_band")
    catalogue_count_band: float = default("check_catalogue_count_band")
    vote_drop_tolerance: float = default("check_vote_drop_tolerance")
    vote_drop_min: int = default("check_vote_drop_min")
    release_future_days: int = default("check_release_future_days")
    freshness_hours: float = default("check_freshness_hours")
