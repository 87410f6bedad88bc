"""Seeds shipped in data/: the country -> continent mapping."""

import dagster as dg

from tmdb_assets.defs.common import table_metadata
from tmdb_assets.defs.resources import WarehouseResource
from tmdb_assets.settings import data_dir
from tmdb_assets.warehouse.seeds import load_country_continent


@dg.asset(
    group_name="warehouse",
    kinds={"postgres", "csv"},
    # Lets `dg launch --assets "*" --partition-range A...B` run the whole graph as one run.
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def country_continent(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The continent of every country code TMDb uses (historical ones such as SU or YU
    included), from data/country_continent.csv; sets dim_country.continent."""
    wh = warehouse.get()
    path = data_dir() / "country_continent.csv"
    with wh.begin() as conn:
        result = load_country_continent(conn, path)
    counts = wh.rows(
        "SELECT continent, count(*) FROM warehouse.country_continent GROUP BY 1 ORDER BY 1"
    )
    context.log.info(f"country_continent: {result}")
    return dg.MaterializeResult(
        metadata={
            **result,
            "source": str(path),
            "countries_per_continent": dg.MetadataValue.json({c: n for c, n in counts}),
            **table_metadata(wh, "warehouse.country_continent"),
        }
    )
