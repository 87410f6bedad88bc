"""The recorded TMDb responses in data/tmdb/: each file is listed with its provenance in
data/tmdb/SOURCES.md and parses; the TV ones (issue 25's groundwork) have the shapes the TV
path will rely on."""

import re

from tmdb_assets.settings import data_dir
from tmdb_assets_tests.conftest import load_sample

SAMPLES = data_dir() / "tmdb"


def test_every_recorded_response_is_listed_with_its_source_and_parses():
    listed = set(re.findall(r"^\| ([\w.-]+\.json) \|", (SAMPLES / "SOURCES.md").read_text(), re.M))
    files = {p.name for p in SAMPLES.glob("*.json")}
    assert files - listed == set()
    for name in files:
        load_sample(name)  # valid JSON


def test_the_recorded_tv_responses_have_the_shapes_the_tv_path_reads():
    for name in ("discover_tv_p1_2022-11-26.json", "discover_tv_p1_2016-02-09.json"):
        page = load_sample(name)
        assert page["page"] == 1 and page["total_pages"] > 1 and len(page["results"]) == 20
        for item in page["results"]:
            assert isinstance(item["id"], int) and item["name"] and "first_air_date" in item
            assert "title" not in item and isinstance(item["origin_country"], list)
    for name, tv_id in (("tv_1399_2024-03.json", 1399), ("tv_1396_2022-11-26.json", 1396)):
        tv = load_sample(name)
        assert tv["id"] == tv_id and tv["number_of_seasons"] == len(
            [s for s in tv["seasons"] if s["season_number"] > 0]
        )
        assert all({"id", "name"} <= set(n) for n in tv["networks"])
    credits = load_sample("tv_1399_aggregate_credits_2025-04.json")
    assert all(r["episode_count"] > 0 for c in credits["cast"] for r in c["roles"])
    assert all("job" in j and "episode_count" in j for c in credits["crew"] for j in c["jobs"])
    assert set(load_sample("tv_1399_keywords_2025-04.json")) == {"id", "results"}
