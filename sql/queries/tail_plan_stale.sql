-- What is left of day :day's tail budget (:n): movies of the day's export (date_id :d) whose
-- details were fetched before :cutoff (the max age), the oldest first. Movies the discover list
-- showed on the day or later are the discover window's.
SELECT m.movie_id
FROM warehouse.dim_movie m
JOIN warehouse.vw_catalogue_popularity p ON p.date_id = :d AND p.movie_id = m.movie_id
WHERE m.details_status <> 'pending'
  AND m.details_fetched_at < :cutoff
  AND (m.last_seen_date IS NULL OR m.last_seen_date < :day)
ORDER BY m.details_fetched_at, m.movie_id
LIMIT :n
