-- dim_movie learns the movies of export day :day staged in stg_export_movie (its readable
-- lines: id, line, original title, adult, video): the ones it does not hold become pending rows;
-- pending rows learned from a later day take this day's values. A movie listed twice in the
-- file: its first line. Only ids of the day's loaded export rows (fact_movie_popularity_daily).
WITH learned AS (
    INSERT INTO warehouse.dim_movie AS t
        (movie_id, original_title, adult, video, details_status, source_date)
    SELECT DISTINCT ON (s.movie_id) s.movie_id, s.original_title, s.adult, s.video, 'pending', :day
    FROM stg_export_movie s
    JOIN warehouse.fact_movie_popularity_daily p ON p.date_id = :d AND p.movie_id = s.movie_id
    LEFT JOIN warehouse.dim_movie m ON m.movie_id = s.movie_id
    WHERE m.movie_id IS NULL OR (m.details_status = 'pending' AND m.source_date > :day)
    ORDER BY s.movie_id, s.line
    ON CONFLICT (movie_id) DO UPDATE SET
        original_title = EXCLUDED.original_title,
        adult = EXCLUDED.adult,
        video = EXCLUDED.video,
        source_date = EXCLUDED.source_date
    WHERE t.details_status = 'pending' AND t.source_date > EXCLUDED.source_date
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM learned
