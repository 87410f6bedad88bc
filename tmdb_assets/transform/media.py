"""The two domains of TMDb this pipeline follows, movies and TV series, as data.

Movies and series go through the same machinery: the same discover capture and validation, the
same details lifecycle (planned from the change lists, fetched below one rate limit, resumed,
made current), the same registry, loaders and checks. Where they differ (the API paths, the
field that holds a title or a first date, the raw tables and asset names, what the details
request appends), the shared code takes a `Media`; nothing of the movie path is copied for TV.
Pure: no I/O.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Media:
    """What the shared capture and load code needs to know about one domain."""

    name: str  # "movie" or "tv": TMDb's media_type
    item: str  # one of them: "movie" or "series"
    noun: str  # many of them: "movies" or "series", for messages ("12 series to fetch")
    id_column: str  # the item's id column in raw and warehouse tables
    dim: str  # the warehouse dimension of the items (bridges and facts point at it)
    discover_asset: str  # the raw asset of the day's discover pages
    details_asset: str  # the raw asset of the day's details
    details_table: str  # raw table of the details responses
    changes_table: str  # raw table of the day's change lists (asked once per day)
    changes_ids: str  # its column of ids
    discover_path: str  # /discover/movie, /discover/tv
    details_path: str  # /movie/{id}, /tv/{id}
    changes_path: str  # /movie/changes, /tv/changes
    genre_path: str  # /genre/movie/list, /genre/tv/list
    title_field: str  # "title" / "name"
    original_title_field: str  # "original_title" / "original_name"
    date_field: str  # "release_date" / "first_air_date"
    # Appended to every details request: each part comes in the same response (TMDb takes up
    # to 20); stored whole in the raw body.
    append: tuple[str, ...]
    quarantine_prefix: str  # raw.quarantine.source of the domain: "" (movies) or "tv_"
    # The reference lists captured with the discover pages (raw.reference_list): the genre list
    # always; TMDb's countries and languages once, with the movies (they serve both domains).
    references: tuple[str, ...] = ("genres",)
    # TMDb's daily ID export of the domain: the raw asset, the file name's prefix
    # (`movie_ids_MM_DD_YYYY.json.gz`, `tv_series_ids_...`), the fact it loads and its flags.
    export_asset: str = ""
    export_prefix: str = ""
    export_table: str = ""
    export_flags: tuple[str, ...] = ()
    # Its closed months compacted (one row per item and month: warehouse/compaction.py; also
    # the compaction's asset), and the view that reads the export by day over both forms.
    compact_table: str = ""
    export_view: str = ""
    # The asset that makes the dimension hold every id of the export (pending rows).
    learn_asset: str = ""
    # Where to watch as history: fact_watch_observation and fact_watch_availability, or the
    # series' fact_tv_watch_observation and fact_tv_watch_availability.
    watch_prefix: str = "fact_watch"
    # A day may lack this domain's capture (TV before it was followed, or run with --no-tv):
    # its tables then load nothing for the day, and say so. Movies are always captured: a
    # missing day is an error naming the asset to materialize.
    optional: bool = True

    def details_url(self, item_id: int) -> str:
        return self.details_path.format(id=int(item_id))

    def source(self, what: str) -> str:
        """raw.quarantine.source of `what` ("details", "discover") in this domain."""
        return f"{self.quarantine_prefix}{what}"


MOVIE = Media(
    name="movie",
    item="movie",
    noun="movies",
    id_column="movie_id",
    dim="dim_movie",
    discover_asset="raw_discover_pages",
    details_asset="raw_movie_details",
    details_table="raw.movie_details",
    changes_table="raw.changes_day",
    changes_ids="movie_ids",
    discover_path="/discover/movie",
    details_path="/movie/{id}",
    changes_path="/movie/changes",
    genre_path="/genre/movie/list",
    title_field="title",
    original_title_field="original_title",
    date_field="release_date",
    append=("credits", "release_dates", "watch/providers", "keywords", "external_ids"),
    quarantine_prefix="",
    references=("genres", "countries", "languages"),
    export_asset="raw_movie_id_export",
    export_prefix="movie_ids",
    export_table="fact_movie_popularity_daily",
    export_flags=("adult", "video"),
    compact_table="fact_movie_popularity_monthly",
    export_view="vw_catalogue_popularity",
    learn_asset="catalogue_movies",
    optional=False,
)

TV = Media(
    name="tv",
    item="series",
    noun="series",
    id_column="tv_id",
    dim="dim_tv_series",
    discover_asset="raw_discover_tv_pages",
    details_asset="raw_tv_details",
    details_table="raw.tv_details",
    changes_table="raw.tv_changes_day",
    changes_ids="tv_ids",
    discover_path="/discover/tv",
    details_path="/tv/{id}",
    changes_path="/tv/changes",
    genre_path="/genre/tv/list",
    title_field="name",
    original_title_field="original_name",
    date_field="first_air_date",
    append=("aggregate_credits", "content_ratings", "external_ids", "keywords", "watch/providers"),
    quarantine_prefix="tv_",
    export_asset="raw_tv_id_export",
    export_prefix="tv_series_ids",
    export_table="fact_tv_popularity_daily",
    compact_table="fact_tv_popularity_monthly",
    export_view="vw_tv_catalogue_popularity",
    learn_asset="catalogue_tv_series",
    watch_prefix="fact_tv_watch",
)

MEDIA = {m.name: m for m in (MOVIE, TV)}
