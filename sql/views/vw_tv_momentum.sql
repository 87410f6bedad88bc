-- vw_tv_momentum: vw_movie_momentum over the TV series (tmdb_assets/warehouse/views.py derives
-- its definition from that file: the same thresholds and columns, the series' name for the
-- movie's title), applied after the migrations on every migrate.
-- derived-from: vw_movie_momentum
-- rename: fact_movie_daily=fact_tv_daily dim_movie=dim_tv_series movie_id=tv_id title=name
COMMENT ON VIEW warehouse.vw_tv_momentum IS 'Per TV series and day of the TV discover window: popularity, its 7-day moving average (over the days the series was in the window), the change over 7 days (absolute, relative, in rank) and a label: rising (>= +25%), falling (<= -20%), steady, NULL when not in the window 7 days before.';
