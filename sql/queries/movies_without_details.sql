-- Movies (or series) discovered on day :d with no details row in any current details capture
-- ({{details_asset}}, rows in {{details}}) up to :d.
SELECT {{id}} FROM ({{raw_ids_of_day}}) ids
WHERE NOT EXISTS (
    SELECT 1 FROM {{details}} md
    JOIN raw.capture c ON c.capture_id = md.capture_id
    WHERE c.asset = {{details_asset}} AND c.is_current AND c.partition_date <= :d
      AND md.{{id}} = ids.{{id}}
)
ORDER BY 1
