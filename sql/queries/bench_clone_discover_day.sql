-- Benchmark only: day :d's discover capture made from capture :src (another day's), each
-- movie's popularity moved by a smooth, movie-specific factor of the day (:k), votes grown a
-- little. The clone is a complete, current capture captured just before the day ended.
WITH cap AS (
    INSERT INTO raw.capture (asset, partition_date, version, is_current, completed_at,
                             captured_at, late_capture, request_params, stats)
    SELECT asset, :d, 1, true, now(), :at, false, request_params, stats
    FROM raw.capture WHERE capture_id = :src
    RETURNING capture_id
), pages AS (
    INSERT INTO raw.discover_page (capture_id, page, captured_at, request_params, payload)
    SELECT cap.capture_id, p.page, :at, p.request_params,
           jsonb_set(p.payload, '{results}', (
               SELECT coalesce(jsonb_agg(
                   jsonb_set(jsonb_set(r, '{popularity}', to_jsonb(round(
                       ((r->>'popularity')::numeric
                        * (1 + 0.3 * sin(:k / 9.0 + (r->>'id')::int % 97)))::numeric, 3))),
                   '{vote_count}', to_jsonb((r->>'vote_count')::int + :k))
                   ORDER BY ord), '[]'::jsonb)
               FROM jsonb_array_elements(p.payload->'results') WITH ORDINALITY AS e(r, ord)))
    FROM raw.discover_page p, cap WHERE p.capture_id = :src
    RETURNING 1
)
INSERT INTO raw.reference_list (capture_id, list_name, captured_at, payload)
SELECT cap.capture_id, l.list_name, :at, l.payload
FROM raw.reference_list l, cap WHERE l.capture_id = :src
