-- For each of the movies :ids, the partition date of its latest details capture before :d.
-- An unreadable body is not a fetch: the next day asks for the movie again.
SELECT md.movie_id, max(c.partition_date)
FROM raw.movie_details md
JOIN raw.capture c ON c.capture_id = md.capture_id
WHERE c.is_current AND c.asset = :a AND c.partition_date < :d
  AND NOT (md.payload IS NULL AND md.body IS NOT NULL)
  AND md.movie_id = ANY(:ids)
GROUP BY md.movie_id
