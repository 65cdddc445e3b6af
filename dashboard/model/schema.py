"""What a valid event record is: every field, where it sits in a record, its kind and whether it is required.

This is the one place that declares the record. The loader (`dashboard.loading.loader`) checks records against
it, the data dictionary (docs/data-dictionary.md) is tested against it, and the exports write its columns.

A record has two written forms:
- nested (YAML and JSON, the curated form): ``{"date": {"start": ..., "precision": ...}, ...}``;
- flat (CSV): one column per field, named as ``Field.name``; lists are ``;``-separated; sources are
  numbered column groups ``source1_publisher``, ``source1_title``, … ``source2_publisher``, ….
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from dashboard.model.datasets import NAMES


class Kind(StrEnum):
    """How a field's value is read and checked."""

    ID = "id"  # identifier: letters, digits, '.', '_' and '-'; unique across all files
    TEXT = "text"
    CHOICE = "choice"  # one of Field.choices
    EVENT_TYPE = "event_type"  # an id from data/registries/event_types.yaml
    ACTOR = "actor"  # an id, name or alias from data/registries/actors.yaml
    ACTORS = "actors"  # a list of actors
    WEAPON = "weapon"  # an id, name or alias from data/registries/weapons.yaml
    COUNTRY = "country"  # ISO 3166-1 alpha-3 code from data/registries/countries.csv
    DATE = "date"  # ISO 8601 calendar date (YYYY-MM-DD); "16 May 2025" is also read
    LATITUDE = "latitude"  # decimal degrees, WGS 84, -90..90
    LONGITUDE = "longitude"  # decimal degrees, WGS 84, -180..180
    COUNT = "count"  # a whole number >= 0
    NUMBER = "number"  # a number >= 0
    URL = "url"  # http:// or https:// address
    TAGS = "tags"  # a list of short labels
    SOURCES = "sources"  # a list of sources, each with the SOURCE_FIELDS


DATE_PRECISIONS = ("day", "week", "month", "year")
LOCATION_PRECISIONS = ("exact", "near", "city", "region", "country")
CONFIDENCE_LEVELS = ("confirmed", "reported", "assessed", "claimed", "unverified")
DATASETS = NAMES  # the datasets whose files are read as they are (dashboard.model.datasets)
DISTANCE_UNITS_KM = {"km": 1.0, "mi": 1.609344, "nmi": 1.852}
# Dates a record may hold (event and source dates): a typo such as 2924 for 2024 is an error, not a point
# centuries off the timeline, and every date stays inside what the engine and the charts can represent.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)

CONFIDENCE_MEANINGS = {
    "confirmed": "Stated officially by a party in a position to know, or established by several independent sources.",
    "reported": "Reported by credible media or officials, citing sources, not yet confirmed.",
    "assessed": "An intelligence or analytic judgement (for example 'highly likely'), not an observed fact.",
    "claimed": "Asserted by one party to the conflict; treat as that party's claim.",
    "unverified": "Single or anonymous sourcing that could not be checked.",
}
DATE_PRECISION_MEANINGS = {
    "day": "The event happened on the start date (or between start and end).",
    "week": "Known to the week: the event happened within seven days from the start date.",
    "month": "Known to the month: the event happened within the calendar month of the start date.",
    "year": "Known to the year only.",
}
LOCATION_PRECISION_MEANINGS = {
    "exact": "The site itself (a depot, a building).",
    "near": "Near the named place, within a few kilometres.",
    "city": "Somewhere in or around the named town or city; the point is the town.",
    "region": "Somewhere in a larger region; the point stands for the region.",
    "country": "Only the country is known; the point stands for the country.",
}


@dataclass(frozen=True)
class Field:
    """One field of an event record.

    ``name`` is the DataFrame column and the CSV header; ``path`` is where the value sits in a nested
    (YAML/JSON) record.
    """

    name: str
    path: tuple[str, ...]
    kind: Kind
    required: bool
    description: str
    choices: tuple[str, ...] = ()


def _f(
    name: str,
    path: str,
    kind: Kind,
    required: bool,
    description: str,
    choices: tuple[str, ...] = (),
) -> Field:
    return Field(name, tuple(path.split(".")), kind, required, description, choices)


FIELDS: tuple[Field, ...] = (
    _f(
        "id",
        "id",
        Kind.ID,
        True,
        "Stable unique identifier of the record, e.g. `2024-10-09-karachev-depot`.",
    ),
    _f("title", "title", Kind.TEXT, True, "One-line headline in the curator's words."),
    _f(
        "summary",
        "summary",
        Kind.TEXT,
        True,
        "What happened, in the curator's own words, with its uncertainty.",
    ),
    _f(
        "event_type",
        "type",
        Kind.EVENT_TYPE,
        True,
        "Event type id from `data/registries/event_types.yaml`.",
    ),
    _f(
        "date_start",
        "date.start",
        Kind.DATE,
        True,
        "First day the event may have happened (YYYY-MM-DD).",
    ),
    _f(
        "date_end",
        "date.end",
        Kind.DATE,
        False,
        "Last day, for events that last several days; not before the start.",
    ),
    _f(
        "date_precision",
        "date.precision",
        Kind.CHOICE,
        True,
        "How precisely the date is known: day, week, month or year.",
        DATE_PRECISIONS,
    ),
    _f(
        "date_phrase",
        "date.phrase",
        Kind.TEXT,
        False,
        'The source\'s own wording of the date, e.g. "on Monday".',
    ),
    _f(
        "initiator",
        "actors.initiator",
        Kind.ACTOR,
        True,
        "Actor who acted (id, name or alias from the actor registry).",
    ),
    _f(
        "counterpart",
        "actors.counterpart",
        Kind.ACTOR,
        False,
        "Actor acted upon: target, host or other party.",
    ),
    _f(
        "associated_actors",
        "actors.associated",
        Kind.ACTORS,
        False,
        "Other actors involved (list).",
    ),
    _f(
        "place",
        "location.place",
        Kind.TEXT,
        False,
        "Place name; used to look up coordinates when none are given.",
    ),
    _f(
        "country",
        "location.country",
        Kind.COUNTRY,
        False,
        "ISO 3166-1 alpha-3 code of the country of the place.",
    ),
    _f(
        "latitude",
        "location.lat",
        Kind.LATITUDE,
        False,
        "Latitude in decimal degrees (WGS 84), north positive.",
    ),
    _f(
        "longitude",
        "location.lon",
        Kind.LONGITUDE,
        False,
        "Longitude in decimal degrees (WGS 84), east positive.",
    ),
    _f(
        "location_precision",
        "location.precision",
        Kind.CHOICE,
        True,
        "How precisely the point is known: exact, near, city, region or country.",
        LOCATION_PRECISIONS,
    ),
    _f(
        "origin_place",
        "origin.place",
        Kind.TEXT,
        False,
        "Where a transfer or deployment came from.",
    ),
    _f(
        "origin_country",
        "origin.country",
        Kind.COUNTRY,
        False,
        "ISO alpha-3 code of the origin.",
    ),
    _f("origin_latitude", "origin.lat", Kind.LATITUDE, False, "Latitude of the origin."),
    _f(
        "origin_longitude",
        "origin.lon",
        Kind.LONGITUDE,
        False,
        "Longitude of the origin.",
    ),
    _f(
        "destination_place",
        "destination.place",
        Kind.TEXT,
        False,
        "Where a transfer or deployment went.",
    ),
    _f(
        "destination_country",
        "destination.country",
        Kind.COUNTRY,
        False,
        "ISO alpha-3 code of the destination.",
    ),
    _f(
        "destination_latitude",
        "destination.lat",
        Kind.LATITUDE,
        False,
        "Latitude of the destination.",
    ),
    _f(
        "destination_longitude",
        "destination.lon",
        Kind.LONGITUDE,
        False,
        "Longitude of the destination.",
    ),
    _f(
        "weapon",
        "weapon",
        Kind.WEAPON,
        False,
        "Weapon system id, name or alias from `data/registries/weapons.yaml`.",
    ),
    _f(
        "killed_low",
        "figures.killed.low",
        Kind.COUNT,
        False,
        "Lowest reported number killed.",
    ),
    _f(
        "killed_best",
        "figures.killed.best",
        Kind.COUNT,
        False,
        "Best estimate of the number killed.",
    ),
    _f(
        "killed_high",
        "figures.killed.high",
        Kind.COUNT,
        False,
        "Highest reported number killed.",
    ),
    _f(
        "wounded_low",
        "figures.wounded.low",
        Kind.COUNT,
        False,
        "Lowest reported number wounded.",
    ),
    _f(
        "wounded_best",
        "figures.wounded.best",
        Kind.COUNT,
        False,
        "Best estimate of the number wounded.",
    ),
    _f(
        "wounded_high",
        "figures.wounded.high",
        Kind.COUNT,
        False,
        "Highest reported number wounded.",
    ),
    _f(
        "personnel",
        "figures.personnel",
        Kind.COUNT,
        False,
        "Number of personnel involved (troops, trainees).",
    ),
    _f(
        "quantity",
        "figures.quantity",
        Kind.NUMBER,
        False,
        "Quantity of materiel (see quantity_unit).",
    ),
    _f(
        "quantity_unit",
        "figures.quantity_unit",
        Kind.TEXT,
        False,
        "What the quantity counts, e.g. `containers`.",
    ),
    _f(
        "claimed_distance",
        "figures.claimed_distance.value",
        Kind.NUMBER,
        False,
        'A distance the source claims, e.g. 70 for "about 70 miles from the border".',
    ),
    _f(
        "claimed_distance_unit",
        "figures.claimed_distance.unit",
        Kind.CHOICE,
        False,
        "Unit of the claimed distance: km, mi or nmi.",
        tuple(DISTANCE_UNITS_KM),
    ),
    _f(
        "claimed_distance_to",
        "figures.claimed_distance.to",
        Kind.TEXT,
        False,
        "What the claimed distance is measured to, e.g. `border:RUS-UKR`.",
    ),
    _f(
        "confidence",
        "confidence.level",
        Kind.CHOICE,
        True,
        "Confidence as the sources put it: confirmed, reported, assessed, claimed or unverified.",
        CONFIDENCE_LEVELS,
    ),
    _f(
        "claimed_by",
        "confidence.by",
        Kind.TEXT,
        False,
        "Who makes the claim or assessment.",
    ),
    _f(
        "sources",
        "sources",
        Kind.SOURCES,
        True,
        "At least one source (see the source fields).",
    ),
    _f("tags", "tags", Kind.TAGS, False, "Short labels for grouping and search (list)."),
    _f(
        "notes",
        "notes",
        Kind.TEXT,
        False,
        "Curator's notes: caveats, discrepancies between sources.",
    ),
    _f(
        "dataset",
        "dataset.name",
        Kind.CHOICE,
        False,
        "The dataset an imported event comes from: acled, ucdp, gdelt or timemap (empty for curated records). "
        "Its actors may be the dataset's own names, kept as they are when no actor of the registry matches.",
        DATASETS,
    ),
    _f(
        "dataset_id",
        "dataset.id",
        Kind.TEXT,
        False,
        "The event's id in that dataset (ACLED `event_id_cnty`, UCDP `id`, GDELT `GLOBALEVENTID`, TimeMap `id`).",
    ),
)

SOURCE_FIELDS: tuple[Field, ...] = (
    _f(
        "publisher",
        "publisher",
        Kind.TEXT,
        True,
        "Who published the source, e.g. `AP`.",
    ),
    _f("title", "title", Kind.TEXT, True, "Title of the article or document."),
    _f(
        "url",
        "url",
        Kind.URL,
        False,
        "Address (http or https); leave empty when none is known.",
    ),
    _f("published", "published", Kind.DATE, False, "Publication date (YYYY-MM-DD)."),
    _f(
        "quote",
        "quote",
        Kind.TEXT,
        False,
        "A short quote from the source supporting the record.",
    ),
)


class Source(NamedTuple):
    """One source of a loaded event (the ``sources`` column holds a tuple of these)."""

    publisher: str
    title: str
    url: str | None
    published: str | None  # YYYY-MM-DD
    quote: str | None


FIELDS_BY_NAME = {field.name: field for field in FIELDS}
FIELDS_BY_PATH = {field.path: field for field in FIELDS}
SOURCE_FIELDS_BY_NAME = {field.name: field for field in SOURCE_FIELDS}
#  Every prefix of a field path: the nested mappings a record may contain ("date", "figures.killed", …).
CONTAINER_PATHS = frozenset(field.path[:i] for field in FIELDS for i in range(1, len(field.path)))

# Pairs of fields that give one point; a place name alone is resolved through the gazetteer.
POINTS: tuple[tuple[str, str, str, str], ...] = (
    ("place", "latitude", "longitude", "country"),
    ("origin_place", "origin_latitude", "origin_longitude", "origin_country"),
    (
        "destination_place",
        "destination_latitude",
        "destination_longitude",
        "destination_country",
    ),
)
# low <= best <= high
RANGES: tuple[tuple[str, str, str], ...] = (
    ("killed_low", "killed_best", "killed_high"),
    ("wounded_low", "wounded_best", "wounded_high"),
)

# Columns the loader adds to every loaded record (not written by curators).
LOCATED_BY = ("record", "gazetteer", "geonames", "none")  # the values of the derived column located_by
DERIVED_COLUMNS: dict[str, str] = {
    "date_span_end": "Last day the event may have happened: the end date, or the start plus its precision.",
    "located_by": (
        "`record` when the record gave coordinates, `gazetteer` when they came from the place name through "
        "data/registries/gazetteer.csv, `geonames` when the name is the only GeoNames populated place so called "
        "(in the record's country, if given), `none` when there is no point."
    ),
    "claimed_distance_km": "The claimed distance converted to kilometres.",
    "source_count": "Number of sources.",
    "record_file": "File the record was read from.",
    "record_line": "Line (YAML/JSON) or line of the row (CSV) where the record starts.",
}


def csv_source_column(number: int, source_field: str) -> str:
    """Name of a CSV column of the flat form: ``csv_source_column(1, "url") == "source1_url"``."""
    return f"source{number}_{source_field}"
