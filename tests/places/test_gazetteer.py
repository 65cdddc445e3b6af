"""The offline gazetteer: curated places first, GeoNames' populated places behind them, fuzzy suggestions, the
cached index (rebuilt when damaged), hostile queries, and the loader placing a record by a GeoNames name."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.loading.loader import load_events
from dashboard.model.problems import Severity
from dashboard.model.schema import LOCATION_PRECISIONS
from dashboard.places import gazetteer as gazetteer_module
from dashboard.places.gazetteer import Gazetteer, PlaceMatch, geonames_index, load_gazetteer, normalise_name
from tests_support import only_errors, record, write_yaml


@pytest.fixture(scope="module")
def gazetteer(registries) -> Gazetteer:
    """The real gazetteer; its GeoNames index is built once per test session, in the tests' cache folder."""
    return load_gazetteer(registries)


def names(matches: list[PlaceMatch]) -> list[tuple[str, str, str]]:
    return [(match.name, match.country, match.source) for match in matches]


# -- names, aliases and transliterations


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kharkov", "Kharkiv"),  # curated alias
        ("KHAR’KOV", "Kharkiv"),  # case and apostrophe
        ("Харків", "Kharkiv"),  # GeoNames' Cyrillic alias, answered as the curated entry
        ("Charków", "Kharkiv"),  # GeoNames' Polish alias, accents dropped
        ("rostov on don", "Rostov-on-Don"),  # hyphens as spaces
        ("Toropec", "Toropets"),  # GeoNames' transliteration of the curated town
        ("Kursk", "Kursk"),
        ("Karachev depot", "67th GRAU arsenal (Karachev)"),
    ],
)
def test_aliases_and_transliterations_find_the_curated_place_first(gazetteer, query: str, expected: str) -> None:
    [first, *_] = gazetteer.exact(query)
    assert (first.name, first.source, first.score) == (expected, "curated", 100.0)
    assert first.reference == f"data/registries/gazetteer.csv: {expected}"
    assert normalise_name(first.matched) == normalise_name(query)


def test_a_place_only_geonames_knows_says_where_it_came_from(gazetteer) -> None:
    [avdiivka, *_] = gazetteer.exact("Avdiivka", country="UKR")
    assert avdiivka.name == "Avdiyivka" and avdiivka.country == "UKR" and avdiivka.source == "geonames"
    assert avdiivka.kind == "populated place" and avdiivka.precision == "city"
    assert avdiivka.reference.startswith("GeoNames ") and avdiivka.population > 10_000
    assert 48.0 < avdiivka.latitude < 48.3 and 37.6 < avdiivka.longitude < 37.9


def test_a_curated_site_supports_an_exact_point_and_a_town_a_city(gazetteer) -> None:
    [arsenal] = gazetteer.exact("67th arsenal")
    [town, *_] = gazetteer.exact("Karachev")
    assert (arsenal.kind, arsenal.precision) == ("site", "exact")
    assert (town.kind, town.precision) == ("city", "city")
    assert {match.precision for match in gazetteer.lookup("Moscow", limit=20)} <= set(LOCATION_PRECISIONS)


def test_curated_first_then_the_largest_places(gazetteer) -> None:
    matches = gazetteer.exact("Moscow")
    assert names(matches)[0] == ("Moscow", "RUS", "curated")
    geonames = [match for match in matches if match.source == "geonames"]
    assert len(geonames) >= 3 and all(match.country != "RUS" or match.name != "Moscow" for match in geonames)
    populations = [match.population or 0 for match in geonames]
    assert populations == sorted(populations, reverse=True)


def test_a_curated_place_is_listed_once_not_again_from_geonames(gazetteer) -> None:
    matches = gazetteer.lookup("Kharkiv", limit=20)
    assert sum(match.country == "UKR" and match.name == "Kharkiv" for match in matches) == 1


def test_country_filter(gazetteer) -> None:
    in_usa = gazetteer.exact("Moscow", country="USA")
    assert in_usa and {match.country for match in in_usa} == {"USA"}
    assert names(gazetteer.lookup("Moscow", country="rus"))[0] == ("Moscow", "RUS", "curated")
    assert all(match.country == "RUS" for match in gazetteer.lookup("Toropetz", country="RUS"))
    assert gazetteer.exact("Kharkiv", country="RUS") == []
    assert gazetteer.lookup("Kyiv", country="'; DROP TABLE places; --") == []


# -- fuzzy suggestions


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Toropetz", ("Toropets", "RUS")),
        ("Vladivostock", ("Vladivostok", "RUS")),
        ("Dnepropetrovs", ("Dnipro", "UKR")),
        ("Bakhmutt", ("Bakhmut", "UKR")),
        ("Sevastapol", ("Sevastopol", "UKR")),
    ],
)
def test_a_misspelt_name_suggests_the_place_meant_first(gazetteer, query: str, expected: tuple[str, str]) -> None:
    [first, *_] = gazetteer.lookup(query)
    assert (first.name, first.country) == expected
    assert first.score < 100


def test_suggestions_are_best_first_and_say_what_they_matched(gazetteer) -> None:
    matches = gazetteer.lookup("Karachev", limit=8)
    assert names(matches)[0] == ("Karachev", "RUS", "curated") and matches[0].score == 100.0
    assert "67th GRAU arsenal (Karachev)" in [match.name for match in matches]  # the arsenal is suggested too
    fuzzy = [match for match in matches if match.score < 100]
    assert fuzzy and all(match.score >= gazetteer_module.FUZZY_CUTOFF for match in fuzzy)
    assert len({match.reference for match in matches}) == len(matches)  # no place twice


def test_limit_is_respected(gazetteer) -> None:
    assert len(gazetteer.lookup("Springfield", limit=3)) == 3
    assert gazetteer.lookup("Kyiv", limit=0) == []
    assert len(gazetteer.lookup("Kyiv", limit=10_000)) <= gazetteer_module.MAX_LIMIT


def test_longest_name_words_covers_multi_word_names(gazetteer) -> None:
    assert gazetteer.longest_name_words() >= len(["67th", "GRAU", "arsenal", "(Karachev)"])


# -- hostile input


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   \t\n",
        "x" * 10_000_000,
        "Kyiv" + " " * 10_000_000,
        "\x00\x01\x02\x1b[31m",
        "Ky\x00iv",
        "\u202eviyK",  # a right-to-left override
        "\ud800\udfff",  # lone surrogates
        "'; DROP TABLE places; --",
        "%s%s%n{0}",
        "٠١٢٣",  # Arabic-Indic digits
        "ﷺ" * 1000,  # a ligature that expands when normalised
    ],
)
def test_hostile_queries_are_answered_quickly_without_error(gazetteer, query: str) -> None:
    matches = gazetteer.lookup(query)
    assert isinstance(matches, list) and all(isinstance(match, PlaceMatch) for match in matches)
    assert isinstance(gazetteer.exact(query), list)


def test_right_to_left_names_are_found(gazetteer) -> None:
    assert names(gazetteer.exact("خاركوف"))[0] == ("Kharkiv", "UKR", "curated")
    assert names(gazetteer.exact("\u200fחרקוב\u200f"))[0] == ("Kharkiv", "UKR", "curated")


def test_non_text_input_is_no_match(gazetteer) -> None:
    for value in (None, 42, float("nan"), ["Kyiv"]):
        assert gazetteer.lookup(value) == [] and gazetteer.exact(value) == []


# -- the cached index


CITIES = {
    "1": {
        "geonameid": 1,
        "name": "Testograd",
        "latitude": 50.5,
        "longitude": 30.5,
        "countrycode": "UA",
        "population": 5000,
        "alternatenames": ["Testogrod", "Тестоград"],
    },
    "2": {
        "geonameid": 2,
        "name": "Testograd",
        "latitude": 55.0,
        "longitude": 37.0,
        "countrycode": "RU",
        "population": 90000,
        "alternatenames": [],
    },
}


@pytest.fixture
def small_source(tmp_path: Path, monkeypatch) -> Path:
    """A two-place GeoNames file in place of the package's, and a cache folder of the test's own."""
    source = tmp_path / "cities.json"
    source.write_text(json.dumps(CITIES), encoding="utf-8")
    monkeypatch.setattr(gazetteer_module, "_geonames_source", lambda: (source, "test-1"))
    gazetteer_module.forget_loaded_indexes()
    yield tmp_path / "cache"
    gazetteer_module.forget_loaded_indexes()


def index_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/*.parquet"))


def small_gazetteer(registries, folder: Path) -> Gazetteer:
    return Gazetteer(registries.gazetteer, geonames=lambda: geonames_index(folder))


def test_the_index_is_built_once_then_read_from_the_cache(registries, small_source: Path) -> None:
    assert names(small_gazetteer(registries, small_source).exact("Testograd")) == [
        ("Testograd", "RUS", "geonames"),  # the larger first
        ("Testograd", "UKR", "geonames"),
    ]
    written = {path: path.stat().st_mtime_ns for path in index_files(small_source)}
    assert len(written) == 2
    gazetteer_module.forget_loaded_indexes()
    assert names(small_gazetteer(registries, small_source).exact("Тестоград")) == [("Testograd", "UKR", "geonames")]
    assert {path: path.stat().st_mtime_ns for path in index_files(small_source)} == written  # not rebuilt


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not parquet at all"),
        lambda path: path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2]),
        lambda path: pq.write_table(pa.table({"key": ["kyiv"], "row": [0]}), path),  # foreign columns
        lambda path: path.unlink(),
    ],
    ids=["garbage", "truncated", "foreign", "missing"],
)
def test_a_damaged_index_is_rebuilt_not_trusted(registries, small_source: Path, damage) -> None:
    small_gazetteer(registries, small_source).exact("Testograd")
    damage(index_files(small_source)[0])
    gazetteer_module.forget_loaded_indexes()
    assert len(small_gazetteer(registries, small_source).exact("Testogrod")) == 1
    gazetteer_module.forget_loaded_indexes()
    assert len(small_gazetteer(registries, small_source).exact("Testograd")) == 2  # the rebuilt index is good


def test_an_index_mixing_two_builds_is_rebuilt(registries, small_source: Path) -> None:
    small_gazetteer(registries, small_source).exact("Testograd")
    [_, places_file] = index_files(small_source)
    stamp = pq.read_schema(places_file).metadata[b"stamp"].decode()
    places, _ = gazetteer_module._build_tables(gazetteer_module._geonames_source()[0], stamp)
    pq.write_table(places, places_file)  # a places file of another build beside the keys file
    assert gazetteer_module._read_index(places_file.parent, stamp) is None
    gazetteer_module.forget_loaded_indexes()
    assert len(small_gazetteer(registries, small_source).exact("Testograd")) == 2


def test_an_index_of_another_package_version_is_not_used(registries, small_source: Path, monkeypatch) -> None:
    small_gazetteer(registries, small_source).exact("Testograd")
    changed = {**CITIES, "3": {**CITIES["1"], "geonameid": 3, "name": "Newtown", "alternatenames": []}}
    source = gazetteer_module._geonames_source()[0]
    source.write_text(json.dumps(changed), encoding="utf-8")
    monkeypatch.setattr(gazetteer_module, "_geonames_source", lambda: (source, "test-2"))
    gazetteer_module.forget_loaded_indexes()
    assert names(small_gazetteer(registries, small_source).exact("Newtown")) == [("Newtown", "UKR", "geonames")]


def test_two_builders_at_once_leave_one_good_index(registries, small_source: Path) -> None:
    source, version = gazetteer_module._geonames_source()
    stamp = gazetteer_module._index_stamp(source, version)
    target = gazetteer_module._index_folder(small_source, version)
    errors = []

    def build() -> None:
        try:
            gazetteer_module._write_index(target, *gazetteer_module._build_tables(source, stamp))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert gazetteer_module._read_index(target, stamp) is not None
    assert [path.name for path in small_source.iterdir()] == [target.name]  # no staging folders left behind


def test_without_geonames_the_curated_places_still_answer(registries) -> None:
    curated_only = Gazetteer(registries.gazetteer, geonames=lambda: None)
    assert names(curated_only.exact("Kharkov")) == [("Kharkiv", "UKR", "curated")]
    assert names(curated_only.lookup("Toropetz"))[0] == ("Toropets", "RUS", "curated")
    assert curated_only.exact("Avdiivka") == []


def test_a_read_only_cache_folder_still_answers(registries, small_source: Path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr("tempfile.mkdtemp", refuse)  # every staging folder is refused
    assert len(small_gazetteer(registries, small_source).exact("Testograd")) == 2


# -- the loader


def load_one_place(tmp_path: Path, registries, **location):
    rec = record(location={"precision": "city", **location})
    return load_events([write_yaml(tmp_path / "events.yaml", [rec])], registries)


def test_loader_places_a_name_only_geonames_knows_when_it_is_the_only_one(tmp_path: Path, registries) -> None:
    result = load_one_place(tmp_path, registries, place="Kramatorsk")
    event = result.events.iloc[0]
    assert (event.located_by, event.country) == ("geonames", "UKR") and 48.6 < event.latitude < 48.8
    [warning] = [problem for problem in result.problems if problem.severity is Severity.WARNING]
    assert "GeoNames" in warning.message and "check it is the place meant" in warning.message
    # Tokmak is a town in Ukraine and a city in Kyrgyzstan: the record's country tells them apart
    event = load_one_place(tmp_path, registries, place="Tokmak", country="UKR").events.iloc[0]
    assert (event.located_by, event.country) == ("geonames", "UKR") and 47.2 < event.latitude < 47.3


def test_loader_refuses_a_name_three_towns_of_the_country_share(tmp_path: Path, registries) -> None:
    result = load_one_place(tmp_path, registries, place="Avdiivka", country="UKR")
    [error] = only_errors(result)
    assert "3 places are called 'Avdiivka' in UKR" in error.message and error.message.count("GeoNames") == 3


def test_loader_refuses_a_name_several_places_share_and_lists_them(tmp_path: Path, registries) -> None:
    result = load_one_place(tmp_path, registries, place="Springfield", country="USA")
    assert result.loaded == 0
    [error] = only_errors(result)
    assert error.field == "latitude/longitude" and "places are called 'Springfield' in USA" in error.message
    assert "GeoNames" in error.message and "Add latitude and longitude" in error.message


def test_loader_uses_the_curated_place_before_geonames(tmp_path: Path, registries) -> None:
    event = load_one_place(tmp_path, registries, place="Moscow").events.iloc[0]
    assert (event.located_by, event.country) == ("gazetteer", "RUS")
    # a spelling only the gazetteer's wider matching knows still finds the curated entry, without a warning
    result = load_one_place(tmp_path, registries, place="Kharkov'", country="UKR")
    assert result.events.iloc[0].located_by == "gazetteer" and not result.problems


def test_loader_error_for_an_unknown_place_names_both_lists(tmp_path: Path, registries) -> None:
    [error] = only_errors(load_one_place(tmp_path, registries, place="Atlantis", country="RUS"))
    assert "not in data/registries/gazetteer.csv nor among GeoNames' populated places in RUS" in error.message


def test_loading_curated_places_never_reads_geonames(tmp_path: Path, registries, monkeypatch) -> None:
    monkeypatch.setattr(gazetteer_module, "geonames_index", lambda *args: pytest.fail("GeoNames was read"))
    assert load_one_place(tmp_path, registries, place="Kharkiv").events.iloc[0].located_by == "gazetteer"
