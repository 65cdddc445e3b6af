"""Online geocoding through Nominatim: off unless asked, rate-limited, identified, cached, never a traceback.

geopy's Nominatim is replaced by a fake in every test: nothing here touches the network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest
from geopy import exc

from dashboard.places import geocoding
from dashboard.places.geocoding import OnlineGeocoder, nominatim_precision
from dashboard.settings import CONTACT_ENV

KHARKIV = {
    "lat": "49.9923181",
    "lon": "36.2310146",
    "name": "Kharkiv",
    "display_name": "Kharkiv, Kharkiv Oblast, Ukraine",
    "class": "boundary",
    "type": "administrative",
    "addresstype": "city",
    "osm_type": "relation",
    "osm_id": 2555133,
    "address": {"city": "Kharkiv", "country": "Ukraine", "country_code": "ua"},
}


class Location:
    def __init__(self, raw: dict) -> None:
        self.raw = raw


class FakeNominatim:
    """Stands in for geopy.geocoders.Nominatim: records how it was made and asked, answers from ``answers``."""

    made: ClassVar[list[dict]] = []
    asked: ClassVar[list[tuple[str, dict]]] = []
    answers: ClassVar[dict[str, object]] = {}

    def __init__(self, **settings) -> None:
        FakeNominatim.made.append(settings)

    def geocode(self, query: str, **options):
        FakeNominatim.asked.append((query, options))
        answer = FakeNominatim.answers.get(query, [])
        if isinstance(answer, Exception):
            raise answer
        return [Location(raw) for raw in answer] or None


class Clock:
    """A clock that moves only when the rate limiter sleeps."""

    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake(monkeypatch) -> type[FakeNominatim]:
    import geopy.geocoders

    FakeNominatim.made, FakeNominatim.asked, FakeNominatim.answers = [], [], {"Kharkiv": [KHARKIV]}
    monkeypatch.setattr(geopy.geocoders, "Nominatim", FakeNominatim)
    monkeypatch.delenv(CONTACT_ENV, raising=False)
    return FakeNominatim


@pytest.fixture
def clock() -> Clock:
    return Clock()


def geocoder(tmp_path: Path, clock: Clock, **settings) -> OnlineGeocoder:
    return OnlineGeocoder(enabled=True, cache=tmp_path / "geocoder", clock=clock, sleep=clock.sleep, **settings)


def test_off_unless_the_analyst_turns_it_on(tmp_path: Path, fake, clock) -> None:
    for off in (OnlineGeocoder(cache=tmp_path), OnlineGeocoder(enabled="yes", cache=tmp_path)):
        answer = off.geocode("Kharkiv")
        assert answer.matches == () and "off" in answer.message
    assert fake.made == [] and fake.asked == [] and not list(tmp_path.iterdir())


def test_a_result_shows_its_source_and_precision(tmp_path: Path, fake, clock) -> None:
    answer = geocoder(tmp_path, clock).geocode("Kharkiv")
    [match] = answer.matches
    assert (match.name, match.country, match.source, match.precision) == ("Kharkiv", "UKR", "nominatim", "city")
    assert (match.latitude, match.longitude) == (49.9923181, 36.2310146) and match.score == 100.0
    assert "OpenStreetMap" in match.reference and "relation 2555133" in match.reference
    assert answer.message is None and answer.asked and not answer.from_cache


def test_identifying_user_agent_with_the_analysts_contact(tmp_path: Path, fake, clock, monkeypatch) -> None:
    monkeypatch.setenv(CONTACT_ENV, "analyst@example.org\r\nX-Injected: 1")
    geocoder(tmp_path, clock).geocode("Kharkiv")
    [settings] = fake.made
    assert settings["user_agent"].startswith("conflict-event-dashboard/")
    assert settings["user_agent"].endswith("(analyst@example.org X-Injected: 1)")  # no header injection
    assert 0 < settings["timeout"] <= 10
    [(_, options)] = fake.asked
    assert options["exactly_one"] is False and options["timeout"] <= 10


def test_the_same_query_never_goes_out_twice(tmp_path: Path, fake, clock) -> None:
    first = geocoder(tmp_path, clock)
    first.geocode("Kharkiv")
    again = geocoder(tmp_path, clock).geocode("  KHARKIV ")  # another geocoder, later, written differently
    assert [query for query, _ in fake.asked] == ["Kharkiv"]
    assert again.from_cache and not again.asked and again.matches[0].name == "Kharkiv"
    [entry] = (tmp_path / "geocoder").glob("*.json")
    assert json.loads(entry.read_text())["query"] == "kharkiv"


def test_no_result_is_cached_too(tmp_path: Path, fake, clock) -> None:
    for _ in range(3):
        answer = geocoder(tmp_path, clock).geocode("Atlantis")
        assert answer.matches == () and "no place called 'Atlantis'" in answer.message
    assert len(fake.asked) == 1


def test_the_country_narrows_the_query_and_the_cache(tmp_path: Path, fake, clock) -> None:
    online = geocoder(tmp_path, clock)
    online.geocode("Kharkiv", country="ukr")
    online.geocode("Kharkiv")
    assert [options["country_codes"] for _, options in fake.asked] == ["ua", None]
    answer = online.geocode("Kharkiv", country="XXX")
    assert "Unknown country 'XXX'" in answer.message and len(fake.asked) == 2


def test_rate_limited_to_one_request_per_second(tmp_path: Path, fake, clock) -> None:
    online = geocoder(tmp_path, clock)
    for name in ("Kharkiv", "Kursk", "Toropets", "Kursk"):  # the second Kursk comes from the cache
        online.geocode(name)
    assert len(fake.asked) == 3
    assert clock.sleeps == [1.0, 1.0]


def test_a_slower_rate_may_be_chosen_but_never_a_faster_one(tmp_path: Path, fake, clock) -> None:
    online = geocoder(tmp_path, clock, min_delay=0.01)
    online.geocode("Kharkiv")
    online.geocode("Kursk")
    assert clock.sleeps == [1.0]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (exc.GeocoderUnavailable("no route"), "may be offline"),
        (exc.GeocoderTimedOut("slow"), "did not answer within"),
        (exc.GeocoderInsufficientPrivileges("403"), "refused"),
        (exc.GeocoderServiceError("500"), "could not answer"),
        (ValueError("bad JSON"), "failed"),
    ],
)
def test_failures_are_a_message_and_are_not_cached(tmp_path: Path, fake, clock, error, message) -> None:
    fake.answers["Kharkiv"] = error
    answer = geocoder(tmp_path, clock).geocode("Kharkiv")
    assert answer.matches == () and message in answer.message
    assert len(fake.asked) == 1  # no retries
    fake.answers["Kharkiv"] = [KHARKIV]
    assert geocoder(tmp_path, clock).geocode("Kharkiv").matches  # asked again: the failure was not an answer


def test_too_many_requests_pauses_the_geocoder(tmp_path: Path, fake, clock) -> None:
    fake.answers["Kharkiv"] = exc.GeocoderRateLimited("429", retry_after=30)
    online = geocoder(tmp_path, clock)
    assert "slow down" in online.geocode("Kharkiv").message
    assert "slow down" in online.geocode("Kursk").message
    assert len(fake.asked) == 1  # the pause holds back the next query
    clock.now += 31
    online.geocode("Kursk")
    assert len(fake.asked) == 2


def test_results_with_unusable_coordinates_are_dropped(tmp_path: Path, fake, clock) -> None:
    fake.answers["Nowhere"] = [
        {**KHARKIV, "lat": "nan"},
        {**KHARKIV, "lat": "95", "lon": "10"},
        {**KHARKIV, "lon": "inf"},
        {**KHARKIV, "lat": None},
        {**KHARKIV, "lat": "0", "lon": "0"},
    ]
    answer = geocoder(tmp_path, clock).geocode("Nowhere")
    assert answer.matches == () and "no usable coordinates" in answer.message
    fake.answers["Somewhere"] = [{**KHARKIV, "lat": "north"}, KHARKIV]
    assert len(geocoder(tmp_path, clock).geocode("Somewhere").matches) == 1


@pytest.mark.parametrize("query", ["", "   ", "x" * 10_000_000, "\x00\x01\x02", None, 42])
def test_blank_huge_and_hostile_queries_are_not_sent(tmp_path: Path, fake, clock, query) -> None:
    answer = geocoder(tmp_path, clock).geocode(query)
    assert answer.matches == () and answer.message
    assert fake.asked == []


def test_control_characters_are_removed_before_asking(tmp_path: Path, fake, clock) -> None:
    geocoder(tmp_path, clock).geocode("Khar\x00kiv\u202e\n")
    [(query, _)] = fake.asked
    assert query.isprintable() and "\x00" not in query


def test_a_damaged_or_foreign_cache_entry_is_asked_again(tmp_path: Path, fake, clock) -> None:
    online = geocoder(tmp_path, clock)
    path = online.cache_file("Kharkiv", None)
    path.parent.mkdir(parents=True)
    for content in ("{not json", json.dumps({"layout": "other", "results": []}), json.dumps([1, 2])):
        path.write_text(content)
        assert online.geocode("Kharkiv").matches
    assert len(fake.asked) == 3


def test_an_unwritable_cache_still_answers(tmp_path: Path, fake, clock) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    online = OnlineGeocoder(enabled=True, cache=blocker / "geocoder", clock=clock, sleep=clock.sleep)
    assert online.geocode("Kharkiv").matches


@pytest.mark.parametrize(
    ("raw", "precision"),
    [
        ({"class": "boundary", "type": "administrative", "addresstype": "country"}, "country"),
        ({"class": "boundary", "type": "administrative", "addresstype": "state"}, "region"),
        ({"class": "place", "type": "region"}, "region"),
        ({"class": "place", "type": "town", "addresstype": "town"}, "city"),
        ({"class": "place", "type": "village", "addresstype": "village"}, "city"),
        ({"class": "military", "type": "barracks", "addresstype": "military"}, "exact"),
        ({"class": "aeroway", "type": "aerodrome", "addresstype": "aeroway"}, "exact"),
        ({"class": "place", "type": "suburb", "addresstype": "suburb"}, "near"),
        ({"class": "highway", "type": "primary", "addresstype": "road"}, "near"),
        ({}, "near"),
    ],
)
def test_precision_from_nominatims_class_and_type(raw: dict, precision: str) -> None:
    assert nominatim_precision(raw) == precision


def test_every_geocoder_of_the_process_shares_one_rate_limiter(tmp_path: Path) -> None:
    assert OnlineGeocoder(cache=tmp_path)._limiter is OnlineGeocoder(enabled=True, cache=tmp_path)._limiter
    assert geocoding._shared_limiter().limiter.min_delay_seconds == 1.0
