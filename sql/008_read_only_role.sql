-- tmdb_reader: the read-only role of the dashboard and of pgAdmin's default connection. It may
-- Views moved to sql/views/ (one file each, applied after the migrations); this file's
-- earlier text, which created them here, is accepted by its checksum:
-- previous-checksum: 38b31b81c18d5a000fb86bb09b4c929b3d058ddf2b683c892147a53725f4cdcd
-- read the analytics views and the dimensions, and nothing else: not raw, not the fact table
-- itself (the views read it with their owner's rights), and it writes nothing. NOLOGIN: a login
-- user named by TMDB_READER_USER is granted it when the warehouse is migrated
-- (tmdb_assets/roles.py), which also grants it the dimensions and views added later.
--
-- Roles belong to the server, not the database: created once, whichever database migrates
-- first. Where the migrating user may not create roles (a managed PostgreSQL's app user), the
-- role is skipped with a notice; an administrator creates it and the next migrate grants it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tmdb_reader') THEN
        BEGIN
            CREATE ROLE tmdb_reader NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;  -- created meanwhile
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'role tmdb_reader not created: % may not create roles', current_user;
                RETURN;
        END;
    END IF;
    GRANT USAGE ON SCHEMA warehouse TO tmdb_reader;
    GRANT SELECT ON
        warehouse.dim_date, warehouse.dim_movie, warehouse.dim_genre, warehouse.dim_company,
        warehouse.dim_country, warehouse.dim_language, warehouse.country_continent
    TO tmdb_reader;
END $$;
