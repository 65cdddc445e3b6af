"""A view (filters, selected event, rings, band) from URL-style parameters: the command line reads the same
parameters as the dashboard's address, and the dashboard says which parameters of an opened address it ignored.

The dashboard's address holds the view as parameters (``actor=Russia&type=Depot+hit&dates=2024-06-01&...``);
the same parameters, given to ``python -m dashboard export``, select the same events and overlays.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from urllib.parse import parse_qs, urlsplit

from dashboard.errors import UsageError
from dashboard.geo.overlays import DEFAULT_BAND, Band, ring_problem
from dashboard.model.problems import shorten
from dashboard.model.registries import Registries, name_key
from dashboard.model.schema import (
    CONFIDENCE_LEVELS,
    DISTANCE_UNITS_KM,
    EARLIEST_DATE,
    LATEST_DATE,
    LOCATION_PRECISIONS,
)
from dashboard.store.filters import Filters
from dashboard.views import figures, playback, trends


class ParameterError(UsageError):
    """A parameter that names nothing known; the message quotes it and lists what is allowed."""


# --- every parameter of the address, and the values each takes ----------------------------------------------
#
# One registry: the dashboard's sidebar checks the address it was opened with against it (and takes out of the
# address, before any widget reads it, every value it names as ignored), the command line checks its options,
# a story its filters. A widget would otherwise drop a value it cannot take without a word, or read it its own
# way (Streamlit reads a whole number "2.5" as 2 and "٣" as 3, and fails on "inf"): so every rule here is at
# least as strict as the widget's, and the rules and the widgets take their bounds and choices from the same
# constants (the pages' modules', or these).

MAX_BAND_WIDTH = 500.0  # in the band's unit, as on the page
MIN_BAND_WIDTH = 0.1  # the sidebar's width widget starts here too: a link's 0.5 is drawn, not dropped
MAX_PAGE = 1_000_000  # pages of the events table: more than any table holds; the page says when a table has fewer
MAX_STEP = 1_000  # steps of a story: the story page says when a story has fewer
LINK_ONLY = "tiles"  # never a parameter: online map tiles are switched on at the screen, never by a link


@dataclass(frozen=True)
class Loaded:
    """What the checks of names need: the registries and, where known, the borders, the ids of loaded events
    (the address's event and ring centres) and the datasets' own actors. A check whose part is not known lets
    the value through."""

    registries: Registries
    borders: Sequence[str] = ()
    event_ids: Collection[str] | None = None
    dataset_actors: Collection[str] = ()

    @cached_property
    def actor_lookup(self) -> dict[str, str]:
        return {**{name_key(actor): actor for actor in self.dataset_actors}, **self.registries.actor_lookup}

    @cached_property
    def type_lookup(self) -> dict[str, str]:
        labels = {name_key(label): kind for kind, label in self.registries.type_labels.items()}
        return {**self.registries.event_type_lookup, **labels}


# A value of a parameter, the values already kept (earlier parameters of the registry: a band's side is checked
# against its border) and what is loaded → why the value cannot be used, or None when it can.
Check = Callable[[str, Mapping[str, Sequence[str]], Loaded], "str | None"]


def _as_values(given: object) -> list[str]:
    """An option's value as the address's values: a list as it is, one value as one, nothing as none."""
    if given is None or given is False:
        return []
    return [str(value) for value in given] if isinstance(given, list | tuple) else [str(given)]


@dataclass(frozen=True)
class Parameter:
    """A parameter of the address: the page that reads it, whether it may be given more than once (else only
    its last value counts and the others are named), its check, what it does (the docs' table is made from it),
    and the command-line option that stands for it (its ``argparse`` name), if any."""

    name: str
    page: str
    check: Check
    repeatable: bool = False
    help: str = ""
    option: str | None = None
    from_option: Callable[[object], list[str]] = _as_values  # the option's value as the parameter's values
    option_replaces: bool = False  # the option's values replace the address's (else they are added to them)


def parse_day(text: str) -> date | None:
    """A day written YYYY-MM-DD from `EARLIEST_DATE` to `LATEST_DATE`, else None. Stricter than Python's own
    reading, which also takes 20240617 and 2024-W25-1: the page's date widgets take neither."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None


def _number(text: str, whole: bool) -> float | None:
    """Digits, and for a number that need not be whole a decimal point and more digits: nothing Python or
    Streamlit would read more loosely (" 3", "+3", "1_0", "1e1", "٣", "nan", "inf")."""
    pattern = r"[0-9]{1,9}" if whole else r"[0-9]{1,9}(\.[0-9]{1,9})?"
    return float(text) if re.fullmatch(pattern, text) else None


def _any_text(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
    return None  # text the page shows as written or checks against what it draws (a story, a tie, a series)


def _choice(name: str, allowed: Sequence[str], what: str | None = None) -> Check:
    def check(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
        if value in allowed:
            return None
        return f"unknown {what or name} {shorten(value)}: use one of {', '.join(allowed)}"

    return check


def _day(name: str) -> Check:
    def check(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
        if (not value and name == "dates") or parse_day(value):  # an empty date: none chosen
            return None
        return f"{name}: {shorten(value)} is not a date (YYYY-MM-DD) from {EARLIEST_DATE} to {LATEST_DATE}"

    return check


def _within(name: str, low: float, high: float, whole: bool, page_knows_high: bool) -> Check:
    def check(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
        number = _number(value, whole)
        if number is not None and low <= number <= high:
            return None
        kind = "a whole number" if whole else "a number"
        span = f"from {low:g}" if page_knows_high else f"from {low:g} to {high:g}"
        return f"{name}: {shorten(value)} is not {kind} {span}"

    return check


def _true_or_false(name: str) -> Check:
    def check(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
        if value.lower() in ("true", "false"):
            return None
        return f"{name}: {shorten(value)} is neither true nor false"

    return check


def _actor(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
    return None if name_key(value) in loaded.actor_lookup else f"unknown actor {shorten(value)}"


def _event_type(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
    return None if name_key(value) in loaded.type_lookup else f"unknown event type {shorten(value)}"


def _country(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
    return None if loaded.registries.country_code(value) else f"unknown country {shorten(value)}"


def _event(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
    if loaded.event_ids is None or value in loaded.event_ids:
        return None
    return f"event: no loaded event has the id {shorten(value)}"


def _ring(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
    if loaded.event_ids is None:  # the command line draws its rings itself and names the ones it cannot
        return None
    problem = ring_problem(value, loaded.registries, loaded.event_ids)
    if problem is None:
        return None
    return f"ring {shorten(value)}: {problem.removeprefix(f'ring {value!r}: ')[:200]}"


def _border(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
    if not loaded.borders or value in loaded.borders:
        return None
    return f"band_border: unknown border {shorten(value)}: use one of {', '.join(loaded.borders)}"


def _side(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
    border = (kept.get("band_border") or [DEFAULT_BAND.border])[-1]
    sides = border.split("-")
    return (
        None
        if value in sides
        else f"band_side: {shorten(value)} is not a side of {border}: use one of {', '.join(sides)}"
    )


def _unit(value: str, kept: Mapping[str, Sequence[str]], loaded: Loaded) -> str | None:
    units = tuple(DISTANCE_UNITS_KM)
    return None if value in units else f"band_unit: {shorten(value)} is not one of {', '.join(units)}"


def _registry(*parameters: Parameter) -> dict[str, Parameter]:
    return {parameter.name: parameter for parameter in parameters}


def _bounded(
    name: str, page: str, low: float, high: float, whole: bool = True, page_knows_high: bool = False, **more
) -> Parameter:
    """A number from ``low`` to ``high``; ``page_knows_high``: the page says how high the number may go (a
    table's pages, a story's steps), ``high`` only keeps numbers sane."""
    return Parameter(name, page, _within(name, low, high, whole, page_knows_high), **more)


def _band_off(flag: object) -> list[str]:
    return ["false"] if flag else []


# In the order they are checked (a band's border before its side). Pages: "sidebar" is every page's.
PARAMETERS = _registry(
    Parameter("actor", "sidebar", _actor, True, "an actor (name, id or alias) taking part", "actor"),
    Parameter("type", "sidebar", _event_type, True, "an event type (label or id)", "type"),
    Parameter(
        "dates", "sidebar", _day("dates"), True, "from and to, YYYY-MM-DD (given twice)", "dates", option_replaces=True
    ),
    Parameter(
        "confidence", "sidebar", _choice("confidence", CONFIDENCE_LEVELS), True, "a confidence level", "confidence"
    ),
    Parameter(
        "precision",
        "sidebar",
        _choice("precision", LOCATION_PRECISIONS, "location precision"),
        True,
        "a location precision",
        "precision",
    ),
    Parameter("country", "sidebar", _country, True, "a country (name or ISO code) where events took place", "country"),
    Parameter("q", "sidebar", _any_text, help="words that must all appear (search)", option="q"),
    Parameter("event", "sidebar", _event, help="the selected event's id", option="event"),
    Parameter("ring", "sidebar", _ring, True, "a range ring, RANGE@CENTRE (fath-360@place:Kharkiv)", "ring"),
    Parameter(
        "band",
        "sidebar",
        _true_or_false("band"),
        help="the band along a border, true or false",
        option="no_band",
        from_option=_band_off,
        option_replaces=True,
    ),
    Parameter("band_border", "sidebar", _border, help="the band's border (RUS-UKR)", option="band_border"),
    Parameter("band_side", "sidebar", _side, help="the side of the border the band lies on", option="band_side"),
    _bounded(
        "band_width",
        "sidebar",
        MIN_BAND_WIDTH,
        MAX_BAND_WIDTH,
        whole=False,
        help="the band's width",
        option="band_width",
    ),
    Parameter("band_unit", "sidebar", _unit, help="the band width's unit", option="band_unit"),
    Parameter("lanes", "timeline", _choice("lanes", tuple(figures.LANES)), help="the timeline's lanes"),
    Parameter("per", "timeline", _choice("per", tuple(figures.FREQUENCIES)), help="the timeline's bins"),
    _bounded("page", "events", 1, MAX_PAGE, page_knows_high=True, help="the events table's page, from 1"),
    Parameter("judgements", "export", _any_text, help="the briefing pack's key judgements, one per line"),
    Parameter("split", "network", _day("split"), help="the date the period comparison splits at"),
    Parameter("tie", "network", _any_text, help="the tie whose events are listed (the page checks it)"),
    Parameter("story", "story", _any_text, help="the story's id (the page checks it)"),
    _bounded("step", "story", 1, MAX_STEP, page_knows_high=True, help="the story's step, from 1"),
    Parameter("trend_by", "trends", _choice("trend_by", tuple(trends.DIMENSION_NAMES)), help="what is compared"),
    Parameter("trend_per", "trends", _choice("trend_per", tuple(trends.PERIOD_NAMES)), help="the period"),
    _bounded("baseline", "trends", 1, trends.MAX_BASELINE, help="periods before the latest"),
    Parameter("measure", "trends", _choice("measure", trends.MEASURES), help="events or fatalities"),
    Parameter("latest", "trends", _day("latest"), help="a day in the latest period"),
    Parameter("trend", "trends", _any_text, help="the series drawn (the page checks it)"),
    Parameter("window", "playback", _choice("window", playback.WINDOW_CHOICES), help="how much time a frame shows"),
    _bounded("days", "playback", 1, playback.MAX_CUSTOM_DAYS, help="a custom window's days"),
    _bounded("trail", "playback", 0, playback.MAX_TRAIL, help="frames an event stays on the map, fading"),
    Parameter("frame", "playback", _day("frame"), help="the frame shown (its first day)"),
    Parameter("speed", "playback", _choice("speed", tuple(playback.SPEEDS)), help="the playing speed"),
    _bounded("fps", "playback", playback.MIN_FPS, playback.MAX_FPS, whole=False, help="an animation's frames a second"),
    Parameter("edit", "curate", _any_text, help="the record to edit (the Curate page checks it)"),
    Parameter("file", "curate", _any_text, help="the record file it is in (the Curate page checks it)"),
)
KNOWN_PARAMETERS = frozenset(PARAMETERS)


@dataclass
class AddressView:
    """What an address (or the command line's ``--query``) asks to see: filters, the event chosen, rings, band."""

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


def check_address(params: Mapping[str, Sequence[str]], loaded: Loaded) -> tuple[dict[str, list[str]], list[str]]:
    """The values of ``params`` the dashboard uses, parameter by parameter, and a note for each parameter or
    value it ignores: unknown parameters, a value given more than once where one counts (the last), and every
    value its parameter's check refuses."""
    notes: list[str] = []
    kept: dict[str, list[str]] = {}
    for name, parameter in PARAMETERS.items():
        if name not in params:
            continue
        values = list(params[name])
        if not parameter.repeatable and len(values) > 1:
            earlier = ", ".join(shorten(value) for value in values[:-1][:5]) + (", …" if len(values) > 6 else "")
            notes.append(f"{name}: given {len(values)} times, only the last counts ({earlier} ignored)")
            values = values[-1:]
        usable = []
        for value in values:
            note = parameter.check(value, kept, loaded)
            if note is None:
                usable.append(value)
            else:
                notes.append(note)
        kept[name] = usable
    dates = [value for value in kept.get("dates", []) if value]
    if len(dates) > 2:
        notes.append("dates: give at most two (from and to)")
        kept["dates"] = []
    elif len(dates) == 2 and dates[0] > dates[1]:  # YYYY-MM-DD: as text, in the order of the days
        notes.append(f"dates: from {dates[0]} is after to {dates[1]}: read as from {dates[1]} to {dates[0]}")
        kept["dates"] = sorted(dates)
    for name in params:  # after the dashboard's own: an address may hold hundreds of others
        if name == LINK_ONLY:
            notes.append("tiles: online map tiles are switched on at the screen, never by an address")
        elif name not in PARAMETERS:
            notes.append(f"unknown parameter {shorten(name)}")
    return kept, notes


def read_view(
    params: Mapping[str, Sequence[str]],
    registries: Registries,
    borders: Sequence[str] = (),
    event_ids: Collection[str] | None = None,
    dataset_actors: Collection[str] = (),
) -> tuple[AddressView, list[str]]:
    """The view the parameters describe, and a note for each parameter or value that was ignored (see
    `check_address`). ``borders`` and ``event_ids``, when given, are checked too (``event_ids``: the loaded
    events among the address's event and ring centres); actors may also be the loaded datasets' own
    (``dataset_actors``, by their names)."""
    loaded = Loaded(registries, borders, event_ids, dataset_actors)
    kept, notes = check_address(params, loaded)
    dates = [
        day for day in map(parse_day, kept.get("dates", [])) if day
    ]  # as given: a story says when from is after to
    filters = Filters(
        actors=tuple(loaded.actor_lookup[name_key(value)] for value in kept.get("actor", [])),
        event_types=tuple(loaded.type_lookup[name_key(value)] for value in kept.get("type", [])),
        date_from=dates[0] if dates else None,
        date_to=dates[-1] if dates else None,
        confidence=tuple(kept.get("confidence", [])),
        location_precision=tuple(kept.get("precision", [])),
        text=(kept.get("q") or [""])[-1],
        countries=tuple(dict.fromkeys(registries.country_code(value) for value in kept.get("country", []))),
    )
    selected = (kept.get("event") or [None])[-1]
    return AddressView(filters, selected, kept.get("ring", []), _band(kept)), notes


def _band(kept: Mapping[str, Sequence[str]]) -> Band | None:
    """The band the checked parameters describe (each part left out or refused: the default band's)."""
    if (kept.get("band") or ["true"])[-1].lower() == "false":
        return None
    border = (kept.get("band_border") or [DEFAULT_BAND.border])[-1]
    sides = border.split("-")
    side = (kept.get("band_side") or [DEFAULT_BAND.side if DEFAULT_BAND.side in sides else sides[0]])[-1]
    width = float((kept.get("band_width") or [DEFAULT_BAND.width])[-1])
    return Band(border, side, width, (kept.get("band_unit") or [DEFAULT_BAND.unit])[-1])


def view_from_params(
    params: Mapping[str, Sequence[str]], registries: Registries, dataset_actors: Collection[str] = ()
) -> AddressView:
    """Read the dashboard's address parameters; raises `ParameterError` naming everything that is wrong."""
    view, notes = read_view(params, registries, dataset_actors=dataset_actors)
    if notes:
        raise ParameterError("; ".join(notes))
    return view


def from_options(options: object, query: Mapping[str, Sequence[str]] | None = None) -> dict[str, list[str]]:
    """The address parameters a command's options stand for, added to those of its ``--query`` (an option that
    gives a whole value, as both dates, replaces the query's). ``options``: the parsed options (``argparse``)."""
    merged = {name: list(values) for name, values in (query or {}).items()}
    for name, parameter in PARAMETERS.items():
        if parameter.option is None:
            continue
        values = parameter.from_option(getattr(options, parameter.option, None))
        if values:
            merged[name] = values if parameter.option_replaces else [*merged.get(name, []), *values]
    return merged


def markdown_table() -> str:
    """Every parameter as a Markdown table (docs/addresses.md holds it, and a test keeps the two the same)."""
    rows = ["| Parameter | Page | Repeatable | What it holds | Command line |", "|---|---|---|---|---|"]
    for parameter in PARAMETERS.values():
        option = f"`--{parameter.option.replace('_', '-')}`" if parameter.option else ""
        repeatable = "yes" if parameter.repeatable else ""
        rows.append(f"| `{parameter.name}` | {parameter.page} | {repeatable} | {parameter.help} | {option} |")
    return "\n".join(rows)


def judgement_lines(values: list[str]) -> list[str]:
    """Key judgements from the address's ``judgements`` (text with one judgement per line), blank lines out."""
    return [line.strip() for value in values for line in str(value).splitlines() if line.strip()]
