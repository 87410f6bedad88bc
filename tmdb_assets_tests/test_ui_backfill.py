"""A backfill launched through the Dagster GraphQL API of a running `dagster dev`."""

import os
import shutil
import time

import pytest

from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.definitions import CATALOGUE_ASSETS, CHECKS
from tmdb_assets.settings import project_root
from tmdb_assets.warehouse.tables import TABLES
from tmdb_assets_tests.conftest import DAY1
from tmdb_assets_tests.dagster_dev import dagster_dev, graphql
from tmdb_simulator.server import RunningSimulator, SimulatorConfig

DAYS = ["2025-03-01", "2025-03-02", "2025-03-03"]


MATERIALIZATIONS = """
query($key: AssetKeyInput!, $parts: [String!]) { assetOrError(assetKey: $key) { ... on Asset {
  assetMaterializations(partitions: $parts, limit: 5) { partition timestamp metadataEntries {
    label __typename
    ... on IntMetadataEntry { intValue }
    ... on TextMetadataEntry { text }
    ... on BoolMetadataEntry { boolValue }
} } } } }
"""


def _entries(materialization: dict) -> dict:
    out = {}
    for e in materialization["metadataEntries"]:
        for field in ("intValue", "text", "boolValue"):
            if field in e:
                out[e["label"]] = e[field]
    return out


def partition_metadata(port: int, asset: str, day: str) -> dict:
    """The metadata the UI shows for one partition: its latest materialization's."""
    found = graphql(port, MATERIALIZATIONS, {"key": {"path": [asset]}, "parts": [day]})
    events = found["assetOrError"]["assetMaterializations"]
    assert events, f"{asset} {day}: no materialization"
    return _entries(max(events, key=lambda e: float(e["timestamp"])))


def latest_metadata(port: int, asset: str) -> dict | None:
    found = graphql(port, MATERIALIZATIONS, {"key": {"path": [asset]}, "parts": None})
    events = (found["assetOrError"] or {}).get("assetMaterializations") or []
    return _entries(max(events, key=lambda e: float(e["timestamp"]))) if events else None


def backfill_runs(port: int, backfill_id: str) -> list:
    return graphql(
        port,
        'query($id: String!) { runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {'
        " ... on Runs { results { runId status tags { key value } } } } }",
        {"id": backfill_id},
    )["runsOrError"]["results"]


@pytest.mark.slow
def test_backfill_from_the_graphql_api(database_url, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(project_root() / "dagster.yaml", home / "dagster.yaml")  # runs in PostgreSQL
    with RunningSimulator(SimulatorConfig(movies=300, rate_limit=0, date=DAY1)) as sim:
        sim.state.set_date(DAY1.replace(day=3))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
        env["TMDB_PARTITIONS_START"] = os.environ.get("TMDB_PARTITIONS_START", "2025-01-01")
        env.update(
            DAGSTER_HOME=str(home),
            TMDB_DATABASE_URL=database_url,
            TMDB_API_BASE_URL=sim.base_url,
            TMDB_API_TOKEN="ui-test-token",
            TMDB_DISCOVER_PAGES="2",
            TMDB_SCHEDULE_DEFAULT="stopped",
            # Days 1 and 2 are captured when the simulated clock says day 3: late, on purpose.
            TMDB_ALLOW_LATE_CAPTURE="1",
            TMDB_VIEWS_AUTOMATION_INTERVAL_SECONDS="5",
        )
        with dagster_dev(env, tmp_path) as port:
            deadline = time.monotonic() + 120
            nodes = None
            while time.monotonic() < deadline:
                try:
                    nodes = graphql(port, "{ assetNodes { assetKey { path } isPartitioned } }")[
                        "assetNodes"
                    ]
                    if nodes:
                        break
                except OSError:
                    pass
                time.sleep(1)
            assert nodes, "dagster dev did not come up"
            # Every partitioned asset of the daily job (the unpartitioned seed would get a run of
            # its own; the catalogue has its own job, its file built the next morning).
            keys = [
                n["assetKey"]
                for n in nodes
                if n["isPartitioned"] and n["assetKey"]["path"][-1] not in CATALOGUE_ASSETS
            ]
            # Raw captures and every registry table; the views are unpartitioned (live SQL views).
            assert {k["path"][-1] for k in keys} == {
                "raw_discover_pages",
                "raw_movie_details",
                "raw_trending",
                "raw_discover_tv_pages",
                "raw_tv_details",
            } | (set(TABLES) - set(CATALOGUE_ASSETS))
            launched = graphql(
                port,
                "mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {"
                " __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }",
                {"p": {"assetSelection": keys, "partitionNames": DAYS}},
            )["launchPartitionBackfill"]
            assert launched["__typename"] == "LaunchBackfillSuccess", launched
            backfill_id = launched["backfillId"]
            # The backfill's run finishes well before the backfill daemon (every 30 s) marks
            # the backfill complete: the run's results are checked meanwhile, the status last.
            runs: list = []
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                runs = backfill_runs(port, backfill_id)
                if runs and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
                    break
                time.sleep(2)
            assert [r["status"] for r in runs] == ["SUCCESS"]  # the whole range in one run
            tags = {t["key"]: t["value"] for t in runs[0]["tags"]}
            assert tags["dagster/asset_partition_range_start"] == DAYS[0]
            assert tags["dagster/asset_partition_range_end"] == DAYS[-1]
            # What the UI shows for each day of the range is that day's own figures.
            warehouse = Warehouse(database_url)
            for day in DAYS:
                meta = partition_metadata(port, "fact_movie_daily", day)
                did = int(day.replace("-", ""))
                assert meta["partition"] == day and meta["range_run"] == f"{DAYS[0]}..{DAYS[-1]}"
                assert meta["dagster/row_count"] == warehouse.scalar(
                    "SELECT count(*) FROM warehouse.fact_movie_daily WHERE date_id = :d", d=did
                )
                assert meta["top_movie"] == warehouse.scalar(
                    "SELECT m.title FROM warehouse.fact_movie_daily f JOIN warehouse.dim_movie m "
                    "USING (movie_id) WHERE f.date_id = :d "
                    "ORDER BY f.popularity DESC NULLS LAST, f.movie_id LIMIT 1",
                    d=did,
                )
            warehouse.engine.dispose()
            # Every check describes what it guards.
            nodes = graphql(
                port,
                "{ assetNodes { assetKey { path } assetChecksOrError {"
                " ... on AssetChecks { checks { name description } } } } }",
            )["assetNodes"]
            checks = [c for n in nodes for c in n["assetChecksOrError"].get("checks", [])]
            assert len(checks) == len(CHECKS) and all(
                len(c["description"] or "") > 20 for c in checks
            )
            # Dagster plans each check once per day of the range: every one of those is
            # evaluated (the range's result recorded on each day), so no "skipped" rows.
            for node in nodes:
                if node["assetKey"]["path"][-1] in CATALOGUE_ASSETS:
                    continue  # not in this backfill (the catalogue has its own job)
                for c in node["assetChecksOrError"].get("checks", []):
                    executions = graphql(
                        port,
                        "query($k: AssetKeyInput!, $n: String!) { assetCheckExecutions("
                        "assetKey: $k, checkName: $n, limit: 10) { runId status } }",
                        {"k": {"path": node["assetKey"]["path"]}, "n": c["name"]},
                    )["assetCheckExecutions"]
                    statuses = [e["status"] for e in executions]
                    # `fresh` fails (as a warning: these 2025 days are a catch-up run).
                    evaluated = "FAILED" if c["name"] == "fresh" else "SUCCEEDED"
                    assert statuses == [evaluated] * len(statuses), (c["name"], statuses)
                    assert len(statuses) >= 1 + len(DAYS), (c["name"], statuses)
            # The views are recorded after the load by the automation sensor (on by default).
            deadline = time.monotonic() + 150
            view = None
            while time.monotonic() < deadline and not view:
                view = latest_metadata(port, "vw_movie_latest")
                time.sleep(3)
            assert view and view["latest_day"] == DAYS[-1], view
            # The backfill daemon marks the backfill complete on its next 30-s loop; what
            # matters is here already: one run, successful, and the backfill not failed.
            status = graphql(
                port,
                "query($id: String!) { partitionBackfillOrError(backfillId: $id) {"
                " ... on PartitionBackfill { status } ... on PythonError { message } } }",
                {"id": backfill_id},
            )["partitionBackfillOrError"].get("status")
            assert status in ("REQUESTED", "COMPLETED_SUCCESS"), status
            assert len(backfill_runs(port, backfill_id)) == 1
    warehouse = Warehouse(database_url)
    assert warehouse.rows("SELECT DISTINCT date_id FROM warehouse.fact_movie_daily ORDER BY 1") == [
        (20250301,),
        (20250302,),
        (20250303,),
    ]
    # Captured on 2025-03-04: the first two days are late captures, the third is not.
    assert warehouse.rows(
        "SELECT partition_date::text, late_capture FROM raw.capture WHERE asset = 'raw_discover_pages' ORDER BY 1"
    ) == [("2025-03-01", True), ("2025-03-02", True), ("2025-03-03", False)]
    warehouse.engine.dispose()
