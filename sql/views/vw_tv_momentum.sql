-- vw_tv_momentum: its current definition and description, applied after the migrations on
-- every migrate (tmdb_assets/warehouse/views.py).
-- Thresholds (docs/design.md, "Momentum"): rising when popularity is at least 25% above its
-- value 7 days before, falling when at least 20% below (the same factor, 1.25, either way),
-- steady in between; NULL when the series was not in the TV discover window 7 days before.
CREATE OR REPLACE VIEW warehouse.vw_tv_momentum AS
SELECT
    f.date_id,
    d.full_date,
    f.tv_id,
    m.name,
    f.popularity,
    f.discover_rank                                       AS popularity_rank,
    w.popularity_ma7,
    w.days_in_ma7,
    p.popularity                                          AS popularity_7d_ago,
    f.popularity - p.popularity                           AS popularity_change_7d,
    CASE WHEN p.popularity > 0 THEN f.popularity / p.popularity - 1 END
                                                          AS popularity_change_7d_pct,
    p.discover_rank - f.discover_rank                     AS rank_change_7d,
    CASE
        WHEN p.popularity IS NULL OR f.popularity IS NULL THEN NULL
        WHEN f.popularity >= p.popularity * 1.25 THEN 'rising'
        WHEN f.popularity * 1.25 <= p.popularity THEN 'falling'
        ELSE 'steady'
    END                                                   AS momentum
FROM warehouse.fact_tv_daily f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
JOIN warehouse.dim_tv_series m ON m.tv_id = f.tv_id
LEFT JOIN warehouse.fact_tv_daily p
    ON p.tv_id = f.tv_id AND p.date_id = to_char(d.full_date - 7, 'YYYYMMDD')::integer
LEFT JOIN LATERAL (
    SELECT avg(g.popularity) AS popularity_ma7, count(*) AS days_in_ma7
    FROM warehouse.fact_tv_daily g
    WHERE g.tv_id = f.tv_id
      AND g.date_id BETWEEN to_char(d.full_date - 6, 'YYYYMMDD')::integer AND f.date_id
) w ON true;

COMMENT ON VIEW warehouse.vw_tv_momentum IS 'Per TV series and day of the TV discover window: popularity, its 7-day moving average (over the days the series was in the window), the change over 7 days (absolute, relative, in rank) and a label: rising (>= +25%), falling (<= -20%), steady, NULL when not in the window 7 days before.';
