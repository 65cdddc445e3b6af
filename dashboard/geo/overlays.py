"""Map overlays an analyst adds: range rings and a band along a border, written as short readable specs.

A ring spec is ``RANGE@CENTRE``, where RANGE is a weapon id from the registry (``fath-360``) or a number with
a unit (``70mi``, ``120km``, ``50nmi``), and CENTRE is ``event:ID``, ``place:NAME`` (from the gazetteer) or
``LAT,LON``. Specs live in the URL (``?ring=fath-360@event:2024-10-09-karachev-depot-strike``).

    >>> parse_range("75mi").__class__.__name__
    'float'
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from dashboard.errors import UsageError
from dashboard.geo.geodesy import GeometryError, format_distance, ring, to_km
from dashboard.model.registries import Registries, name_key
from dashboard.model.schema import DISTANCE_UNITS_KM

_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km|mi|nmi)\s*$", re.I)
_LAT_LON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")
# Half the Earth's circumference (about 20,004 km pole to pole): a larger ring encloses the antipode and
# means nothing as a range.
MAX_RING_KM = 20_000.0
RING_COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]


class OverlayError(UsageError):
    """A spec that cannot be drawn; the message says why, quoting the spec."""


@dataclass(frozen=True)
class Ring:
    spec: str
    lat: float
    lon: float
    radius_km: float
    label: str  # "Fath-360 · 120 km / 75 mi"
    centre_label: str  # "67th GRAU arsenal (Karachev)"
    source: str  # where the range comes from
    path: list[list[float]]  # [lon, lat] pairs
    colour: str


def parse_range(text: str) -> float:
    """``"75mi"`` → kilometres."""
    match = _NUMBER_UNIT.match(text)
    if not match:
        raise OverlayError(f"range {text!r}: write a weapon id or a number with km, mi or nmi (e.g. 70mi)")
    value, unit = float(match.group(1)), match.group(2).lower()
    if value <= 0:
        raise OverlayError(f"range {text!r} must be positive")
    return to_km(value, unit)


def _check_radius(spec: str, radius_km: float) -> None:
    if not (math.isfinite(radius_km) and 0 < radius_km <= MAX_RING_KM):
        raise OverlayError(
            f"ring {spec!r}: a range of {radius_km:,.0f} km is not drawn: rings reach at most {MAX_RING_KM:,.0f} km"
            " (half the Earth's circumference)"
        )


def _centre(text: str, events: pd.DataFrame, registries: Registries) -> tuple[float, float, str]:
    if text.startswith("event:"):
        event_id = text.removeprefix("event:")
        rows = events[events["id"] == event_id]
        if rows.empty:
            raise OverlayError(f"centre {text!r}: no event with that id is loaded")
        event = rows.iloc[0]
        return float(event["latitude"]), float(event["longitude"]), str(event["place"] or event["title"])
    if text.startswith("place:"):
        name = text.removeprefix("place:")
        position = registries.place_lookup.get(name_key(name))
        if position is None:
            raise OverlayError(f"centre {text!r}: that place is not in the gazetteer")
        place = registries.gazetteer.iloc[position]
        return float(place["latitude"]), float(place["longitude"]), str(place["name"])
    match = _LAT_LON.match(text)
    if not match:
        raise OverlayError(f"centre {text!r}: write event:ID, place:NAME or LAT,LON")
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise OverlayError(f"centre {text!r}: latitude must be -90..90 and longitude -180..180")
    return lat, lon, f"{lat:.4f}, {lon:.4f}"


def build_ring(spec: str, events: pd.DataFrame, registries: Registries, colour_index: int = 0) -> Ring:
    """Parse a ring spec and draw its geodesic circle; raises `OverlayError` with a readable reason."""
    if "@" not in spec:
        raise OverlayError(f"ring {spec!r}: write RANGE@CENTRE, e.g. fath-360@place:Kharkiv or 70mi@50.0,36.2")
    range_text, centre_text = (part.strip() for part in spec.split("@", 1))
    weapon_id = registries.weapon_lookup.get(name_key(range_text))
    if weapon_id is not None:
        weapon = registries.weapons.loc[weapon_id]
        radius_km = float(weapon["max_range_km"])
        label = f"{weapon['name']} · {format_distance(radius_km)}"
        source = str(weapon["range_source"])
    else:
        radius_km = parse_range(range_text)
        unit = _NUMBER_UNIT.match(range_text).group(2).lower()  # type: ignore[union-attr]
        label = f"{_NUMBER_UNIT.match(range_text).group(1)} {unit} · {format_distance(radius_km)}"  # type: ignore[union-attr]
        source = "custom radius"
    _check_radius(spec, radius_km)
    lat, lon, centre_label = _centre(centre_text, events, registries)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise OverlayError(f"ring {spec!r}: the centre has no coordinates")
    try:
        path = ring(lat, lon, radius_km)
    except GeometryError as error:
        raise OverlayError(f"ring {spec!r}: {error}") from None
    colour = RING_COLOURS[colour_index % len(RING_COLOURS)]
    return Ring(spec, lat, lon, radius_km, label, centre_label, source, path, colour)


_EMPTY_EVENTS = pd.DataFrame({"id": pd.Series(dtype=object)})


def ring_problem(spec: str, registries: Registries, known_ids: Collection[str]) -> str | None:
    """Why a ring spec cannot be drawn, or None: the range (a weapon of the registry or a distance), the
    centre (a loaded event, a gazetteer place or coordinates), as `build_ring` reads it (a story's rings, the
    address's)."""
    if "@" not in spec:
        return f"ring {spec!r}: write RANGE@CENTRE, e.g. fath-360@place:Kharkiv or 70mi@50.0,36.2"
    range_text, centre = (part.strip() for part in spec.split("@", 1))
    checked = spec
    if centre.startswith("event:"):
        event_id = centre.removeprefix("event:")
        if event_id not in known_ids:
            return f"centre {centre!r}: no event with that id is loaded"
        checked = f"{range_text}@0,0"  # the event is loaded; check the range on its own
    try:
        build_ring(checked, _EMPTY_EVENTS, registries)
    except OverlayError as error:
        return str(error).replace(repr(checked), repr(spec))
    return None


def centre_event_ids(specs: list[str]) -> list[str]:
    """The event ids that ring specs use as centres (``…@event:ID``): the events `build_rings` needs."""
    return [
        spec.split("@", 1)[1].strip().removeprefix("event:") for spec in specs if "@event:" in spec.replace(" ", "")
    ]


def build_rings(specs: list[str], events: pd.DataFrame, registries: Registries) -> tuple[list[Ring], list[str]]:
    """Every ring that can be drawn, and a message for each spec that cannot."""
    rings, errors = [], []
    for number, spec in enumerate(specs):
        try:
            rings.append(build_ring(spec, events, registries, number))
        except OverlayError as error:
            errors.append(str(error))
    return rings, errors


def ring_spec(range_text: str, centre_text: str) -> str:
    return f"{range_text.strip()}@{centre_text.strip()}"


@dataclass(frozen=True)
class Band:
    border: str  # "RUS-UKR"
    side: str  # "RUS"
    width: float
    unit: str

    @property
    def width_km(self) -> float:
        return to_km(self.width, self.unit)

    @property
    def label(self) -> str:
        return (
            f"Within {self.width:g} {self.unit} ({self.width_km:,.0f} km) of the {self.border} border, {self.side} side"
        )


DEFAULT_BAND = Band("RUS-UKR", "RUS", 70.0, "mi")
UNITS = tuple(DISTANCE_UNITS_KM)
