"""Where to watch as history: observations of a movie's offers in, validity intervals out. Pure.

TMDb shows only where a movie can be watched now. Each details fetch with a readable
watch/providers part is an observation: on day D the movie had exactly these offers
(country, provider, kind). A movie's history is a pure function of its observations: per
offer, each run of consecutive observations holding it is one interval
(valid_from = the run's first day, last_observed = its last, valid_to = the next observation
day, which lacked it; None while the run reaches the latest observation).

The stored intervals and the observation days (fact_watch_observation) together encode every
observation exactly (an offer was held on observation day d iff an interval of it has
valid_from <= d <= last_observed), so a load decodes a movie's observations, sets its day's,
and encodes them again: whatever order the days are loaded in, and however often, the rows are
those of encoding all observations at once.
"""

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping

Offer = tuple[str, int, str]  # (iso_3166_1, provider_id, kind)
# (offer, valid_from, valid_to or None, last_observed_date)
Interval = tuple[Offer, dt.date, dt.date | None, dt.date]


def encode(observations: Mapping[dt.date, Iterable[Offer]]) -> list[Interval]:
    """The intervals of one movie's observations (day -> the offers seen that day)."""
    days = sorted(observations)
    runs: dict[Offer, list[list[dt.date]]] = defaultdict(list)  # offer -> [[first, last], ...]
    for i, day in enumerate(days):
        for offer in observations[day]:
            spans = runs[offer]
            if spans and spans[-1][1] == days[i - 1]:
                spans[-1][1] = day  # held at the previous observation too: the run goes on
            else:
                spans.append([day, day])
    out: list[Interval] = []
    for offer, spans in runs.items():
        for first, last in spans:
            after = bisect.bisect_right(days, last)
            out.append((offer, first, days[after] if after < len(days) else None, last))
    return sorted(out)


def decode(intervals: Iterable[Interval], days: Iterable[dt.date]) -> dict[dt.date, set[Offer]]:
    """The observations that `intervals` encode on the observation `days` (each day's offers).
    A day of `days` that no interval covers observed nothing available; interval bounds on days
    no longer observed (a day's observation removed) are simply not read."""
    ordered = sorted(set(days))
    out: dict[dt.date, set[Offer]] = {d: set() for d in ordered}
    for offer, first, _to, last in intervals:
        lo = bisect.bisect_left(ordered, first)
        hi = bisect.bisect_right(ordered, last)
        for d in ordered[lo:hi]:
            out[d].add(offer)
    return out


def merge(
    intervals: Iterable[Interval],
    days: Iterable[dt.date],
    day: dt.date,
    offers: Iterable[Offer] | None,
) -> list[Interval]:
    """A movie's intervals once `day`'s observation is `offers` (None: `day` observed nothing
    readable, so it is no observation), among its other observation `days`."""
    observed = decode(intervals, (d for d in days if d != day))
    if offers is not None:
        observed[day] = set(offers)
    return encode(observed)
