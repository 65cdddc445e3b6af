"""The sidebar: filters and map overlays, each bound to its address parameter, and the view they select.

Streamlit keys are the address parameters, so a shared link restores the view.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state.session_state_proxy import get_session_state

from dashboard.app.messages import caption, warning
from dashboard.geo import geodesy, overlays
from dashboard.model.problems import shorten
from dashboard.model.registries import Registries, name_key
from dashboard.model.schema import CONFIDENCE_LEVELS, EARLIEST_DATE, LATEST_DATE, LOCATION_PRECISIONS
from dashboard.store import filters as flt
from dashboard.store import queries
from dashboard.store.selection import Selection
from dashboard.store.workspace import Workspace
from dashboard.views import params, text

log = logging.getLogger(__name__)

EVENT_CHOICES = 1_000  # ids listed under "Event detail"; any other event is reached by a click or the address


# URL parameter of each sidebar widget (the widget key is the parameter name).
ACTOR, TYPE, DATES, CONFIDENCE, PRECISION, COUNTRY, SEARCH, EVENT = (
    "actor",
    "type",
    "dates",
    "confidence",
    "precision",
    "country",
    "q",
    "event",
)


RINGS, BAND, BAND_BORDER, BAND_SIDE, BAND_WIDTH, BAND_UNIT = (
    "ring",
    "band",
    "band_border",
    "band_side",
    "band_width",
    "band_unit",
)


TILES = "online_tiles"  # a widget key, never an address parameter: a link must not turn the network on


@dataclass
class View:
    """What the sidebar selects on this run: the filters, the matching events (an engine expression) and how
    many there are, their caption, the selected event and the map overlays."""

    data: Workspace
    filters: flt.Filters
    selection: Selection
    caption: str
    selected_id: str | None
    ring_specs: list[str]
    band: overlays.Band | None
    online_tiles: bool
    rings: list[overlays.Ring]
    ring_errors: list[str]
    notice: object = field(default=None, repr=False, compare=False)  # where the sidebar names what was ignored

    @property
    def shown(self) -> int:
        return self.selection.count

    @property
    def empty(self) -> bool:
        return self.selection.empty

    @property
    def events(self) -> pd.DataFrame:
        """Every matching event as a typed DataFrame: ask only when `shown` is small, or for an export."""
        return self.selection.rows()

    @cached_property
    def selected(self) -> pd.Series | None:
        if self.selected_id is None:
            return None
        return self.data.everything.event(self.selected_id)

    @cached_property
    def selected_is_shown(self) -> bool:
        return self.selected_id is not None and self.selection.has(self.selected_id)


def sidebar(data: Workspace) -> View:
    """Draw the filters (each bound to its URL parameter) and return the current view; an unexpected fault
    stops the run with a message, never a traceback."""
    try:
        return _sidebar(data)
    except Exception as error:  # Streamlit's stop and rerun are BaseExceptions: they pass through
        log.exception("the sidebar failed")
        st.error(f"The filters could not be drawn ({text.escape_markdown(f'{type(error).__name__}: {error}')}).")
        st.stop()
        raise AssertionError("unreachable: st.stop() ends the run") from error


def _sidebar(data: Workspace) -> View:
    registries = data.registries
    table = data.table
    ignored = _ignored_address_parameters(data)
    with st.sidebar:
        st.header("Filters")
        notice = st.empty()  # pages add what they find in the address and cannot use (`name_ignored`)
        _show_ignored(notice, ignored)
        actors = st.multiselect(
            "Actors",
            [*registries.actors.index, *data.everything.dataset_actors],
            format_func=registries.actor_name,
            key=ACTOR,
            bind="query-params",
            placeholder="All actors",
            help="Events where any chosen actor is initiator, counterpart or associated.",
        )
        counts_slot = st.empty()
        types = st.multiselect(
            "Event types",
            list(registries.event_types.index),
            format_func=registries.event_type_label,
            key=TYPE,
            bind="query-params",
            placeholder="All types",
        )
        bounds = data.everything.date_bounds
        low, high = (bounds[0].date(), bounds[1].date()) if bounds else (date.today(), date.today())
        dates = st.date_input(
            "Dates",
            value=(),
            min_value=EARLIEST_DATE,
            max_value=LATEST_DATE,
            key=DATES,
            bind="query-params",
            format="YYYY-MM-DD",
            help=f"Events whose dates overlap this range. Data span {low:%Y-%m-%d} to {high:%Y-%m-%d}.",
        )
        confidence = st.multiselect(
            "Confidence", list(CONFIDENCE_LEVELS), key=CONFIDENCE, bind="query-params", placeholder="Any confidence"
        )
        precision = st.multiselect(
            "Location precision",
            list(LOCATION_PRECISIONS),
            key=PRECISION,
            bind="query-params",
            placeholder="Any precision",
        )
        countries = st.multiselect(
            "Countries",
            data.everything.countries,
            format_func=registries.country_name,
            key=COUNTRY,
            bind="query-params",
            placeholder="All countries",
            help="Where the event took place.",
        )
        search_text = st.text_input(
            "Search", key=SEARCH, bind="query-params", placeholder="words in title, summary, sources…"
        )
        date_from, date_to = _date_range(dates)
        filters = flt.Filters(
            actors=tuple(actors),
            event_types=tuple(types),
            date_from=date_from,
            date_to=date_to,
            confidence=tuple(confidence),
            location_precision=tuple(precision),
            text=search_text or "",
            countries=tuple(countries),
        )
        selection = Selection.of(data.store, filters)
        counts = Selection.of(data.store, _without_actors(filters)).actor_counts
        caption(
            " · ".join(f"{registries.actor_name(actor)} {count:,}" for actor, count in counts.items()) or "no events",
            counts_slot,
        )
        st.divider()
        selected = st.selectbox(
            "Event detail",
            _event_choices(data, selection),
            index=None,
            key=EVENT,
            bind="query-params",
            placeholder="Click an event, or choose one",
        )
        ring_specs, band, online_tiles = _overlay_controls()
        caption(f"Data: {data.described_as} · {data.report.summary()}")
        if data.report.errors:
            st.warning(
                f"{data.report.rejected} records rejected and {len(data.report.errors)} problems found:"
                " see the Data quality page."
            )
    filter_caption = flt.caption(filters, selection.count, data.total, registries)
    centres = queries.events_by_id(table, registries, overlays.centre_event_ids(ring_specs))
    rings, ring_errors = overlays.build_rings(ring_specs, centres, registries)
    return View(
        data, filters, selection, filter_caption, selected, ring_specs, band, online_tiles, rings, ring_errors, notice
    )


def _event_choices(data: Workspace, selection: Selection) -> list[str]:
    """Ids offered under *Event detail*: the first matching events by date, and the selected event (from a
    click or the address) when it is loaded, so the choice survives any filter."""
    choices = list(selection.first_ids(EVENT_CHOICES))
    wanted = st.session_state.get(EVENT) or st.query_params.get(EVENT)
    if wanted and wanted not in choices and data.everything.has(wanted):
        choices.insert(0, wanted)
    return choices


def _overlay_controls() -> tuple[list[str], overlays.Band | None, bool]:
    """Range rings, the border band and the online-tiles switch (kept here so every page keeps them)."""
    default = overlays.DEFAULT_BAND
    with st.expander("Map overlays", expanded=False):
        specs = st.multiselect(
            "Range rings",
            [],
            key=RINGS,
            bind="query-params",
            accept_new_options=True,
            placeholder="e.g. fath-360@place:Kharkiv",
            help="RANGE@CENTRE: a weapon id or 70mi / 120km / 50nmi, at event:ID, place:NAME or LAT,LON. "
            "Add rings from the map page.",
        )
        show_band = st.checkbox("Band along a border", value=True, key=BAND, bind="query-params")
        borders = sorted(geodesy.load_borders())
        border = st.selectbox(
            "Border",
            borders,
            index=borders.index(default.border),
            key=BAND_BORDER,
            bind="query-params",
            format_func=lambda border_id: geodesy.load_borders()[border_id].name,
            disabled=not show_band,
        )
        sides = border.split("-")
        side = st.radio(
            "Side",
            sides,
            index=sides.index(default.side) if default.side in sides else 0,
            key=BAND_SIDE,
            bind="query-params",
            horizontal=True,
            disabled=not show_band,
        )
        width_column, unit_column = st.columns([3, 2])
        width = width_column.number_input(
            "Width",
            min_value=params.MIN_BAND_WIDTH,
            max_value=params.MAX_BAND_WIDTH,
            value=default.width,
            step=5.0,
            key=BAND_WIDTH,
            bind="query-params",
            disabled=not show_band,
        )
        unit = unit_column.selectbox(
            "Unit",
            overlays.UNITS,
            index=overlays.UNITS.index(default.unit),
            key=BAND_UNIT,
            bind="query-params",
            disabled=not show_band,
        )
        online = st.toggle(
            "Online map tiles",
            value=False,
            key=TILES,
            help="Off: country outlines shipped with the dashboard, nothing is requested from outside. "
            "On: loads map tiles from Carto over the internet.",
        )
    band = overlays.Band(border, side or sides[0], float(width), unit) if show_band else None
    return list(specs), band, bool(online)


def add_ring(spec: str) -> None:
    """Add a ring spec to the rings shown on the map (and in the URL). Call from a widget callback."""
    current = list(st.session_state.get(RINGS) or [])
    if spec not in current:
        st.session_state[RINGS] = [*current, spec]


def _without_actors(filters: flt.Filters) -> flt.Filters:
    return flt.Filters(**{**vars(filters), "actors": ()})


def _date_range(value: object) -> tuple[date | None, date | None]:
    if isinstance(value, tuple | list):
        parts = [part for part in value if isinstance(part, date)]
        if len(parts) == 2:
            return parts[0], parts[1]
        if len(parts) == 1:
            return parts[0], parts[0]
        return None, None
    return (value, value) if isinstance(value, date) else (None, None)


def current_view() -> View:
    """The view built by the entry script on this run (pages call this).

    Because the project has a ``pages/`` folder, Streamlit's legacy multipage mode runs a page without the
    entry script when the very first request after a server start is a page address (``/map``); the
    entry script's ``st.navigation`` switches that mode off. Turn it off here and rerun through the entry
    script, so a shared link works even as the first request.
    """
    view = st.session_state.get("_view")
    if view is None:
        PagesManager.uses_pages_directory = False
        st.rerun()
    return view


def _address_by_name(registries: Registries) -> list[str]:
    """Actors and event types the address writes by id or alias (``actor=iran``), not by the names the sidebar
    lists (``actor=Iran``), are chosen in the sidebar all the same: its widgets would drop them unseen. When
    the address mixes names with ids, the widgets take only the names; the others are returned as notes.
    Runs before any widget."""
    notes = []
    for name, lookup, label in (
        (ACTOR, registries.actor_lookup, registries.actor_name),
        (TYPE, registries.event_type_lookup, registries.event_type_label),
        (
            COUNTRY,
            {**{name_key(code): code for code in registries.countries.index}, **registries.country_names},
            registries.country_name,
        ),
    ):
        values = st.query_params.get_all(name)
        ids = [lookup.get(name_key(value)) for value in values]
        labels = {label(item) for item in ids if item}
        if not any(item and value != label(item) for value, item in zip(values, ids, strict=True)):
            continue
        if any(value in labels for value in values):
            notes += [
                f"{name} {shorten(value)}: mixed with names, write it as the sidebar names it, {shorten(label(item))}"
                for value, item in zip(values, ids, strict=True)
                if item and value != label(item)
            ]
        else:
            st.session_state[name] = list(dict.fromkeys(item for item in ids if item))
    return notes


IGNORED = "_ignored_address_parameters"  # the session's notes on its address, shown in the sidebar
NOTES_SHOWN = 20  # notes listed in the notice's warning; the rest under it


def _ignored_address_parameters(data: Workspace) -> list[str]:
    """What the address this session was opened with asked for and the dashboard ignored, checked against
    `params.PARAMETERS` before any widget reads the address: once, and again when the browser goes back or
    forward to an address (Streamlit reads it again then). Every value named is also taken out of the address:
    a widget would drop it without a word, or read it its own way (Streamlit reads a whole number "2.5" as 2,
    and fails on "inf")."""
    history = bool(getattr(get_script_run_ctx(), "is_history_navigation", False))
    if IGNORED not in st.session_state or history:
        renamed = _address_by_name(data.registries) if not history else []
        opened = {name: st.query_params.get_all(name) for name in st.query_params}
        borders = sorted(geodesy.load_borders())
        asked_for = [*opened.get(EVENT, []), *overlays.centre_event_ids(opened.get(RINGS, []))]
        event_ids = queries.known_ids(data.table, asked_for)
        loaded = params.Loaded(data.registries, borders, event_ids, data.everything.dataset_actors)
        kept, notes = params.check_address(opened, loaded)
        _keep_in_address(opened, kept, rewrite_browser_address=not history)
        earlier = st.session_state.get(IGNORED, [])
        st.session_state[IGNORED] = earlier + [note for note in renamed + notes if note not in earlier]
    return st.session_state[IGNORED]


def _keep_in_address(
    opened: Mapping[str, Sequence[str]], kept: Mapping[str, list[str]], rewrite_browser_address: bool
) -> None:
    """Leave in the address only the values ``kept``. Streamlit seeds each widget from the address as it was
    opened, not from `st.query_params`: it is told to seed them from this one. The browser's address is
    rewritten too, but for one gone back to (widgets of earlier runs hold their parameters: Streamlit refuses
    to rewrite them, and takes them out once their widgets are drawn)."""
    changed = {name: values for name, values in kept.items() if values != list(opened[name])}
    if not changed:
        return
    with get_session_state().query_params() as address:
        for name, values in changed.items():
            if values:
                address.set_with_no_forward_msg(name, values if len(values) > 1 else values[0])
            else:
                address.discard_param_no_forward_msg(name)
        address.set_initial_query_params_from_current()
        now = {name: address.get_all(name) for name in address}
    if rewrite_browser_address:
        st.query_params.from_dict({name: values for name, values in now.items() if values})  # one new address


def _show_ignored(notice: object, notes: Sequence[str]) -> None:
    """The notes in the sidebar's notice: the first `NOTES_SHOWN` in the warning, all of them below it when
    there are more (an address can hold hundreds of parameters)."""
    if not notes:
        return
    more = len(notes) - NOTES_SHOWN
    listed = "; ".join(notes[:NOTES_SHOWN]) + (f"; and {more:,} more, all listed below" if more > 0 else "")
    with notice.container():  # type: ignore[attr-defined]
        warning("Ignored in the address: " + listed)
        if more > 0:
            with st.expander(f"Everything ignored in the address ({len(notes):,})"):
                st.text("\n".join(notes))  # plain text: nothing in it is read as Markdown


def name_ignored(view: View, notes: Iterable[str]) -> None:
    """Add to the sidebar's notice what a page found in the address and cannot use (checks that need the page's
    own data: a story's steps, the ties drawn, the table's pages); it stays there for the session."""
    listed = st.session_state.setdefault(IGNORED, [])
    new = [note for note in notes if note not in listed]
    if new:
        listed.extend(new)
        _show_ignored(view.notice, listed)


def address_value(name: str) -> str | None:
    """The address's value of ``name`` when its widget has not taken it yet in this session (the value the
    widget is about to take), else None: the analyst's own choices are not the address's."""
    return None if name in st.session_state else st.query_params.get(name)
