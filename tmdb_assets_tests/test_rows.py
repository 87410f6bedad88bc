"""Row builders (rows.py) on real TMDb responses, without a database."""

import dataclasses
import datetime as dt
from types import SimpleNamespace

import pytest

from tmdb_assets.transform import rows
from tmdb_assets.transform.day import DayData
from tmdb_assets.transform.details import genre_list, movie_details
from tmdb_assets.transform.discover import discover_items
from tmdb_assets.transform.media import MOVIE, TV
from tmdb_assets.transform.tv import tv_details
from tmdb_assets.warehouse.tables import TABLES
from tmdb_assets_tests.conftest import load_sample

DAY = dt.date(2022, 8, 15)
CAPTURED = dt.datetime(2022, 8, 15, 23, 50, tzinfo=dt.UTC)


def recorded_day(
    page: str, details: dict, with_details: int, gone: int, genres: str, media=MOVIE
) -> DayData:
    """A day of a real discover page: its item at `with_details` has the real `details`
    (as that item's), its item at `gone` is gone on TMDb (404), the others have none yet."""
    items, rejected, duplicates = discover_items([(1, load_sample(page))], media)
    mine, lost = items[with_details].movie_id, items[gone].movie_id
    parse = tv_details if media is TV else movie_details
    return DayData(
        DAY,
        SimpleNamespace(captured_at=CAPTURED, late_capture=False),
        items,
        rejected,
        duplicates,
        details={mine: parse({**details, "id": mine}, expected_id=mine)},
        details_status={mine: "ok", lost: "not_found"},
        fetched_at={mine: CAPTURED},
        details_day={mine: DAY},
        genres_ref=genre_list(load_sample(genres)),
        media=media,
    )


@pytest.fixture
def day() -> DayData:
    """A real discover page; the first movie has real details (Fight Club's), the second is
    gone on TMDb (404), the others have no details yet."""
    return recorded_day(
        "discover_default_p1_2022-08.json", load_sample("movie_550.json"), 0, 1, "genre_list.json"
    )


@pytest.fixture
def tv_day() -> DayData:
    """A real /discover/tv page (2022-11-26); its third series has real details (Game of
    Thrones' with its recorded parts), its first is gone on TMDb (404), the others have none."""
    recorded = {
        **load_sample("tv_1399_2024-03.json"),
        "aggregate_credits": load_sample("tv_1399_aggregate_credits_2025-04.json"),
        "content_ratings": load_sample("tv_1399_content_ratings_2025-04.json"),
        "keywords": load_sample("tv_1399_keywords_2025-04.json"),
        "watch/providers": load_sample("tv_1399_watch_providers_2023-10.json"),
    }
    page, genres = "discover_tv_p1_2022-11-26.json", "genre_tv_list_2022-12.json"
    return recorded_day(page, recorded, 2, 0, genres, TV)


def test_every_builder_fills_its_tables_columns(day, tv_day):
    days = {"movie": dataclasses.replace(day, also=[tv_day]), "tv": tv_day}
    for table in TABLES.values():
        if table.rows is None:  # loaded from another source (the catalogue: the export file)
            continue
        built = table.rows(days[table.media.name])
        assert built or table.media.name == "movie", table.name  # every TV table, here
        assert all(len(r) == len(table.columns) for r in built), table.name
        keys = [tuple(r[table.columns.index(k)] for k in table.key) for r in built]
        assert len(keys) == len(set(keys)), f"{table.name}: a key twice in one day"


def test_dim_movie_takes_details_where_it_has_them_and_discover_elsewhere(day):
    cols = TABLES["dim_movie"].columns
    by_id = {r[0]: dict(zip(cols, r, strict=True)) for r in rows.dim_movie_rows(day)}
    first, second, third = (i.movie_id for i in day.items[:3])
    assert len(by_id) == len(day.items) == 20
    assert by_id[first]["title"] == "Fight Club" and by_id[first]["runtime"] == 139
    assert by_id[first]["imdb_id"] == "tt0137523" and by_id[first]["details_status"] == "ok"
    assert by_id[second]["details_status"] == "not_found"
    assert by_id[second]["title"] == day.items[1].title and by_id[second]["runtime"] is None
    assert by_id[third]["details_status"] == "missing"
    assert {r["source_date"] for r in by_id.values()} == {DAY}


def test_genre_rows_are_the_reference_list_plus_what_details_name(day):
    reference = dict(day.genres_ref)
    built = rows.dim_genre_rows(day)
    assert [r[0] for r in built] == sorted(reference)
    assert all(name == reference[gid] for gid, name, _, _ in built)
    assert {media for _, _, media, _ in built} == {"movie"}


def test_genres_of_both_domains_say_which_lists_name_them(day, tv_day):
    """One id space for movie and TV genres: 18 Drama is in both lists, 10765 Sci-Fi &
    Fantasy in TV's only, 878 Science Fiction in the movies' only."""
    built = {r[0]: r for r in rows.dim_genre_rows(dataclasses.replace(day, also=[tv_day]))}
    assert built[18][2] == "both" and built[10765][2] == "tv" and built[878][2] == "movie"
    assert built[10765][1] == "Sci-Fi & Fantasy"
    assert {r[0] for r in rows.dim_genre_rows(tv_day)} == {g for g, _ in tv_day.genres_ref}


def test_country_rows_carry_the_continent_given(day):
    built = rows.dim_country_rows(day, {"US": ("NA", "North America")})
    by_code = {r[0]: r for r in built}
    assert set(by_code) == {"DE", "US"}  # Fight Club's production countries
    assert by_code["US"][3:5] == ("NA", "North America")
    assert by_code["DE"][3:5] == (None, None)  # not in the mapping: the check lists it


def test_bridges_assert_only_what_the_day_knows(day):
    first, second = day.items[0].movie_id, day.items[1].movie_id
    genre = TABLES["bridge_movie_genre"]
    movies, pairs = rows.bridge_pairs(day, genre.bridge_keys, genre.bridge_discover_keys)
    # Genres: from details for the first movie, from discover for every other one.
    assert movies == {i.movie_id for i in day.items}
    assert sorted(g for m, g in pairs if m == first) == [18]
    assert sorted(g for m, g in pairs if m == second) == sorted(day.items[1].genre_ids)
    # Companies: only movies with details say anything; the others keep their stored sets.
    company = TABLES["bridge_movie_company"]
    movies, pairs = rows.bridge_pairs(day, company.bridge_keys, company.bridge_discover_keys)
    assert movies == {first} and len(pairs) == 5
    # A list the details could not read is unknown: the movie's set is left alone.
    unknown = dataclasses.replace(day.details[first], companies=None)
    day.details[first] = unknown
    assert rows.bridge_pairs(day, company.bridge_keys) == (set(), [])


def test_fact_rows_one_per_movie_with_rank_and_capture(day):
    built = rows.fact_rows(day)
    cols = TABLES["fact_movie_daily"].columns
    assert len(built) == 20 and {r[0] for r in built} == {20220815}
    top = dict(zip(cols, built[0], strict=True))
    assert top["discover_rank"] == 1 and top["captured_at"] == CAPTURED
    assert top["late_capture"] is False and top["popularity"] == day.items[0].popularity


def test_dim_date_needs_no_raw():
    (row,) = rows.dim_date_rows(DayData.without_raw(dt.date(2024, 12, 30)))
    cols = TABLES["dim_date"].columns
    values = dict(zip(cols, row, strict=True))
    assert values["date_id"] == 20241230 and values["iso_week"] == 1 and not values["is_weekend"]


def test_genre_day_figures_come_from_the_days_own_genres(day):
    """Per genre: the movies that day's details (else its discover genre_ids) give it, with
    their mean and median popularity, mean vote and summed votes."""
    cols = TABLES["fact_genre_daily"].columns
    built = {r[1]: dict(zip(cols, r, strict=True)) for r in rows.genre_daily_rows(day)}
    first = day.items[0]
    expected: dict[int, list] = {}
    for item in day.items:
        d = day.details.get(item.movie_id)
        for g in [g for g, _ in d.genres] if d else item.genre_ids:
            expected.setdefault(g, []).append(item)
    assert set(built) == set(expected)
    for genre_id, movies in expected.items():
        row = built[genre_id]
        pops = sorted(m.popularity for m in movies)
        mid = len(pops) // 2
        assert row["date_id"] == 20220815 and row["movies"] == len(movies)
        assert row["mean_popularity"] == pytest.approx(sum(pops) / len(pops))
        assert row["median_popularity"] == pytest.approx(
            pops[mid] if len(pops) % 2 else (pops[mid - 1] + pops[mid]) / 2
        )
        assert row["mean_vote_average"] == pytest.approx(
            sum(m.vote_average for m in movies) / len(movies)
        )
        assert row["total_votes"] == sum(m.vote_count for m in movies)
    # Fight Club's details say Drama only: its discover genre_ids (another movie's) are not used.
    assert [g for g, _ in day.details[first.movie_id].genres] == [18]
    assert not set(first.genre_ids) <= {18}


def test_series_rows_take_details_where_they_have_them_and_discover_elsewhere(tv_day):
    table = TABLES["dim_tv_series"]
    by_id = {r[0]: dict(zip(table.columns, r, strict=True)) for r in table.rows(tv_day)}
    first, third, fourth = (tv_day.items[i].movie_id for i in (0, 2, 3))
    assert len(by_id) == len(tv_day.items) == 20
    got = by_id[third]
    assert got["name"] == "Game of Thrones" and got["number_of_seasons"] == 8
    assert got["number_of_episodes"] == 73 and got["type"] == "Scripted"
    assert got["status"] == "Ended" and got["in_production"] is False
    assert got["first_air_date"] == dt.date(2011, 4, 17) and got["origin_country"] == ["US"]
    assert by_id[first]["details_status"] == "not_found"
    assert by_id[first]["name"] == tv_day.items[0].title == "1899"
    assert by_id[first]["first_air_date"] == dt.date(2022, 11, 17)
    assert by_id[first]["origin_country"] == ["DE"] and by_id[first]["number_of_seasons"] is None
    assert by_id[fourth]["details_status"] == "missing"


def test_series_networks_seasons_and_origin_countries(tv_day):
    third = tv_day.items[2].movie_id
    assert TABLES["dim_network"].rows(tv_day) == [
        (49, "HBO", "US", "/tuomPhY2UtuPTqqFnKMVHvSb724.png", DAY)
    ]
    seasons = TABLES["dim_tv_season"]
    movies, pairs = rows.bridge_pairs(tv_day, seasons.bridge_keys)
    assert movies == {third}
    assert [p[1] for p in pairs] == list(range(0, 9))  # the specials, then seasons 1..8
    assert pairs[1][4:6] == (dt.date(2011, 4, 18), 10)  # season 1: aired, 10 episodes
    # Origin countries: from details where there are some, from discover elsewhere.
    country = TABLES["bridge_tv_country"]
    movies, pairs = rows.bridge_pairs(tv_day, country.bridge_keys, country.bridge_discover_keys)
    assert movies == {i.movie_id for i in tv_day.items}
    assert (tv_day.items[0].movie_id, "DE") in pairs and (third, "US") in pairs
    # Networks: only series with details say anything.
    network = TABLES["bridge_tv_network"]
    assert rows.bridge_pairs(tv_day, network.bridge_keys) == ({third}, [(third, 49)])
    assert rows.fact_rows(tv_day)[0][:3] == (20220815, tv_day.items[0].movie_id, 2815.931)


def test_a_series_cast_and_crew_come_from_its_aggregate_credits(tv_day):
    """Game of Thrones' recorded aggregate credits: a role per credit id with its episodes."""
    third = tv_day.items[2].movie_id
    cast = TABLES["bridge_tv_cast"]
    _, pairs = rows.bridge_pairs(tv_day, cast.bridge_keys)
    by_credit = {p[2]: dict(zip(cast.columns, p, strict=True)) for p in pairs}
    jon = by_credit["5256c8af19c2956ff6047af6"]
    assert jon["tv_id"] == third and jon["person_id"] == 239019
    assert (jon["character"], jon["cast_order"], jon["episode_count"]) == ("Jon Snow", 1, 79)
    crew = TABLES["bridge_tv_crew"]
    _, jobs = rows.bridge_pairs(tv_day, crew.bridge_keys)
    design = {p[2]: p for p in jobs}["54eee9e5c3a3686d5800584e"]
    assert design[3:] == ("Art", "Production Design", 43)
    people = {r[0]: r for r in rows.dim_person_rows(tv_day)}
    assert people[239019][1] == "Kit Harington" and len(people) > 700


def test_a_series_keywords_ratings_and_providers_from_its_appended_parts(tv_day):
    """Game of Thrones' recorded parts: keywords under `results` (not `keywords` as a movie's),
    a rating per country, and the offers of its watch providers observed on the day."""
    third = tv_day.items[2].movie_id
    _, keywords = rows.bridge_pairs(tv_day, TABLES["bridge_tv_keyword"].bridge_keys)
    assert (third, 818) in keywords  # based on novel or book
    _, ratings = rows.bridge_pairs(tv_day, TABLES["bridge_tv_content_rating"].bridge_keys)
    assert dict((c, r) for _, c, r in ratings)["DE"] == "16"
    observed = TABLES["fact_tv_watch_observation"].rows(tv_day)
    assert len(observed) == 1 and observed[0][0] == third and observed[0][5] > 100
