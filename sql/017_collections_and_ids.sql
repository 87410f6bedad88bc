-- Collections (franchises) and Wikidata ids (issue 24), from the details request's
-- belongs_to_collection and appended external_ids (no request of their own). dim_movie already
-- holds collection_id, collection_name and imdb_id; dim_collection gets every collection it
-- names (the backfill below: a warehouse loaded before this file), and its `foreign_keys` check
-- keeps it so. Idempotent.
CREATE TABLE IF NOT EXISTS warehouse.dim_collection (
    collection_id  integer PRIMARY KEY,
    name           text NOT NULL,
    source_date    date NOT NULL
);

INSERT INTO warehouse.dim_collection (collection_id, name, source_date)
SELECT DISTINCT ON (collection_id)
    collection_id, coalesce(collection_name, 'Collection ' || collection_id), source_date
FROM warehouse.dim_movie
WHERE collection_id IS NOT NULL
ORDER BY collection_id, source_date DESC
ON CONFLICT (collection_id) DO NOTHING;

ALTER TABLE warehouse.dim_movie ADD COLUMN IF NOT EXISTS wikidata_id text;

COMMENT ON TABLE warehouse.dim_collection IS 'Collections (franchises: a series of movies) named by the movies'' details (belongs_to_collection).';
COMMENT ON COLUMN warehouse.dim_collection.collection_id IS 'TMDb collection id';
COMMENT ON COLUMN warehouse.dim_collection.name IS 'Collection name as TMDb gives it';
COMMENT ON COLUMN warehouse.dim_collection.source_date IS 'Partition day the name comes from';
COMMENT ON COLUMN warehouse.dim_movie.wikidata_id IS 'Wikidata id (Q and digits) from external_ids; NULL: none given, or details fetched before it was asked';
