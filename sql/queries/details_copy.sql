-- Copy stored details rows (the pairs in :keys, a JSON array of {"c": capture, "m": movie})
-- into details capture :c, marked current_reused. Idempotent.
INSERT INTO {{details}}
    (capture_id, {{id}}, http_status, fetched_at, fetch_reason, payload, body)
SELECT :c, md.{{id}}, md.http_status, md.fetched_at, 'current_reused', md.payload, md.body
FROM {{details}} md
JOIN jsonb_to_recordset(CAST(:keys AS jsonb)) AS k(c bigint, m integer)
  ON md.capture_id = k.c AND md.{{id}} = k.m
ON CONFLICT (capture_id, {{id}}) DO NOTHING
