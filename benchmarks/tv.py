"""The TV series' figures (issue 25): the TV extract against its request floor, a steady day's
details requests against the naive one a series, and the TV export's load against its COPY
floor. In a database and a simulator of their own, so the movie figures stay as they were.

- `extract_ratio`: day 1's TV capture (discover pages, every series' details: all new), wall
  time over its request floor (its requests at the simulator's rate limit).
- `steady_detail_requests` vs `steady_detail_requests_naive`: day 2's /tv/{id} requests (new,
  changed per /tv/changes, stale) against one per discovered series.
- `export_load_ratio`: fact_tv_popularity_daily's load of one day's file (its rows decompressed,
  parsed and COPY'd in id order) over the same rows COPY'd from a file into an empty table of
  the same definition.
"""

import datetime as dt
import time
import urllib.request
from statistics import median
from typing import Any

import dagster as dg

from benchmarks.run import ScratchDatabase, export_load_vs_floor, meta
from tmdb_assets.capture.export import capture_export, file_name
from tmdb_assets.capture.read import clear_cache
from tmdb_assets.cli.simulator import Simulator
from tmdb_assets.definitions import all_assets
from tmdb_assets.defs.resources import QualityResource, TMDbResource, WarehouseResource
from tmdb_assets.transform.media import TV
from tmdb_assets.warehouse.tables import TABLES

RAW_TV = dg.AssetSelection.assets(TV.discover_asset, TV.details_asset)


def measure_tv(args: Any, day1: dt.date) -> dict[str, Any]:
    """The three TV figures, in a database and a simulator of their own."""
    db = ScratchDatabase("tmdb_bench_tv")
    series = max(args.movies // 5, 200)  # about a series for five movies, as TMDb's
    # The TV export: a fifth of the movies' (--export-lines: about 200,000 series).
    tail = max(args.export_lines // 5 - series, 0)
    sim = Simulator(
        args.movies, 7, args.rate_limit, "--latency-ms", str(args.latency_ms),
        "--date", day1.isoformat(), "--tv-series", str(series), "--export-tail", str(tail * 5),
    )  # fmt: skip
    try:
        client_rate = args.client_rate or round(args.rate_limit * 0.95, 2)
        resources = {
            "tmdb": TMDbResource(
                api_token="bench",
                base_url=sim.base_url,
                discover_tv_pages=args.tv_pages,
                rate_limit_per_second=client_rate,
                max_concurrency=args.concurrency,
            ),
            "warehouse": WarehouseResource(database_url=db.url),
            "quality": QualityResource(freshness_hours=1e9),
        }
        wh = resources["warehouse"].get()

        def capture(day: dt.date) -> dg.ExecuteInProcessResult:
            clear_cache()
            return dg.materialize(
                all_assets, resources=resources, partition_key=day.isoformat(), selection=RAW_TV
            )

        sim.post("reset", {})
        t0 = time.perf_counter()
        first = capture(day1)
        wall = time.perf_counter() - t0
        stats = sim.stats()
        requests = stats["requests"]
        floor = requests / args.rate_limit
        discovered = meta(first, TV.discover_asset)["series"]
        sim.post("date", {"date": (day1 + dt.timedelta(days=1)).isoformat()})
        sim.post("reset", {})
        second = meta(capture(day1 + dt.timedelta(days=1)), TV.details_asset)
        steady = second["details_fetched"] + second["details_not_found"]
        export = _export_load(args, sim, wh, day1)
        return {
            "series": discovered,
            "extract_requests": requests,
            "extract_http_429": stats["by_status"].get("429", 0),
            "extract_wall_s": round(wall, 2),
            "extract_floor_s": round(floor, 2),
            "extract_ratio": round(wall / floor, 3),
            "steady_detail_requests": steady,
            "steady_detail_requests_naive": second["series"],
            "steady_share": round(steady / second["series"], 4),
            **export,
        }
    finally:
        sim.stop()
        db.close()


def _export_load(args: Any, sim: Simulator, wh, day1: dt.date) -> dict[str, Any]:
    """Day 1's TV export file loaded into fact_tv_popularity_daily, against the COPY floor."""
    sim.post("date", {"date": (day1 + dt.timedelta(days=1)).isoformat(), "time": "09:00"})
    exports_url = sim.base_url.removesuffix("/3") + "/p/exports"
    with urllib.request.urlopen(f"{exports_url}/{file_name(day1, media=TV)}", timeout=600) as r:
        r.read()  # not timed: the simulator builds the file on first request
    info = capture_export(wh, exports_url, day1, media=TV)
    table = TABLES[TV.export_table]
    loads, floors, result = export_load_vs_floor(wh, table, info, day1, args.load_repeats)
    load_s, floor_s = median(loads), median(floors)
    return {
        "export_rows": result["rows"],
        "export_load_s": round(load_s, 3),
        "export_copy_floor_s": round(floor_s, 3),
        "export_load_ratio": round(load_s / floor_s, 2),
        "export_load_samples_s": [round(x, 3) for x in loads],
        "export_copy_floor_samples_s": [round(x, 3) for x in floors],
    }
