-- vw_network_popularity: its current definition and description, applied after the migrations
-- on every migrate (tmdb_assets/warehouse/views.py). A series on two networks counts for both.
CREATE OR REPLACE VIEW warehouse.vw_network_popularity AS
SELECT
    f.date_id,
    d.full_date,
    n.network_id,
    n.name                                   AS network,
    n.origin_country,
    count(*)                                 AS series,
    avg(f.popularity)                        AS mean_popularity,
    sum(f.popularity)                        AS total_popularity,
    max(f.popularity)                        AS max_popularity,
    avg(f.vote_average) FILTER (WHERE f.vote_count > 0) AS mean_vote_average,
    sum(f.vote_count)                        AS total_votes
FROM warehouse.fact_tv_daily f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
JOIN warehouse.bridge_tv_network bn ON bn.tv_id = f.tv_id
JOIN warehouse.dim_network n ON n.network_id = bn.network_id
GROUP BY f.date_id, d.full_date, n.network_id, n.name, n.origin_country;

COMMENT ON VIEW warehouse.vw_network_popularity IS 'Per day and network: how many of the day''s discovered TV series it airs, their mean, summed and highest popularity, mean vote (of series with votes) and total votes. A series on two networks counts for both (latest network membership).';
