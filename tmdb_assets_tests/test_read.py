"""Reading captures back (capture/read.py): the current capture of a day, a missing day named
with what to do, a day parsed once and read again the same, each details row parsed once."""

import pytest

from tmdb_assets.capture import read as raw_read
from tmdb_assets.capture.read import (
    DETAILS,
    DISCOVER,
    MissingRawDataError,
    clear_cache,
    current_capture,
    read_day,
    require_capture,
)
from tmdb_assets_tests.conftest import DAY1
from tmdb_assets_tests.helpers import (
    DAYS,
    RAW,
    capture_raw,
    materialize_day,
)


def test_a_range_parses_each_details_row_once(resources, simulator, warehouse, monkeypatch):
    """Later days reuse the parse of details rows an earlier day already read; the result is
    the same as a fresh parse, and a recapture is read anew."""
    capture_raw(resources, simulator, DAYS[:3])
    parsed: list[int] = []
    real = raw_read.movie_details
    monkeypatch.setattr(
        raw_read,
        "movie_details",
        lambda p, expected_id=None: parsed.append(expected_id) or real(p, expected_id),
    )
    clear_cache()
    first = raw_read.read_day(warehouse, DAYS[0])
    assert len(parsed) == len(first.details) + sum(
        1 for s in first.details_status.values() if s == "invalid"
    )
    parsed.clear()
    third = raw_read.read_day(warehouse, DAYS[2])
    # Only rows captured after day 1 (new, changed or stale movies) and movies day 1 did not see.
    later = warehouse.scalar(
        "SELECT count(*) FROM raw.movie_details md JOIN raw.capture c USING (capture_id) "
        "WHERE c.is_current AND c.partition_date > :d AND md.http_status <> 404",
        d=DAYS[0],
    )
    assert 0 < len(parsed) <= later + len(set(third.details) - set(first.details))
    assert len(parsed) < len(third.details) / 2
    clear_cache()
    fresh = raw_read.read_day(warehouse, DAYS[2])
    assert fresh.details == third.details and fresh.details_status == third.details_status
    assert list(fresh.details) == list(third.details)  # same order: dims depend on it
    # A recapture of day 3's details gets new rows: they are parsed, not served from the memo.
    result = materialize_day(
        resources,
        DAYS[2],
        simulator,
        selection=RAW,
        run_config={"ops": {"raw_movie_details": {"config": {"recapture": True}}}},
    )
    assert result.success
    assert (
        warehouse.scalar(
            "SELECT version FROM raw.capture WHERE asset = 'raw_movie_details' AND is_current "
            "AND partition_date = :d",
            d=DAYS[2],
        )
        == 2
    )
    parsed.clear()
    raw_read.read_day(warehouse, DAYS[2])
    assert len(parsed) > 0


def test_a_day_never_captured_is_named_with_what_to_do(warehouse):
    with warehouse.begin() as conn:
        assert current_capture(conn, DISCOVER, DAY1) is None
        with pytest.raises(MissingRawDataError) as caught:
            require_capture(conn, DISCOVER, DAY1)
    message = str(caught.value)
    assert str(DAY1) in message and f"materialize {DISCOVER} for partition {DAY1}" in message


def test_a_captured_day_reads_back_the_same_from_the_cache_and_anew(
    resources, simulator, warehouse
):
    capture_raw(resources, simulator, DAYS[:1])
    with warehouse.begin() as conn:
        discover = require_capture(conn, DISCOVER, DAY1)
        details = require_capture(conn, DETAILS, DAY1)
    assert (discover.version, details.version) == (1, 1)
    assert not discover.late_capture and discover.partition_date == DAY1
    clear_cache()
    first = read_day(warehouse, DAY1)
    again = read_day(warehouse, DAY1)
    assert again is first  # the run's assets share one parse of the day
    clear_cache()
    fresh = read_day(warehouse, DAY1)
    assert fresh is not first and list(fresh.details) == list(first.details)
    assert [i.movie_id for i in fresh.items] == [i.movie_id for i in first.items]
    stored = warehouse.scalar(
        "SELECT count(*) FROM raw.movie_details WHERE capture_id = :c AND http_status = 200",
        c=details.capture_id,
    )
    assert 0 < len(fresh.details) <= stored
    assert len(fresh.items) == warehouse.scalar(
        "SELECT count(DISTINCT (item->>'id')::int) FROM raw.discover_page p, "
        "jsonb_array_elements(p.payload->'results') item WHERE p.capture_id = :c",
        c=discover.capture_id,
    )
