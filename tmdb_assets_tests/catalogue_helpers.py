"""What the catalogue's tests share: the simulator's files host as the exports URL, a
catalogue day run, what the simulator serves, and hand-made lines with the real format's quirks."""

import gzip
import json
import urllib.request

from tmdb_assets.capture.export import file_name
from tmdb_assets.definitions import CATALOGUE, TV_SELECTION
from tmdb_assets.defs.resources import TMDbResource
from tmdb_assets.transform.media import MOVIE, Media
from tmdb_assets_tests.helpers import materialize_day

FACT = "warehouse.fact_movie_popularity_daily"
# The movies' catalogue (the series' export is test_tv.py's).
MOVIE_CATALOGUE = CATALOGUE - TV_SELECTION


def with_exports(resources: dict, sim) -> dict:
    """The test resources with the simulator's files host as TMDb's exports URL."""
    tmdb = resources["tmdb"]
    exports = sim.base_url.removesuffix("/3") + "/p/exports"
    return {
        **resources,
        "tmdb": TMDbResource(
            api_token=tmdb.api_token, base_url=tmdb.base_url, exports_base_url=exports
        ),
    }


def catalogue(resources, sim, day, served_on, **kwargs):
    """Partition `day` of the catalogue, the simulator's clock just after `served_on` ended."""
    sim.state.set_date(served_on)
    return materialize_day(resources, day, None, selection=MOVIE_CATALOGUE, **kwargs)


def served_ids(sim, day, adult: bool = False, media: Media = MOVIE) -> dict[int, dict]:
    url = sim.base_url.removesuffix("/3") + f"/p/exports/{file_name(day, adult, media=media)}"
    with urllib.request.urlopen(url) as resp:
        lines = gzip.decompress(resp.read()).decode().splitlines()
    out: dict[int, dict] = {}
    for line in lines:
        obj = json.loads(line)
        out.setdefault(obj["id"], obj)
    return out


def day_rows(warehouse, day) -> list[tuple]:
    return warehouse.rows(
        f"SELECT movie_id, popularity, adult, video FROM {FACT} WHERE date_id = :d ORDER BY 1",
        d=int(day.strftime("%Y%m%d")),
    )


QUIRKS = [
    '{"adult":false,"id":603,"original_title":"The Matrix","popularity":30.207,"video":false}',
    '{"adult":false,"id":19995,"original_title":"Аватар","popularity":0,"video":false}',
    '{"adult":false,"id":8392,"original_title":"となりのトトロ","popularity":12.5,"video":true}',
    '{"adult":true,"id":9999991,"original_title":"Adult","popularity":1.2,"video":false}',
    '{"adult":false,"id":603,"original_title":"The Matrix","popularity":30.207,"video":false}',
    "<html>not json</html>",
    '{"adult":false,"id":"x","original_title":"Bad id","popularity":1,"video":false}',
    '{"adult":false,"id":550,"original_title":"Fight Club","popularity":61.4',
]


# The simulator's clock for a catalogue day is the end of the next day (its file is built that
# morning): later than the file is usually there, so the tail's grace is widened to match.
def tail_config(budget: int, **extra) -> dict:
    return {
        "ops": {
            "raw_movie_tail_details": {
                "config": {"late_grace_hours": 48, "budget": budget, **extra}
            }
        }
    }
