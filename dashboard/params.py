"""A view (filters, selected event, rings, band) from URL-style parameters, for the command line.

The dashboard's address holds the view as parameters (``actor=Russia&type=Depot+hit&dates=2024-06-01&...``);
the same parameters, given to ``python -m dashboard export``, select the same events and overlays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, urlsplit

from dashboard.filters import Filters
from dashboard.overlays import DEFAULT_BAND, Band
from dashboard.registries import Registries, name_key
from dashboard.schema import CONFIDENCE_LEVELS, DISTANCE_UNITS_KM, LOCATION_PRECISIONS


class ParameterError(ValueError):
    """A parameter that names nothing known; the message quotes it and lists what is allowed."""


@dataclass
class View:
    filters: Filters
    selected: str | None = None
    rings: list[str] = field(default_factory=list)
    band: Band | None = DEFAULT_BAND
    online_tiles: bool = False


def parse_query(text: str) -> dict[str, list[str]]:
    """``"actor=Russia&actor=Iran"`` (or a whole address) → ``{"actor": ["Russia", "Iran"]}``."""
    query = urlsplit(text).query if "://" in text or text.startswith("/") else text.lstrip("?")
    return parse_qs(query, keep_blank_values=True)


def _ids(values: Sequence[str], lookup: Mapping[str, str], what: str) -> tuple[str, ...]:
    ids = []
    for value in values:
        found = lookup.get(name_key(value))
        if found is None:
            raise ParameterError(f"unknown {what} {value!r}")
        ids.append(found)
    return tuple(ids)


def _choices(values: Sequence[str], allowed: Sequence[str], what: str) -> tuple[str, ...]:
    for value in values:
        if value not in allowed:
            raise ParameterError(f"unknown {what} {value!r}: use one of {', '.join(allowed)}")
    return tuple(values)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ParameterError(f"dates: {text!r} is not a date (YYYY-MM-DD)") from None


def _truthy(values: Sequence[str], default: bool) -> bool:
    if not values:
        return default
    return values[-1].strip().lower() in ("true", "1", "yes", "on")


def view_from_params(params: Mapping[str, Sequence[str]], registries: Registries) -> View:
    """Read the dashboard's address parameters; raises `ParameterError` for anything unknown."""
    type_lookup = {
        **registries.event_type_lookup,
        **{name_key(label): kind for kind, label in registries.type_labels.items()},
    }
    dates = [_date(value) for value in params.get("dates", []) if value]
    if len(dates) > 2:
        raise ParameterError("dates: give at most two (from and to)")
    filters = Filters(
        actors=_ids(params.get("actor", []), registries.actor_lookup, "actor"),
        event_types=_ids(params.get("type", []), type_lookup, "event type"),
        date_from=dates[0] if dates else None,
        date_to=dates[-1] if dates else None,
        confidence=_choices(params.get("confidence", []), CONFIDENCE_LEVELS, "confidence"),
        location_precision=_choices(params.get("precision", []), LOCATION_PRECISIONS, "location precision"),
        text=" ".join(params.get("q", [])),
    )
    band = None
    if _truthy(params.get("band", []), True):
        border = (params.get("band_border") or [DEFAULT_BAND.border])[-1]
        side = (params.get("band_side") or [DEFAULT_BAND.side if DEFAULT_BAND.side in border else border[:3]])[-1]
        unit = (params.get("band_unit") or [DEFAULT_BAND.unit])[-1]
        if unit not in DISTANCE_UNITS_KM:
            raise ParameterError(f"band_unit: {unit!r} is not one of {', '.join(DISTANCE_UNITS_KM)}")
        try:
            width = float((params.get("band_width") or [DEFAULT_BAND.width])[-1])
        except ValueError:
            raise ParameterError("band_width must be a number") from None
        band = Band(border, side, width, unit)
    selected = (params.get("event") or [None])[-1]
    return View(filters, selected, list(params.get("ring", [])), band, _truthy(params.get("tiles", []), False))
