"""The pure parts of a capture: which details to ask for, and when a capture is late."""

import datetime as dt

import pytest

from tmdb_assets.capture.plan import DetailsPlan, changed_since, days_after, plan_details
from tmdb_assets.transform.days import end_of_day, is_late

DAY = dt.date(2025, 3, 10)


def test_details_are_asked_for_new_stale_and_changed_movies_only():
    last_fetch = {
        2: DAY - dt.timedelta(days=30),  # exactly the max age: stale
        3: DAY - dt.timedelta(days=29),  # younger, unchanged: reused
        4: DAY - dt.timedelta(days=3),  # changed on the day after it was fetched
        5: DAY - dt.timedelta(days=3),  # changed on the day it was fetched: already seen
        6: DAY - dt.timedelta(days=1),  # changed today: fetched again
    }
    changes = {
        DAY - dt.timedelta(days=2): {4},
        DAY - dt.timedelta(days=3): {5},
        DAY: {6},
    }
    plan = plan_details(DAY, [1, 2, 3, 4, 5, 6], last_fetch, changes, max_age_days=30)
    assert plan == {1: "new", 2: "stale", 4: "changed", 6: "changed"}


def test_the_change_lists_read_are_the_days_after_the_last_fetch():
    since = dt.date(2025, 3, 7)
    assert days_after(since, DAY) == [dt.date(2025, 3, d) for d in (8, 9, 10)]
    assert days_after(DAY, DAY) == []
    assert changed_since(7, since, DAY, {dt.date(2025, 3, 10): {7}})
    assert not changed_since(7, since, DAY, {since: {7}, dt.date(2025, 3, 11): {7}})


def test_a_plan_counts_its_reasons():
    plan = DetailsPlan(DAY, None, [1, 2, 3], {1: "new", 2: "new", 3: "stale"}, 0)  # type: ignore[arg-type]
    assert plan.counts == {"new": 2, "stale": 1}


@pytest.mark.parametrize(
    ("captured_at", "grace_hours", "late"),
    [
        (dt.datetime(2025, 3, 10, 23, 59, tzinfo=dt.UTC), 24, False),  # during the day
        (dt.datetime(2025, 3, 11, 0, 30, tzinfo=dt.UTC), 24, False),  # the schedule's time
        (dt.datetime(2025, 3, 12, 0, 0, tzinfo=dt.UTC), 24, False),  # the grace's last instant
        (dt.datetime(2025, 3, 12, 0, 0, 1, tzinfo=dt.UTC), 24, True),
        (dt.datetime(2025, 3, 11, 2, 0, tzinfo=dt.UTC), 1, True),
    ],
)
def test_a_capture_is_late_after_the_day_ended_plus_the_grace(captured_at, grace_hours, late):
    assert end_of_day(DAY) == dt.datetime(2025, 3, 11, tzinfo=dt.UTC)
    assert is_late(DAY, captured_at, grace_hours) is late
