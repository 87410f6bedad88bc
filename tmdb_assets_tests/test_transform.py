"""Pure transforms over the real TMDb responses in data/tmdb/."""

import datetime as dt
import json

import pytest

from tmdb_assets.transform.days import date_id, dim_date_row
from tmdb_assets.transform.details import country_list, genre_list, language_list, movie_details
from tmdb_assets.transform.discover import PageShape, discover_items, discover_problems
from tmdb_assets.transform.values import PayloadError, clean_text, parse_date, to_float
from tmdb_assets_tests.conftest import SAMPLES, load_sample

MOVIE_FILES = sorted(p.name for p in SAMPLES.glob("movie_*.json") if "_credits" not in p.name)
LIST_FILES = sorted(p.name for p in SAMPLES.glob("discover_*.json")) + sorted(
    p.name for p in SAMPLES.glob("list_movie_*.json")
)


@pytest.mark.parametrize("name", MOVIE_FILES)
def test_every_recorded_movie_parses(name):
    payload = load_sample(name)
    d = movie_details(payload, expected_id=payload["id"])
    assert d.movie_id == payload["id"]
    assert d.title == (payload["title"] or None)
    # "" release dates become NULL, real ones dates.
    if payload.get("release_date"):
        assert d.release_date == dt.date.fromisoformat(payload["release_date"])
    else:
        assert d.release_date is None
    # "" and null optional text both become NULL.
    for field in ("imdb_id", "homepage", "tagline"):
        if not payload.get(field):
            assert getattr(d, field) is None
    assert {g for g, _ in d.genres} == {g["id"] for g in payload.get("genres") or []}
    assert {c[0] for c in d.companies} == {
        c["id"] for c in payload.get("production_companies") or []
    }
    for _, _, origin, _ in d.companies:
        assert origin != ""


@pytest.mark.parametrize("name", LIST_FILES)
def test_every_recorded_list_page_parses(name):
    payload = load_sample(name)
    items, rejected, duplicates = discover_items([(1, payload)])
    assert rejected == []
    assert duplicates == 0
    assert [i.movie_id for i in items] == [r["id"] for r in payload["results"]]
    assert [i.rank for i in items] == list(range(1, len(items) + 1))
    for item, raw in zip(items, payload["results"], strict=True):
        # Integer-looking numbers (0, 9) come out as floats.
        assert isinstance(item.popularity, float) and item.popularity == float(raw["popularity"])
        assert isinstance(item.vote_average, float)
        assert item.release_date == parse_date(raw.get("release_date"))


def test_empty_string_dates_become_null():
    payload = load_sample("discover_sort_title_asc_p1_2019.json")
    empty = {r["id"] for r in payload["results"] if r["release_date"] == ""}
    assert empty
    items, _, _ = discover_items([(1, payload)])
    assert {i.movie_id for i in items if i.release_date is None} == empty
    stub = movie_details(load_sample("movie_1236474_latest.json"))
    assert stub.release_date is None and stub.imdb_id is None and stub.genres == []


def test_integer_numbers_become_floats():
    d = load_sample("movie_995906.json")
    assert isinstance(d["vote_average"], int)
    items, _, _ = discover_items([(1, {"results": [d]})])
    assert items[0].vote_average == float(d["vote_average"])
    assert isinstance(items[0].vote_average, float)
    assert to_float(0, "popularity") == 0.0 and isinstance(to_float(9, "x"), float)
    assert to_float("7.25", "x") == 7.25


def test_optional_text_is_cleaned():
    assert clean_text("") is None and clean_text("  \n") is None and clean_text(None) is None
    assert clean_text("Amélie") == "Amélie" and clean_text(" a ") == " a "
    # PostgreSQL text cannot hold NUL: it is dropped, not a reason to lose the movie.
    assert clean_text("Bad\x00Title") == "BadTitle" and clean_text("\x00") is None
    assert clean_text(2019) == "2019"


def test_non_latin_titles_survive():
    d = movie_details(load_sample("movie_372058.json"))
    assert d.original_title == "君の名は。"
    d = movie_details(load_sample("movie_517096.json"))
    assert any(name == "Pусский" for _, _, name in d.languages)


def test_collection_string_quirk_is_tolerated():
    payload = load_sample("movie_12313_append_15_items_2024.json")
    assert isinstance(payload["belongs_to_collection"], str)
    d = movie_details(payload)
    assert d.collection_id is None and d.collection_name is None


def test_duplicates_across_pages_keep_the_better_rank():
    page1 = {"results": [{"id": 1, "popularity": 9}, {"id": 2, "popularity": 8}]}
    page2 = {"results": [{"id": 2, "popularity": 8}, {"id": 3, "popularity": 7}]}
    items, rejected, duplicates = discover_items([(2, page2), (1, page1)])
    assert [(i.movie_id, i.rank, i.page) for i in items] == [(1, 1, 1), (2, 2, 1), (3, 4, 2)]
    assert duplicates == 1 and rejected == []


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"title": "no id"}, "has no id"),
        ({"id": "abc"}, "not a number"),
        ({"id": 2**31}, "out of range"),
        ({"id": -4}, "not positive"),
        ("not an object", "not an object"),
    ],
)
def test_items_without_a_usable_id_are_rejected_whole(item, reason):
    items, rejected, _ = discover_items([(1, {"results": [item, {"id": 9}]})])
    assert [i.movie_id for i in items] == [9]
    assert len(rejected) == 1 and reason in rejected[0].reason and rejected[0].field is None


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        ({"popularity": "very"}, "popularity", "popularity is 'very'"),
        ({"popularity": -1}, "popularity", "not >= 0"),
        ({"vote_average": 11}, "vote_average", "not within [0, 10]"),
        ({"vote_count": "x"}, "vote_count", "vote_count is 'x', not a number"),
        ({"vote_count": 10**10}, "vote_count", "out of range"),
        ({"genre_ids": "18"}, "genre_ids", "genre_ids is a str ('18'), not a list"),
    ],
)
def test_one_bad_field_keeps_the_movie_and_quarantines_the_field(bad, field, reason):
    good = {"id": 5, "title": "Kept", "popularity": 3.5, "vote_average": 7.0, "vote_count": 12}
    good["genre_ids"] = [18, 35]
    items, rejected, _ = discover_items([(3, {"results": [{**good, **bad}, {"id": 9}]})])
    assert [i.movie_id for i in items] == [5, 9]
    kept = items[0]
    assert kept.title == "Kept" and getattr(kept, field) is None
    # Every other field parsed as usual.
    for other, value in (("popularity", 3.5), ("vote_average", 7.0), ("vote_count", 12)):
        if other != field:
            assert getattr(kept, other) == value
    if field != "genre_ids":
        assert kept.genre_ids == (18, 35)
    assert len(rejected) == 1
    assert rejected[0].field == field and rejected[0].movie_id == 5
    assert reason in rejected[0].reason and rejected[0].reason.startswith("page 3: ")
    assert rejected[0].payload == {"field": field, "value": bad[field]}


def test_a_bad_genre_id_drops_that_id_only():
    items, rejected, _ = discover_items([(1, {"results": [{"id": 5, "genre_ids": [18, "x", 28]}]})])
    assert items[0].genre_ids == (18, 28)
    assert [(r.field, r.movie_id) for r in rejected] == [("genre_ids", 5)]


def test_details_with_a_bad_field_keep_everything_else():
    payload = load_sample("movie_550.json")
    d = movie_details({**payload, "runtime": "long", "budget": 10**19}, expected_id=550)
    assert d.runtime is None and d.budget is None
    assert d.title == payload["title"] and d.revenue == payload["revenue"]
    assert {g for g, _ in d.genres} == {g["id"] for g in payload["genres"]}
    assert sorted(p.field for p in d.problems) == ["budget", "runtime"]
    # A list that is not a list: unknown (None), not an empty set.
    d = movie_details({"id": 1, "genres": "Drama"})
    assert d.genres is None and [p.field for p in d.problems] == ["genres"]
    # One bad entry: that entry is dropped, the others kept.
    d = movie_details(
        {"id": 1, "production_companies": [{"id": 2**40, "name": "X"}, {"id": 7, "name": "Y"}]}
    )
    assert [c[0] for c in d.companies] == [7]
    assert "production_companies[].id" in d.problems[0].reason


def test_details_that_cannot_be_the_movie_raise_payload_error():
    with pytest.raises(PayloadError, match="carry id 2"):
        movie_details({"id": 2}, expected_id=1)
    with pytest.raises(PayloadError, match="not an object"):
        movie_details(["not", "an", "object"])
    with pytest.raises(PayloadError, match="has no id"):
        movie_details({"title": "x"})
    assert movie_details({"id": 1, "budget": 3 * 10**12}).budget == 3 * 10**12  # bigint
    assert movie_details({"id": 1, "runtime": 90.0}).runtime == 90
    assert movie_details({"id": 1, "runtime": 10**12}).runtime is None  # out of range: set aside


def _shapes(*sizes: int, total_results: int, total_pages: int | None = None):
    total_pages = total_pages if total_pages is not None else -(-total_results // 20)
    return [PageShape(p, n, total_pages, total_results) for p, n in enumerate(sizes, start=1)]


def test_a_complete_discover_capture_has_no_problems():
    assert discover_problems(_shapes(20, 20, 20, total_results=10_000), 3) == []
    # TMDb's last page holds what total_results leaves for it.
    assert discover_problems(_shapes(20, 20, 5, total_results=45), 5) == []
    assert discover_problems([PageShape(1, 0, 0, 0)], 3) == []  # a query that matches nothing


@pytest.mark.parametrize(
    ("shapes", "requested", "problem"),
    [
        (_shapes(20, 20, 0, total_results=10_000), 3, "page 3 holds 0 results, not 20"),
        (_shapes(20, 19, 20, total_results=10_000), 3, "page 2 holds 19 results"),
        (_shapes(20, 20, total_results=10_000), 3, "page 3 is missing"),
        (_shapes(20, 20, 1, total_results=45), 5, "total_results 45 leaves 5"),
        # total_pages wrong (says 3, page 3 empty): a short capture, never the day's truth.
        (_shapes(20, 20, 0, total_results=60, total_pages=3), 3, "(TMDb's last) holds 0"),
    ],
)
def test_an_incomplete_discover_capture_says_why(shapes, requested, problem):
    problems = discover_problems(shapes, requested)
    assert any(problem in p for p in problems), problems


def test_reference_lists():
    genres = genre_list(load_sample("genre_list.json"))
    assert len(genres) == 19 and (18, "Drama") in genres
    countries = country_list(load_sample("configuration_countries.json"))
    assert len(countries) == 251 and any(c[0] == "SU" for c in countries)
    languages = language_list(load_sample("configuration_languages.json"))
    assert all(name != "" for _, _, name in languages)
    with pytest.raises(PayloadError):
        genre_list(json.loads('{"status_code": 7}'))


def test_dim_date_row():
    row = dim_date_row(dt.date(2025, 3, 2))
    assert row[0] == date_id(dt.date(2025, 3, 2)) == 20250302
    assert row[2:8] == (2025, 1, 3, 2, 9, 7)
    assert row[8] == "Sunday" and row[9] is True
