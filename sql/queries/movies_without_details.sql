-- Movies discovered on day :d with no details row in any current details capture up to :d.
SELECT movie_id FROM ({{raw_ids_of_day}}) ids
WHERE NOT EXISTS (
    SELECT 1 FROM raw.movie_details md
    JOIN raw.capture c ON c.capture_id = md.capture_id
    WHERE c.asset = 'raw_movie_details' AND c.is_current AND c.partition_date <= :d
      AND md.movie_id = ids.movie_id
)
ORDER BY 1
