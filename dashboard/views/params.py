"""A view (filters, selected event, rings, band) from URL-style parameters: the command line reads the same
parameters as the dashboard's address, and the dashboard says which parameters of an opened address it ignored.

The dashboard's address holds the view as parameters (``actor=Russia&type=Depot+hit&dates=2024-06-01&...``);
the same parameters, given to ``python -m dashboard export``, select the same events and overlays.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, urlsplit

from dashboard.geo.overlays import DEFAULT_BAND, Band
from dashboard.records.problems import shorten
from dashboard.records.registries import Registries, name_key
from dashboard.records.schema import (
    CONFIDENCE_LEVELS,
    DISTANCE_UNITS_KM,
    EARLIEST_DATE,
    LATEST_DATE,
    LOCATION_PRECISIONS,
)
from dashboard.store.filters import Filters


class ParameterError(ValueError):
    """A parameter that names nothing known; the message quotes it and lists what is allowed."""


# Every parameter the dashboard's address may hold. ``tiles`` is not one of them: online map tiles are
# switched on by the person at the screen, never by a link (a link must not make a browser go online).
KNOWN_PARAMETERS = frozenset(
    {
        "actor",
        "type",
        "dates",
        "confidence",
        "precision",
        "country",
        "q",
        "event",
        "lanes",
        "per",
        "ring",
        "band",
        "band_border",
        "band_side",
        "band_width",
        "judgements",  # the briefing pack's key judgements, one per line (the Export page)
        "band_unit",
        "page",
        "split",  # the Network page: the date its period comparison splits at, and the tie whose events it lists
        "tie",
        "story",  # the Story page: the story's id and its step (1-based)
        "step",
        "trend_by",  # the Trends page
        "trend_per",
        "baseline",
        "measure",
        "latest",
        "trend",
        "window",  # the Playback page
        "days",
        "trail",
        "frame",
        "speed",
        "fps",
        "edit",  # the Curate page: the record to edit and its file (the detail card's "Edit this record")
        "file",
    }
)
CHOICES = {
    "lanes": ("actor", "type"),
    "per": ("week", "month"),
    "trend_by": ("actor", "type", "country"),
    "trend_per": ("week", "month", "quarter"),
    "measure": ("events", "fatalities"),
    "window": ("week", "month", "custom"),
    "speed": ("slow", "normal", "fast"),
}
MAX_BAND_WIDTH = 500.0  # in the band's unit, as on the page


@dataclass
class View:
    filters: Filters
    selected: str | None = None
    rings: list[str] = field(default_factory=list)
    band: Band | None = DEFAULT_BAND


def parse_query(text: str) -> dict[str, list[str]]:
    """``"actor=Russia&actor=Iran"`` (or a whole address) → ``{"actor": ["Russia", "Iran"]}``.

    Raises `ParameterError` for text that is neither: empty (an unset variable would otherwise select every
    event), an address that is not a web address, or a query without ``name=value`` pairs. An address without
    a query is the dashboard with no filters."""
    text = text.strip()
    if not text:
        raise ParameterError(
            "the address is empty (is the variable holding it set?): give the dashboard's address or its query,"
            " such as type=Depot+hit, or leave the option out for every event"
        )
    not_an_address = (
        f"{shorten(text)} is neither the dashboard's address (http://…) nor its query (name=value pairs joined"
        " by &, such as type=Depot+hit&dates=2024-06-01)"
    )
    if "://" in text or text.startswith("/"):
        try:
            parts = urlsplit(text)
        except ValueError:  # a malformed host, such as an unclosed "["
            raise ParameterError(not_an_address) from None
        if "://" in text and parts.scheme.lower() not in ("http", "https"):
            raise ParameterError(not_an_address)
        if not parts.query:
            return {}
        query = parts.query
    else:
        query = text.lstrip("?")
    pairs = [pair for pair in query.split("&") if pair]
    if not pairs or any("=" not in pair or pair.startswith("=") for pair in pairs):
        raise ParameterError(not_an_address)
    return parse_qs(query, keep_blank_values=True)


def _ids(values: Sequence[str], lookup: Mapping[str, str], what: str, notes: list[str]) -> tuple[str, ...]:
    ids = []
    for value in values:
        found = lookup.get(name_key(value))
        if found is None:
            notes.append(f"unknown {what} {shorten(value)}")
        else:
            ids.append(found)
    return tuple(ids)


def _choices(values: Sequence[str], allowed: Sequence[str], what: str, notes: list[str]) -> tuple[str, ...]:
    wrong = [value for value in values if value not in allowed]
    for value in wrong:
        notes.append(f"unknown {what} {shorten(value)}: use one of {', '.join(allowed)}")
    return tuple(value for value in values if value in allowed)


def _countries(values: Sequence[str], registries: Registries, notes: list[str]) -> tuple[str, ...]:
    codes = []
    for value in values:
        code = registries.country_code(value)
        if code is None:
            notes.append(f"unknown country {shorten(value)}")
        else:
            codes.append(code)
    return tuple(dict.fromkeys(codes))


def _dates(values: Sequence[str], notes: list[str]) -> list[date]:
    dates = []
    for text in values:
        if not text:
            continue
        try:
            day = date.fromisoformat(text)
        except ValueError:
            notes.append(f"dates: {shorten(text)} is not a date (YYYY-MM-DD)")
            continue
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            notes.append(f"dates: {day} is outside {EARLIEST_DATE} to {LATEST_DATE}")
            continue
        dates.append(day)
    if len(dates) > 2:
        notes.append("dates: give at most two (from and to)")
        return []
    return dates


def _truthy(values: Sequence[str], default: bool) -> bool:
    if not values:
        return default
    return values[-1].strip().lower() in ("true", "1", "yes", "on")


def _band(params: Mapping[str, Sequence[str]], borders: Sequence[str], notes: list[str]) -> Band | None:
    if not _truthy(params.get("band", []), True):
        return None
    border = (params.get("band_border") or [DEFAULT_BAND.border])[-1]
    if borders and border not in borders:
        notes.append(f"band_border: unknown border {shorten(border)}: use one of {', '.join(borders)}")
        border = DEFAULT_BAND.border
    sides = border.split("-")
    side = (params.get("band_side") or [DEFAULT_BAND.side if DEFAULT_BAND.side in sides else sides[0]])[-1]
    if side not in sides:
        notes.append(f"band_side: {shorten(side)} is not a side of {border}: use one of {', '.join(sides)}")
        side = sides[0]
    unit = (params.get("band_unit") or [DEFAULT_BAND.unit])[-1]
    if unit not in DISTANCE_UNITS_KM:
        notes.append(f"band_unit: {shorten(unit)} is not one of {', '.join(DISTANCE_UNITS_KM)}")
        unit = DEFAULT_BAND.unit
    width_text = (params.get("band_width") or [str(DEFAULT_BAND.width)])[-1]
    try:
        width = float(width_text)
    except ValueError:
        width = math.nan
    if not (math.isfinite(width) and 0 < width <= MAX_BAND_WIDTH):
        notes.append(f"band_width: {shorten(width_text)} must be a number above 0 and at most {MAX_BAND_WIDTH:g}")
        width = DEFAULT_BAND.width
    return Band(border, side, width, unit)


def read_view(
    params: Mapping[str, Sequence[str]],
    registries: Registries,
    borders: Sequence[str] = (),
    event_ids: Collection[str] | None = None,
    dataset_actors: Collection[str] = (),
) -> tuple[View, list[str]]:
    """The view the parameters describe, and a note for each parameter or value that was ignored (unknown
    parameters, names, dates, widths). ``borders`` and ``event_ids``, when given, are checked too; actors
    may also be the loaded datasets' own (``dataset_actors``, by their names)."""
    notes: list[str] = []
    for key in params:
        if key == "tiles":
            notes.append("tiles: online map tiles are switched on at the screen, never by an address")
        elif key not in KNOWN_PARAMETERS:
            notes.append(f"unknown parameter {shorten(key)}")
    type_lookup = {
        **registries.event_type_lookup,
        **{name_key(label): kind for kind, label in registries.type_labels.items()},
    }
    actor_lookup = {**{name_key(actor): actor for actor in dataset_actors}, **registries.actor_lookup}
    dates = _dates(params.get("dates", []), notes)
    filters = Filters(
        actors=_ids(params.get("actor", []), actor_lookup, "actor", notes),
        event_types=_ids(params.get("type", []), type_lookup, "event type", notes),
        date_from=dates[0] if dates else None,
        date_to=dates[-1] if dates else None,
        confidence=_choices(params.get("confidence", []), CONFIDENCE_LEVELS, "confidence", notes),
        location_precision=_choices(params.get("precision", []), LOCATION_PRECISIONS, "location precision", notes),
        text=" ".join(params.get("q", [])),
        countries=_countries(params.get("country", []), registries, notes),
    )
    for key, allowed in CHOICES.items():
        _choices(params.get(key, [])[-1:], allowed, key, notes)
    for key in ("frame", "latest"):  # one day each (the playback's window, the trends' latest period)
        for text in params.get(key, [])[-1:]:
            try:
                date.fromisoformat(text)
            except ValueError:
                notes.append(f"{key}: {shorten(text)} is not a date (YYYY-MM-DD)")
    for text in params.get("split", [])[-1:]:
        if text and not _dates([text], []):
            notes.append(f"split: {shorten(text)} is not a date (YYYY-MM-DD) from {EARLIEST_DATE} to {LATEST_DATE}")
    selected = (params.get("event") or [None])[-1]
    if selected is not None and event_ids is not None and selected not in event_ids:
        notes.append(f"event: no loaded event has the id {shorten(selected)}")
        selected = None
    band = _band(params, borders, notes)
    return View(filters, selected, list(params.get("ring", [])), band), notes


def view_from_params(
    params: Mapping[str, Sequence[str]], registries: Registries, dataset_actors: Collection[str] = ()
) -> View:
    """Read the dashboard's address parameters; raises `ParameterError` naming everything that is wrong."""
    view, notes = read_view(params, registries, dataset_actors=dataset_actors)
    if notes:
        raise ParameterError("; ".join(notes))
    return view


def judgement_lines(values: list[str]) -> list[str]:
    """Key judgements from the address's ``judgements`` (text with one judgement per line), blank lines out."""
    return [line.strip() for value in values for line in str(value).splitlines() if line.strip()]
