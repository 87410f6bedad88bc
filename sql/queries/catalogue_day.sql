-- fact_catalogue_daily's row for day :d from that day's export rows, compared with the export
-- day loaded before it (daily or compacted: vw_catalogue_popularity). Replaces the day's row.
WITH prev AS (
    SELECT max(date_id) AS d FROM warehouse.export_day_loaded
    WHERE fact = 'fact_movie_popularity_daily' AND date_id < :d AND rows > 0
),
cur AS (
    SELECT movie_id, popularity, adult, video
    FROM warehouse.vw_catalogue_popularity WHERE date_id = :d
),
before AS (
    SELECT p.movie_id FROM warehouse.vw_catalogue_popularity p, prev WHERE p.date_id = prev.d
),
stats AS (
    SELECT
        count(*)                                   AS movies,
        count(*) FILTER (WHERE adult)              AS adult_movies,
        count(*) FILTER (WHERE video)              AS video_movies,
        avg(popularity)                            AS mean_popularity,
        percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY popularity) AS pct,
        max(popularity)                            AS max_popularity,
        count(*) FILTER (WHERE popularity = 0)     AS zero_popularity
    FROM cur
)
INSERT INTO warehouse.fact_catalogue_daily AS t
SELECT
    :d,
    s.movies,
    prev.d,
    CASE WHEN prev.d IS NOT NULL THEN
        (SELECT count(*) FROM cur WHERE NOT EXISTS (SELECT 1 FROM before b WHERE b.movie_id = cur.movie_id))
    END,
    CASE WHEN prev.d IS NOT NULL THEN
        (SELECT count(*) FROM before b WHERE NOT EXISTS (SELECT 1 FROM cur WHERE cur.movie_id = b.movie_id))
    END,
    s.adult_movies,
    s.video_movies,
    s.mean_popularity,
    s.pct[1],
    s.pct[2],
    s.pct[3],
    s.max_popularity,
    s.zero_popularity
FROM stats s, prev
ON CONFLICT (date_id) DO UPDATE SET
    movies = EXCLUDED.movies,
    previous_date_id = EXCLUDED.previous_date_id,
    new_movies = EXCLUDED.new_movies,
    removed_movies = EXCLUDED.removed_movies,
    adult_movies = EXCLUDED.adult_movies,
    video_movies = EXCLUDED.video_movies,
    mean_popularity = EXCLUDED.mean_popularity,
    median_popularity = EXCLUDED.median_popularity,
    p90_popularity = EXCLUDED.p90_popularity,
    p99_popularity = EXCLUDED.p99_popularity,
    max_popularity = EXCLUDED.max_popularity,
    zero_popularity = EXCLUDED.zero_popularity
RETURNING movies, new_movies, removed_movies
