"""The TV series' warehouse tables, each declared once, as the movies' are (tables.py, which
gathers both into one registry). The same loaders, the same bridge shape and the same checks
serve both domains: an entry says `media=TV` and reads the TV day."""

from tmdb_assets.transform import rows, tv_rows
from tmdb_assets.transform.media import TV
from tmdb_assets.warehouse import availability, load
from tmdb_assets.warehouse.table import ForeignKey, Table, bridge, columns

TV_RAW = (TV.discover_asset, TV.details_asset)
# A series' seasons and bridges, loaded in one Dagster step (none depends on another).
TV_BRIDGES = "tv_bridges"

TV_TABLES = (
    Table(
        "dim_tv_series",
        ("tv_id",),
        columns(
            "tv_id name original_name original_language overview first_air_date last_air_date "
            "status type number_of_seasons number_of_episodes in_production adult homepage "
            "tagline poster_path origin_country details_status first_seen_date last_seen_date "
            "details_fetched_at source_date"
        ),
        "One row per TV series ever discovered: name, original name and language, first and "
        "last air dates, status, type, seasons and episodes, in production, countries of "
        "origin, first/last day in the TV discover list. A series whose details are gone (404) "
        "keeps its discover attributes, flagged by details_status.",
        rows=tv_rows.dim_tv_series_rows,
        load=load.load_item_dim,
        deps=TV_RAW,
        guard_unless="t.details_status = 'pending'",
        merge=(
            ("first_seen_date", "LEAST(t.first_seen_date, EXCLUDED.first_seen_date)"),
            ("last_seen_date", "GREATEST(t.last_seen_date, EXCLUDED.last_seen_date)"),
        ),
        group="tv",
        media=TV,
    ),
    Table(
        "dim_network",
        ("network_id",),
        columns("network_id name origin_country logo_path source_date"),
        "TV networks and streaming services that air the discovered series (HBO, Netflix, BBC "
        "One), with their country of origin.",
        rows=tv_rows.dim_network_rows,
        deps=(TV.details_asset,),
        group="tv",
        media=TV,
    ),
    bridge(
        "dim_tv_season",
        "season_number",
        None,
        "Each series' seasons as its latest details list them (no request of their own): "
        "number (0: the specials), TMDb's season id, name, air date, episode count, vote.",
        tv_rows.seasons,
        attributes=columns("season_id name air_date episode_count vote_average poster_path"),
        media=TV,
        group="tv",
        step=TV_BRIDGES,
    ),
    bridge(
        "bridge_tv_genre",
        "genre_id",
        "dim_genre",
        "Which genres each series belongs to (TMDb's TV genres: Drama, Sci-Fi & Fantasy, ...).",
        rows.genre_ids,
        rows.discover_genre_ids,
        media=TV,
        group="tv",
        step=TV_BRIDGES,
    ),
    bridge(
        "bridge_tv_network",
        "network_id",
        "dim_network",
        "Which networks air each series.",
        tv_rows.network_ids,
        media=TV,
        group="tv",
        step=TV_BRIDGES,
    ),
    bridge(
        "bridge_tv_company",
        "company_id",
        "dim_company",
        "Which companies produce each series.",
        rows.company_ids,
        media=TV,
        group="tv",
        step=TV_BRIDGES,
    ),
    bridge(
        "bridge_tv_country",
        "iso_3166_1",
        "dim_country",
        "Each series' countries of origin (origin_country: where it was made for), to compare "
        "series by country and continent.",
        tv_rows.origin_countries,
        tv_rows.discover_origin_countries,
        media=TV,
        group="tv",
        step=TV_BRIDGES,
    ),
    bridge(
        "bridge_tv_language",
        "iso_639_1",
        "dim_language",
        "Which languages are spoken in each series.",
        rows.language_codes,
        media=TV,
        group="tv",
        step=TV_BRIDGES,
    ),
    bridge(
        "bridge_tv_cast",
        "credit_id",
        "dim_person",
        "Each series' cast from its aggregate credits: who plays which character, in billing "
        "order, in how many episodes (a person with two roles has two rows).",
        tv_rows.cast_roles,
        ref="person_id",
        attributes=columns("character cast_order episode_count"),
        media=TV,
        group="tv",
        step=TV_BRIDGES,
    ),
    bridge(
        "bridge_tv_crew",
        "credit_id",
        "dim_person",
        "Each series' crew from its aggregate credits: who worked in which department and job, "
        "in how many episodes.",
        tv_rows.crew_jobs,
        ref="person_id",
        attributes=columns("department job episode_count"),
        media=TV,
        group="tv",
        step=TV_BRIDGES,
    ),
    bridge(
        "bridge_tv_keyword",
        "keyword_id",
        "dim_keyword",
        "Each series' keywords, to group series by theme (appended to the details request).",
        rows.keyword_ids,
        media=TV,
        group="tv",
        step=TV_BRIDGES,
    ),
    bridge(
        "bridge_tv_content_rating",
        "iso_3166_1",
        "dim_country",
        "Each series' content rating per country as TMDb states it now (TV-MA in the US, 16 in "
        "Germany, 15 in the UK), appended to the details request.",
        tv_rows.content_ratings,
        attributes=("rating",),
        media=TV,
        group="tv",
        step=TV_BRIDGES,
    ),
    Table(
        "fact_tv_watch_observation",
        ("tv_id", "observed_date"),
        columns("tv_id observed_date source countries providers offers fetched_at"),
        "The days each series' availability was observed (its details fetched with a readable "
        "watch/providers part: when it changes or ages), with how many countries, providers and "
        "offers were seen. How fresh fact_tv_watch_availability is, series by series.",
        rows=rows.watch_observation_rows,
        load=availability.load_watch_observations,
        deps=(TV.details_asset, "dim_tv_series"),
        foreign_keys=(ForeignKey("tv_id", "dim_tv_series", "tv_id"),),
        guard=None,
        group="tv",
        media=TV,
        step="tv_watch",
    ),
    Table(
        "fact_tv_watch_availability",
        ("tv_id", "iso_3166_1", "provider_id", "kind", "valid_from"),
        columns("tv_id iso_3166_1 provider_id kind valid_from valid_to last_observed_date"),
        "Where each series could be watched over time, as the movies' history: one row per "
        "offer (country, provider, kind) and run of observations holding it, valid_to the first "
        "observation without it (NULL while current).",
        load=availability.load_watch_availability,
        deps=("fact_tv_watch_observation", "dim_watch_provider", "dim_tv_series"),
        foreign_keys=(
            ForeignKey("tv_id", "dim_tv_series", "tv_id"),
            ForeignKey("provider_id", "dim_watch_provider", "provider_id"),
        ),
        guard=None,
        group="tv",
        media=TV,
        step="tv_watch",
    ),
    Table(
        "fact_tv_popularity_daily",
        ("date_id", "tv_id"),
        columns("date_id tv_id popularity"),
        "Every TV series TMDb lists, every day (about two hundred thousand): its popularity "
        "from TMDb's daily TV export (partition D: the file built the morning after D ended). "
        "Partitioned by month; a day within TMDb's three-month retention can be re-captured with "
        "its true values.",
        load=load.load_export_day,
        deps=(TV.export_asset,),
        guard=None,
        reads_raw=False,
        count_rows=False,
        group="tv",
        media=TV,
    ),
    Table(
        "fact_tv_daily",
        ("date_id", "tv_id"),
        columns(
            "date_id tv_id popularity vote_average vote_count discover_rank captured_at "
            "late_capture"
        ),
        "One row per TV series and day of the TV discover window: popularity, vote average and "
        "vote count as TMDb reported them at the end of the day, with the series' rank in the "
        "discover list and when it was captured (late captures flagged).",
        rows=rows.fact_rows,
        load=load.replace_day,
        deps=(TV.discover_asset, "dim_tv_series", "dim_date"),
        foreign_keys=(
            ForeignKey("tv_id", "dim_tv_series", "tv_id"),
            ForeignKey("date_id", "dim_date", "date_id"),
        ),
        guard=None,
        group="tv",
        media=TV,
    ),
)
