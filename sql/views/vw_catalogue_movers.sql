-- vw_catalogue_movers: its current definition and description, applied after the migrations on
-- every migrate (tmdb_assets/warehouse/views.py).
CREATE OR REPLACE VIEW warehouse.vw_catalogue_movers AS
SELECT
    c.date_id,
    to_date(c.date_id::text, 'YYYYMMDD') AS full_date,
    c.direction,
    c.rank,
    c.movie_id,
    coalesce(m.title, m.original_title) AS title,
    c.popularity,
    c.popularity_7d_ago,
    c.popularity_change_7d,
    c.popularity_change_7d_pct,
    m.last_seen_date IS NOT NULL AS ever_in_discover
FROM warehouse.fact_catalogue_movers c
LEFT JOIN warehouse.dim_movie m ON m.movie_id = c.movie_id;

COMMENT ON VIEW warehouse.vw_catalogue_movers IS 'Per export day, the movies of the whole catalogue (TMDb''s daily ID export: every movie) whose popularity rose or fell most over 7 days, ranked by the change; ever_in_discover tells the ones the discover window never showed.';
