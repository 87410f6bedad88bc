-- vw_tv_top: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py).
CREATE OR REPLACE VIEW warehouse.vw_tv_top AS
SELECT * FROM (
    SELECT
        f.date_id,
        d.full_date,
        row_number() OVER (PARTITION BY f.date_id ORDER BY f.popularity DESC NULLS LAST, f.tv_id) AS popularity_rank,
        f.tv_id,
        s.name,
        s.original_language,
        s.first_air_date,
        s.status,
        f.popularity,
        f.vote_average,
        f.vote_count,
        (SELECT string_agg(n.name, ', ' ORDER BY n.name)
           FROM warehouse.bridge_tv_network bn
           JOIN warehouse.dim_network n ON n.network_id = bn.network_id
          WHERE bn.tv_id = f.tv_id) AS networks
    FROM warehouse.fact_tv_daily f
    JOIN warehouse.dim_date d ON d.date_id = f.date_id
    JOIN warehouse.dim_tv_series s ON s.tv_id = f.tv_id
) ranked
WHERE popularity_rank <= 100;

COMMENT ON VIEW warehouse.vw_tv_top IS 'Per day, the 100 most popular discovered TV series, ranked, with their networks.';
