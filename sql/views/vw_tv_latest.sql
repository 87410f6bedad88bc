-- vw_tv_latest: its current definition and description, applied after the migrations on every
-- migrate (tmdb_assets/warehouse/views.py).
CREATE OR REPLACE VIEW warehouse.vw_tv_latest AS
SELECT
    s.tv_id,
    s.name,
    s.original_name,
    s.original_language,
    s.first_air_date,
    s.last_air_date,
    s.status,
    s.type,
    s.number_of_seasons,
    s.number_of_episodes,
    s.in_production,
    d.full_date AS latest_date,
    f.date_id   AS latest_date_id,
    f.popularity,
    f.vote_average,
    f.vote_count,
    f.discover_rank,
    f.captured_at,
    (SELECT string_agg(g.name, ', ' ORDER BY g.name)
       FROM warehouse.bridge_tv_genre bg
       JOIN warehouse.dim_genre g ON g.genre_id = bg.genre_id
      WHERE bg.tv_id = s.tv_id) AS genres,
    (SELECT string_agg(n.name, ', ' ORDER BY n.name)
       FROM warehouse.bridge_tv_network bn
       JOIN warehouse.dim_network n ON n.network_id = bn.network_id
      WHERE bn.tv_id = s.tv_id) AS networks
FROM warehouse.dim_tv_series s
CROSS JOIN LATERAL (
    SELECT * FROM warehouse.fact_tv_daily f
    WHERE f.tv_id = s.tv_id ORDER BY f.date_id DESC LIMIT 1
) f
JOIN warehouse.dim_date d ON d.date_id = f.date_id
WHERE s.last_seen_date IS NOT NULL;

COMMENT ON VIEW warehouse.vw_tv_latest IS 'Each TV series'' latest loaded day: popularity, votes and rank with its attributes (air dates, status, type, seasons, episodes), genres and networks.';
