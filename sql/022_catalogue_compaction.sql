-- The catalogue's history at a tenth of the disk (issue 26): a closed month of the daily
-- export facts is compacted into one row per item holding the month's values in arrays, and
-- its daily partition dropped (tmdb_assets/warehouse/compaction.py; why this form:
-- docs/catalogue.md). Idempotent.

-- The export days each fact holds, in whichever form: written by the day's load in its own
-- transaction. It lists the days the views read (vw_catalogue_popularity: one lateral probe a
-- day) and the day before a day (fact_catalogue_daily's comparison) without scanning a million
-- rows a day.
CREATE TABLE IF NOT EXISTS warehouse.export_day_loaded (
    fact       text        NOT NULL,
    date_id    integer     NOT NULL,
    rows       integer     NOT NULL CHECK (rows >= 0),
    loaded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (fact, date_id)
);
COMMENT ON TABLE warehouse.export_day_loaded IS 'The days of TMDb''s daily ID export each fact holds (fact_movie_popularity_daily, fact_tv_popularity_daily), daily or compacted: one row per loaded day, written with the day''s rows.';
COMMENT ON COLUMN warehouse.export_day_loaded.fact IS 'The export fact: fact_movie_popularity_daily or fact_tv_popularity_daily';
COMMENT ON COLUMN warehouse.export_day_loaded.date_id IS 'The export day (YYYYMMDD)';
COMMENT ON COLUMN warehouse.export_day_loaded.rows IS 'Rows the day''s load wrote (the file''s readable lines, one per id)';
COMMENT ON COLUMN warehouse.export_day_loaded.loaded_at IS 'When the day was last loaded';
-- The days loaded before this file.
INSERT INTO warehouse.export_day_loaded (fact, date_id, rows)
SELECT 'fact_movie_popularity_daily', date_id, count(*)
FROM warehouse.fact_movie_popularity_daily GROUP BY date_id
ON CONFLICT DO NOTHING;
INSERT INTO warehouse.export_day_loaded (fact, date_id, rows)
SELECT 'fact_tv_popularity_daily', date_id, count(*)
FROM warehouse.fact_tv_popularity_daily GROUP BY date_id
ON CONFLICT DO NOTHING;

-- One row per movie and compacted month, partitioned by month (a month is attached whole by
-- its compaction, and swapped whole when a late day is merged). Day d of the month is element
-- [d] of the arrays (NULL: the movie was not in that day's export, or the day is not loaded).
CREATE TABLE IF NOT EXISTS warehouse.fact_movie_popularity_monthly (
    month_id          integer NOT NULL,
    movie_id          integer NOT NULL,
    popularity        integer[],
    popularity_exact  double precision[],
    adult_days        integer NOT NULL,
    video_days        integer NOT NULL,
    PRIMARY KEY (movie_id, month_id)
) PARTITION BY RANGE (month_id);
COMMENT ON TABLE warehouse.fact_movie_popularity_monthly IS 'fact_movie_popularity_daily''s closed months, compacted: one row per movie and month, the month''s values in arrays (day d at [d]). Read it through vw_catalogue_popularity, which answers by day over both forms.';
COMMENT ON COLUMN warehouse.fact_movie_popularity_monthly.month_id IS 'The month (YYYYMM); date_id = month_id * 100 + d';
COMMENT ON COLUMN warehouse.fact_movie_popularity_monthly.movie_id IS 'TMDb movie id';
COMMENT ON COLUMN warehouse.fact_movie_popularity_monthly.popularity IS 'Popularity of day d at [d], times 10^4 (TMDb''s export gives at most 4 decimals: exact); NULL when popularity_exact holds the row';
COMMENT ON COLUMN warehouse.fact_movie_popularity_monthly.popularity_exact IS 'The row''s values as given, when one of them is not exact at 4 decimals or beyond 214,748.3647 (else NULL)';
COMMENT ON COLUMN warehouse.fact_movie_popularity_monthly.adult_days IS 'Bit d-1 set: the export flagged the movie adult on day d';
COMMENT ON COLUMN warehouse.fact_movie_popularity_monthly.video_days IS 'Bit d-1 set: the export flagged the movie video on day d';

CREATE TABLE IF NOT EXISTS warehouse.fact_tv_popularity_monthly (
    month_id          integer NOT NULL,
    tv_id             integer NOT NULL,
    popularity        integer[],
    popularity_exact  double precision[],
    PRIMARY KEY (tv_id, month_id)
) PARTITION BY RANGE (month_id);
COMMENT ON TABLE warehouse.fact_tv_popularity_monthly IS 'fact_tv_popularity_daily''s closed months, compacted like the movies'' (fact_movie_popularity_monthly). Read it through vw_tv_catalogue_popularity.';
COMMENT ON COLUMN warehouse.fact_tv_popularity_monthly.month_id IS 'The month (YYYYMM); date_id = month_id * 100 + d';
COMMENT ON COLUMN warehouse.fact_tv_popularity_monthly.tv_id IS 'TMDb series id';
COMMENT ON COLUMN warehouse.fact_tv_popularity_monthly.popularity IS 'Popularity of day d at [d], times 10^4; NULL when popularity_exact holds the row';
COMMENT ON COLUMN warehouse.fact_tv_popularity_monthly.popularity_exact IS 'The row''s values as given, when one of them is not exact at 4 decimals or beyond 214,748.3647 (else NULL)';

-- What each compaction did, and the per-day checksums its month was verified with (read back
-- through the view before the daily partition was dropped); a late day merged since updates it.
CREATE TABLE IF NOT EXISTS warehouse.compacted_month (
    fact           text             NOT NULL,
    month_id       integer          NOT NULL,
    days           integer          NOT NULL,
    rows_in        bigint           NOT NULL,
    rows_out       integer          NOT NULL,
    exact_rows     integer          NOT NULL,
    bytes_before   bigint           NOT NULL,
    bytes_after    bigint           NOT NULL,
    seconds        double precision NOT NULL,
    day_checksums  numeric[]        NOT NULL,
    late_days      integer          NOT NULL DEFAULT 0,
    compacted_at   timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (fact, month_id)
);
COMMENT ON TABLE warehouse.compacted_month IS 'The export facts'' compacted months: what the compaction read and wrote, and each day''s checksum (rows and values, read back through the view).';
COMMENT ON COLUMN warehouse.compacted_month.fact IS 'The daily fact compacted: fact_movie_popularity_daily or fact_tv_popularity_daily';
COMMENT ON COLUMN warehouse.compacted_month.month_id IS 'The month (YYYYMM)';
COMMENT ON COLUMN warehouse.compacted_month.days IS 'Days of the month with rows';
COMMENT ON COLUMN warehouse.compacted_month.rows_in IS 'Daily rows the month holds (one per item and day)';
COMMENT ON COLUMN warehouse.compacted_month.rows_out IS 'Rows of the compact form (one per item)';
COMMENT ON COLUMN warehouse.compacted_month.exact_rows IS 'Of those, rows holding popularity_exact';
COMMENT ON COLUMN warehouse.compacted_month.bytes_before IS 'The daily partition''s size with its indexes, when compacted';
COMMENT ON COLUMN warehouse.compacted_month.bytes_after IS 'The monthly partition''s size with its index';
COMMENT ON COLUMN warehouse.compacted_month.seconds IS 'The compaction''s (or the last late day''s merge) seconds, verification included';
COMMENT ON COLUMN warehouse.compacted_month.day_checksums IS 'Per day of the month ([d]): sum of warehouse.popularity_hash over the day''s rows (NULL: not loaded)';
COMMENT ON COLUMN warehouse.compacted_month.late_days IS 'Days loaded into the month since its compaction (each merged in one transaction)';
COMMENT ON COLUMN warehouse.compacted_month.compacted_at IS 'When the month was compacted, or a late day last merged';

-- Popularity times 10^4 as an integer when that is exact (the value read back, n / 10000.0,
-- is the same double), else NULL.
CREATE OR REPLACE FUNCTION warehouse.popularity_scaled(v double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN abs(v) <= 214748.3647 AND round(v * 10000) / 10000 = v
                THEN round(v * 10000)::integer END
$$;

-- An array of n elements from (day, value) pairs: value at [day], NULL elsewhere.
CREATE OR REPLACE FUNCTION warehouse.day_values(days integer[], vals anyarray, n integer)
RETURNS anyarray LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(v.val ORDER BY g.d)
    FROM generate_series(1, n) AS g(d)
    LEFT JOIN unnest(days, vals) AS v(day, val) ON v.day = g.d
$$;

-- Scaled values back to doubles (a row that becomes exact when a late day is merged).
CREATE OR REPLACE FUNCTION warehouse.popularity_unscaled(vals integer[])
RETURNS double precision[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(u.v / 10000.0::double precision ORDER BY u.i)
    FROM unnest(vals) WITH ORDINALITY AS u(v, i)
$$;

-- One row's checksum term: its id, its value's exact bits and its flags (adult * 2 + video).
CREATE OR REPLACE FUNCTION warehouse.popularity_hash(id integer, v double precision, flags integer)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT hashint8extended((id::bigint << 32) # (hashfloat8(v)::bigint & 4294967295), flags)
$$;
