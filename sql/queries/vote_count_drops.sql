-- Movies (or series: {{fact}}, {{id}}) of day :d whose vote_count fell from the previous loaded
-- day by more than greatest(:abs, :rel * the previous count), largest drop first.
SELECT cur.{{id}}, prev.vote_count, cur.vote_count
FROM {{fact}} cur
JOIN {{fact}} prev
  ON prev.{{id}} = cur.{{id}}
 AND prev.date_id = (SELECT max(date_id) FROM {{fact}} WHERE date_id < :d)
WHERE cur.date_id = :d
  AND prev.vote_count - cur.vote_count > greatest(:abs, :rel * prev.vote_count)
ORDER BY prev.vote_count - cur.vote_count DESC
