-- vw_provider_catalogue_daily: its current definition and description, applied after the
-- migrations on every migrate (tmdb_assets/warehouse/views.py). Counted from the intervals'
-- starts and ends (a running sum per provider, country and kind), not one probe per day and
-- row: a year of history stays fast. A filter on iso_3166_1 or provider_id is pushed down.
CREATE OR REPLACE VIEW warehouse.vw_provider_catalogue_daily AS
WITH deltas AS (
    SELECT iso_3166_1, provider_id, kind, day, sum(delta) AS delta
    FROM (
        SELECT iso_3166_1, provider_id, kind, valid_from AS day, 1 AS delta
        FROM warehouse.fact_watch_availability
        UNION ALL
        SELECT iso_3166_1, provider_id, kind, valid_to, -1
        FROM warehouse.fact_watch_availability WHERE valid_to IS NOT NULL
    ) e
    GROUP BY iso_3166_1, provider_id, kind, day
),
running AS (
    SELECT iso_3166_1, provider_id, kind, day,
           sum(delta) OVER w AS movies,
           lead(day) OVER w AS next_day
    FROM deltas
    WINDOW w AS (PARTITION BY iso_3166_1, provider_id, kind ORDER BY day)
)
SELECT
    d.date_id,
    d.full_date,
    r.iso_3166_1,
    r.provider_id,
    p.name      AS provider,
    r.kind,
    r.movies::integer AS movies
FROM running r
JOIN warehouse.dim_date d
    ON d.full_date >= r.day AND (r.next_day IS NULL OR d.full_date < r.next_day)
JOIN warehouse.dim_watch_provider p ON p.provider_id = r.provider_id
WHERE r.movies > 0;

COMMENT ON VIEW warehouse.vw_provider_catalogue_daily IS 'Per loaded day, country, provider and kind: how many movies were available there, by the availability history (an offer counts from the day it was first observed until the first observation without it).';
