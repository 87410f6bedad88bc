-- The movies of export day :d (date_id; :day the date) that dim_movie does not hold yet, or
-- holds as pending from a later export day (a backfill run out of order); at most :cap of them
-- (more: the caller reads every line instead).
SELECT p.movie_id
FROM warehouse.fact_movie_popularity_daily p
LEFT JOIN warehouse.dim_movie m ON m.movie_id = p.movie_id
WHERE p.date_id = :d
  AND (m.movie_id IS NULL OR (m.details_status = 'pending' AND m.source_date > :day))
LIMIT :cap
