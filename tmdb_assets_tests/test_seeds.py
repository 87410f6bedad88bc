"""The country -> continent seed: parsing (no database) and a bad file never loaded."""

import os

import pytest

from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.settings import data_dir
from tmdb_assets.warehouse.seeds import CONTINENT_CODES, SeedError, parse_country_continent


def test_the_shipped_csv_parses_with_every_continent():
    parsed = parse_country_continent((data_dir() / "country_continent.csv").read_text())
    assert len(parsed) == 251 and len({r[0] for r in parsed}) == 251
    assert {r[2] for r in parsed} == set(CONTINENT_CODES)
    assert ("SU", "Soviet Union", "EU", "Europe") in parsed  # historical codes TMDb uses


def test_whitespace_and_case_are_normalised():
    H = "iso_3166_1 , country_name,continent_code, continent\n"
    assert parse_country_continent(H + " us ,United States, na ,North America\n") == [
        ("US", "United States", "NA", "North America")
    ]


H = "iso_3166_1,country_name,continent_code,continent\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("code,continent\nUS,NA\n", "line 1 (header): missing column(s) iso_3166_1"),
        # Without its continent column: rejected, naming the line and the column.
        (
            "iso_3166_1,country_name,continent_code\nUS,United States,NA\n",
            "line 1 (header): missing column(s) continent;",
        ),
        (H + "USA,United States,NA,North America\n", "line 2: iso_3166_1 'USA'"),
        (H + "US,United States,XX,North America\n", "continent_code 'XX'"),
        (H + "US,United States,NA,Europe\n", "line 2, column continent: 'Europe' for US"),
        (H + "US,A,NA,North America\nUS,B,NA,North America\n", "line 3: US appears twice"),
        (H, "no rows"),
    ],
)
def test_bad_csv_is_explained(content, message):
    with pytest.raises(SeedError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_country_continent(content)


def test_bad_csv_keeps_the_loaded_mapping(database_url, tmp_path):
    import dagster as dg

    from tmdb_assets.defs.resources import WarehouseResource
    from tmdb_assets.defs.warehouse.seeds import country_continent

    resources = {"warehouse": WarehouseResource(database_url=database_url)}
    assert dg.materialize([country_continent], resources=resources).success
    (tmp_path / "country_continent.csv").write_text(
        "iso_3166_1,country_name,continent_code,continent\nUS,A,??,North America\n"
    )
    os.environ["TMDB_SEED_DIR"] = str(tmp_path)
    try:
        result = dg.materialize([country_continent], resources=resources, raise_on_error=False)
    finally:
        del os.environ["TMDB_SEED_DIR"]
    assert not result.success
    warehouse = Warehouse(database_url)
    assert warehouse.scalar("SELECT count(*) FROM warehouse.country_continent") == 251
