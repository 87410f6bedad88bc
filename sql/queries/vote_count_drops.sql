-- Movies of day :d whose vote_count fell from the previous loaded day by more than
-- greatest(:abs, :rel * the previous count), largest drop first.
SELECT cur.movie_id, prev.vote_count, cur.vote_count
FROM warehouse.fact_movie_daily cur
JOIN warehouse.fact_movie_daily prev
  ON prev.movie_id = cur.movie_id
 AND prev.date_id = (SELECT max(date_id) FROM warehouse.fact_movie_daily WHERE date_id < :d)
WHERE cur.date_id = :d
  AND prev.vote_count - cur.vote_count > greatest(:abs, :rel * prev.vote_count)
ORDER BY prev.vote_count - cur.vote_count DESC
