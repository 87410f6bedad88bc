-- fact_catalogue_movers' rows of export day :d (date_id) against export day :p (7 days
-- before): the :n movies whose popularity rose most and the :n that fell most, among the movies
-- of both days. Ties broken by movie id.
WITH moves AS (
    SELECT c.movie_id, c.popularity, p.popularity AS before, c.popularity - p.popularity AS change
    FROM warehouse.vw_catalogue_popularity c
    JOIN warehouse.vw_catalogue_popularity p ON p.movie_id = c.movie_id AND p.date_id = :p
    WHERE c.date_id = :d AND c.popularity <> p.popularity
),
rising AS (
    SELECT * FROM moves WHERE change > 0 ORDER BY change DESC, movie_id LIMIT :n
),
falling AS (
    SELECT * FROM moves WHERE change < 0 ORDER BY change, movie_id LIMIT :n
)
INSERT INTO warehouse.fact_catalogue_movers
SELECT :d, 'rising', row_number() OVER (ORDER BY change DESC, movie_id), movie_id, popularity,
       before, change, CASE WHEN before > 0 THEN popularity / before - 1 END
FROM rising
UNION ALL
SELECT :d, 'falling', row_number() OVER (ORDER BY change, movie_id), movie_id, popularity,
       before, change, CASE WHEN before > 0 THEN popularity / before - 1 END
FROM falling
