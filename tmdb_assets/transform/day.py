"""One partition date's parsed raw data (`DayData`): what every row builder reads. Filled by
capture/read.read_day from the raw layer, by tests from recorded responses. Pure: no I/O."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from tmdb_assets.transform.availability import Offer
from tmdb_assets.transform.days import date_id
from tmdb_assets.transform.details import MovieDetails
from tmdb_assets.transform.discover import DiscoverItem
from tmdb_assets.transform.media import MOVIE, Media
from tmdb_assets.transform.values import Rejected


class CaptureRef(Protocol):
    """The discover capture a day was parsed from (capture/read.CaptureInfo is one)."""

    captured_at: dt.datetime | None
    late_capture: bool


@dataclass
class DayData:
    """Everything the warehouse needs for one date, parsed from raw."""

    day: dt.date
    capture: CaptureRef | None  # None: a day built without reading raw (dim_date)
    items: list[DiscoverItem]
    rejected: list[Rejected]
    duplicates: int
    details: dict[int, MovieDetails] = field(default_factory=dict)
    details_status: dict[int, str] = field(default_factory=dict)
    fetched_at: dict[int, dt.datetime] = field(default_factory=dict)
    # The partition day of each movie's details capture (== day: fetched for this day).
    details_day: dict[int, dt.date] = field(default_factory=dict)
    genres_ref: list[tuple[int, str]] = field(default_factory=list)
    countries_ref: list[tuple[str, str, str | None]] = field(default_factory=list)
    languages_ref: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    # Movies, or TV series (then `details` holds transform/tv.TVDetails, keyed by series).
    media: Media = MOVIE
    # A shared dimension's load: the other domains' days of the same date (warehouse/load.py).
    also: list["DayData"] = field(default_factory=list)

    def domains(self) -> list["DayData"]:
        """This day and the other domains' days read beside it (movies first)."""
        return [self, *self.also]

    @property
    def date_id(self) -> int:
        return date_id(self.day)

    @property
    def movie_ids(self) -> list[int]:
        """The movies the day speaks of: its discovered movies, in rank order; a day of details
        alone (the long tail's, warehouse/catalogue.read_tail_day): those, in id order."""
        if self.capture is None and not self.items:
            return sorted(self.details)
        return [i.movie_id for i in self.items]

    @property
    def source(self) -> str:
        """discover: the day's discover window; tail: a day of the long tail's details."""
        return "tail" if self.capture is None and not self.items else "discover"

    def watch_observed(self) -> dict[int, frozenset[Offer]]:
        """The movies whose availability this day observed (details fetched for the day with a
        readable watch/providers part) and their offers; details of an earlier day observe
        nothing today."""
        return {
            m: d.watch.offers
            for m, d in self.details.items()
            if d.watch is not None and self.details_day.get(m) == self.day
        }

    @classmethod
    def without_raw(cls, day: dt.date) -> "DayData":
        """A day for the tables that need only its date (dim_date)."""
        return cls(day, None, [], [], 0)
