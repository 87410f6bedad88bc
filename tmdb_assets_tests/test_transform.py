"""Pure transforms over the real TMDb responses in data/tmdb/."""

import datetime as dt
import json

import pytest

from tmdb_assets.transform import (
    PayloadError,
    clean_text,
    country_list,
    date_id,
    dim_date_row,
    discover_items,
    genre_list,
    language_list,
    movie_details,
    parse_date,
    to_float,
)
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
        ({"id": 5, "popularity": "very"}, "popularity is 'very'"),
        ({"id": 5, "vote_average": 11}, "out-of-range"),
        ({"id": 5, "genre_ids": "28"}, "genre_ids is not a list"),
        ({"id": 5, "vote_count": 10**10}, "vote_count is 10000000000, out of range"),
        ({"id": 2**31}, "out of range"),
        ("not an object", "not an object"),
    ],
)
def test_malformed_items_are_rejected_with_a_reason(item, reason):
    items, rejected, _ = discover_items([(1, {"results": [item, {"id": 9}]})])
    assert [i.movie_id for i in items] == [9]
    assert len(rejected) == 1 and reason in rejected[0].reason


def test_malformed_details_raise_payload_error():
    with pytest.raises(PayloadError, match="carry id 2"):
        movie_details({"id": 2}, expected_id=1)
    with pytest.raises(PayloadError, match="genres is a str"):
        movie_details({"id": 1, "genres": "Drama"})
    with pytest.raises(PayloadError, match="runtime"):
        movie_details({"id": 1, "runtime": "long"})
    # Numbers that do not fit their column quarantine the payload instead of failing the load.
    with pytest.raises(PayloadError, match="runtime is 1000000000000, out of range"):
        movie_details({"id": 1, "runtime": 10**12})
    with pytest.raises(PayloadError, match=r"revenue .* out of range"):
        movie_details({"id": 1, "revenue": 10**19})
    with pytest.raises(PayloadError, match=r"production_companies\[\]\.id"):
        movie_details({"id": 1, "production_companies": [{"id": 2**40, "name": "X"}]})
    assert movie_details({"id": 1, "budget": 3 * 10**12}).budget == 3 * 10**12  # bigint
    assert movie_details({"id": 1, "runtime": 90.0}).runtime == 90


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
