-- The movies (or series) of day :d's current discover capture ({{discover}}): every item whose id the transform can read
-- (a positive whole number, also when sent as a string). Items without one are quarantined whole.
SELECT DISTINCT id::int AS {{id}} FROM (
    SELECT CASE WHEN jsonb_typeof(r->'id') IN ('number', 'string')
                 AND (r->>'id') ~ '^\s*[0-9]{1,10}(\.0*)?\s*$'
                THEN (r->>'id')::numeric END AS id
    FROM raw.discover_page p
    JOIN raw.capture c ON c.capture_id = p.capture_id
    CROSS JOIN jsonb_array_elements(p.payload->'results') r
    WHERE c.asset = {{discover}} AND c.is_current AND c.partition_date = :d
      AND jsonb_typeof(p.payload->'results') = 'array'
) ids WHERE id BETWEEN 1 AND 2147483647
