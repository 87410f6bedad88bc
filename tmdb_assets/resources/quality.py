"""Thresholds of the data-quality checks, tunable per deployment without code."""

import dagster as dg


class QualityResource(dg.ConfigurableResource):
    """What the asset checks tolerate before they warn or fail."""

    max_details_failure_share: float = 0.05  # ERROR above: share of a day's movies without details
    movie_count_band: float = 0.5  # WARN when a day's movie count moves more than ±50%
    catalogue_count_band: float = 0.05  # ERROR when the export's rows move more than ±5%
    vote_drop_tolerance: float = 0.01  # WARN when vote_count drops more than 1% ...
    vote_drop_min: int = 2  # ... and more than this many votes, day over day
    release_future_days: int = 365  # WARN: release_date this far after the day it was seen
    freshness_hours: float = 36.0  # ERROR: latest fact day ended longer ago than this
