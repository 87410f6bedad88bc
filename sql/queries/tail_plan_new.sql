-- The long tail's first claim on day :day's budget (:n): movies of the day's export (date_id :d)
-- that dim_movie knows only from the export (pending), the newest learned first, the most
-- popular of the day among them first.
SELECT m.movie_id
FROM warehouse.dim_movie m
JOIN warehouse.vw_catalogue_popularity p ON p.date_id = :d AND p.movie_id = m.movie_id
WHERE m.details_status = 'pending' AND m.source_date <= :day
ORDER BY m.source_date DESC, p.popularity DESC, m.movie_id
LIMIT :n
