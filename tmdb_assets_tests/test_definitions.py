"""The Definitions load and the graph is wired as designed."""

import subprocess
import sys

import dagster as dg
import pytest

from tmdb_assets.definitions import CHECKS, defs
from tmdb_assets.defs.partitions import daily_partitions
from tmdb_assets.warehouse.tables import SEED, TABLES

RAW = {
    "raw_discover_pages",
    "raw_movie_details",
    "raw_discover_tv_pages",
    "raw_tv_details",
    "raw_movie_id_export",
    "raw_movie_tail_details",
    "raw_trending",
    "raw_tv_id_export",
}
# The catalogue's own steps: they write into registry tables (dim_movie, dims, bridges), or
# compact the export facts' closed months.
TAIL = {
    "catalogue_movies",
    "catalogue_movie_details",
    "catalogue_tv_series",
    "fact_movie_popularity_monthly",
    "fact_tv_popularity_monthly",
}
CATALOGUE = {
    "raw_movie_id_export",
    "fact_movie_popularity_daily",
    "fact_catalogue_daily",
    "fact_catalogue_movers",
    "raw_movie_tail_details",
    "raw_tv_id_export",
    "fact_tv_popularity_daily",
    *TAIL,
}
PARTITIONED = RAW | set(TABLES) | TAIL
# Live SQL views: one object each, not a day; kept current by an automation condition.
VIEWS = {"vw_movie_latest", "vw_genre_popularity", "vw_top_movies", "vw_continent_popularity"}


def test_every_asset_is_there_partitioned_with_a_description():
    graph = defs.resolve_asset_graph()
    keys = {k.path[-1] for k in graph.get_all_asset_keys()}
    assert keys == PARTITIONED | VIEWS | {SEED.name}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and len(node.description) > 20, key
        if key.path[-1] in PARTITIONED:
            assert node.partitions_def == daily_partitions, key
            assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
        else:
            assert node.partitions_def is None
        if key.path[-1] in VIEWS:
            assert node.automation_condition is not None, key
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups == {"raw", "warehouse", "tv", "analytics"}


def test_lineage():
    graph = defs.resolve_asset_graph()

    def parents(name):
        return {k.path[-1] for k in graph.get(dg.AssetKey(name)).parent_keys}

    assert parents("raw_movie_details") == {"raw_discover_pages"}
    assert parents("fact_movie_daily") == {"raw_discover_pages", "dim_movie", "dim_date"}
    assert parents("raw_tv_details") == {"raw_discover_tv_pages"}
    assert parents("fact_tv_daily") == {"raw_discover_tv_pages", "dim_tv_series", "dim_date"}
    assert parents("bridge_tv_network") == {"dim_tv_series", "dim_network"}
    # A dimension both domains share waits for both captures.
    assert {"raw_discover_pages", "raw_discover_tv_pages"} <= parents("dim_genre")
    assert "country_continent" in parents("dim_country")
    assert parents("bridge_movie_country") == {"dim_movie", "dim_country"}
    assert "fact_movie_daily" in parents("vw_top_movies")


def test_schedule_runs_the_daily_job_after_each_day():
    schedule = defs.resolve_schedule_def("tmdb_daily_schedule")
    assert schedule.job_name == "tmdb_daily"
    assert schedule.cron_schedule == "30 0 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    job = defs.resolve_job_def("tmdb_daily")
    assert job.partitions_def == daily_partitions


def test_secrets_come_from_the_environment():
    tmdb = defs.resources["tmdb"]
    assert isinstance(tmdb.api_token, dg.EnvVar) and tmdb.api_token.env_var_name == "TMDB_API_TOKEN"


@pytest.mark.slow
def test_dagster_validates_the_definitions():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "definitions",
            "validate",
            "-m",
            "tmdb_assets.definitions",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]


# The checks written for one table; every table also has unique_key, and foreign_keys where
# the registry declares foreign keys.
SPECIFIC_CHECKS = {
    "raw_discover_pages": {"all_pages_captured", "pages_complete"},
    "raw_movie_details": {"every_movie_has_details_or_404"},
    "raw_discover_tv_pages": {"all_pages_captured", "pages_complete"},
    "raw_tv_details": {"every_series_has_details_or_404"},
    "dim_tv_series": {"details_failure_share"},
    "fact_tv_daily": {
        "matches_raw_discover", "values_in_range", "vote_count_not_dropping",
        "series_count_within_band",
    },
    "raw_trending": {"trending_pages_captured"},
    "dim_movie": {
        "details_failure_share", "non_negative_numbers", "release_date_plausible",
        "outside_ids_well_formed",
    },
    "bridge_movie_release": {"release_types_known"},
    "fact_watch_availability": {"one_open_row_per_offer", "availability_intervals_ordered"},
    "fact_tv_watch_availability": {"one_open_row_per_offer", "availability_intervals_ordered"},
    "fact_trending_daily": {"trending_ranks_without_gaps"},
    "dim_country": {"every_country_has_a_continent"},
    "fact_movie_popularity_daily": {"export_agrees_with_discover"},
    "fact_catalogue_daily": {"catalogue_count_within_band"},
    "catalogue_movies": {"every_export_movie_in_dim_movie"},
    "catalogue_tv_series": {"every_export_series_in_dim_tv_series"},
    "catalogue_movie_details": {"tail_details_loaded"},
    "fact_movie_popularity_monthly": {"compacted_days_read_back"},
    "fact_tv_popularity_monthly": {"compacted_days_read_back"},
    "bridge_movie_cast": {"cast_order_unique"},
    "bridge_movie_crew": {"every_movie_with_details_has_credits"},
    "fact_movie_daily": {
        "matches_raw_discover", "values_in_range", "vote_count_not_dropping",
        "movie_count_within_band", "fresh",
    },
}  # fmt: skip
EXPECTED_CHECKS = {name: set(checks) for name, checks in SPECIFIC_CHECKS.items()}
for _t in TABLES.values():
    EXPECTED_CHECKS.setdefault(_t.name, set()).add("unique_key")
    if _t.foreign_keys:
        EXPECTED_CHECKS[_t.name].add("foreign_keys")
BLOCKING = {
    ("raw_discover_pages", "all_pages_captured"),
    ("raw_discover_pages", "pages_complete"),
    ("fact_movie_daily", "matches_raw_discover"),
    ("raw_discover_tv_pages", "all_pages_captured"),
    ("raw_discover_tv_pages", "pages_complete"),
    ("fact_tv_daily", "matches_raw_discover"),
    ("raw_trending", "trending_pages_captured"),
    ("fact_watch_availability", "one_open_row_per_offer"),
    ("fact_tv_watch_availability", "one_open_row_per_offer"),
    *((t.name, "foreign_keys") for t in TABLES.values() if t.foreign_keys),
}


def test_every_check_and_the_asset_it_guards():
    graph = defs.resolve_asset_graph()
    found: dict[str, set[str]] = {}
    blocking = set()
    for key in graph.asset_check_keys:
        found.setdefault(key.asset_key.path[-1], set()).add(key.name)
        spec = graph.get_check_spec(key)
        if spec.blocking:
            blocking.add((key.asset_key.path[-1], key.name))
    assert found == EXPECTED_CHECKS
    assert blocking == BLOCKING
    assert len(graph.asset_check_keys) == len(CHECKS)


def test_a_day_runs_one_step_per_asset_with_its_checks_inside():
    """The daily job's steps: one per table (its checks run in its step) or per domain's
    bridges, and one for the four views, at most 30."""
    job = defs.resolve_job_def("tmdb_daily")
    steps = {node.name for node in job.graph.nodes}
    assets = {k.path[-1] for k in defs.resolve_asset_graph().get_all_asset_keys()}
    shared = {t.name for t in TABLES.values() if t.step}
    grouped = {"movie_bridges", "tv_bridges", "movie_watch", "tv_watch"}
    assert grouped == {t.step for t in TABLES.values() if t.step}
    expected = (assets - VIEWS - CATALOGUE - shared) | {"analytics_views"}
    assert steps == expected | grouped and len(steps) <= 30
    catalogue = defs.resolve_job_def("tmdb_catalogue")
    assert {node.name for node in catalogue.graph.nodes} == CATALOGUE


def test_owners_tags_freshness_and_the_failure_alert():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners == ["team:data-engineering"], key
        assert node.tags["pii"] == "none" and node.tags["layer"] == node.group_name, key
        assert "dagster/code_references" in node.metadata, key
        wants_freshness = key.path[-1] == "fact_movie_daily" or key.path[-1] in VIEWS
        assert (node.freshness_policy is not None) == wants_freshness, key
    assert defs.resolve_sensor_def("tmdb_run_failure_alert").default_status == (
        dg.DefaultSensorStatus.RUNNING
    )
