"""The Streamlit edge: cached data, sidebar filters bound to the URL, the shared event selection.

Only this module and the pages import streamlit; everything they draw is computed by pure functions
elsewhere in the package.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from dashboard.exports.datafiles import ExportContext, file_name
from dashboard.geo import geodesy, overlays
from dashboard.records.datapaths import DataPathError, data_paths, describe_paths, record_files
from dashboard.records.loader import LoadResult, load_events
from dashboard.records.registries import Registries, load_registries
from dashboard.records.schema import CONFIDENCE_LEVELS, EARLIEST_DATE, LATEST_DATE, LOCATION_PRECISIONS
from dashboard.store import filters as flt
from dashboard.views import detail, layers, params, text

log = logging.getLogger(__name__)

# URL parameter of each sidebar widget (the widget key is the parameter name).
ACTOR, TYPE, DATES, CONFIDENCE, PRECISION, SEARCH, EVENT = (
    "actor",
    "type",
    "dates",
    "confidence",
    "precision",
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
# a file: a material icon would be fetched online
ICON = str(Path(__file__).resolve().parents[1] / "assets" / "icon.png")
PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
EMPTY_MESSAGE = "No events match these filters. Widen the filters in the sidebar, or clear them."


@dataclass
class Data:
    """Everything loaded once and shared by all sessions (never modified after loading)."""

    result: LoadResult
    registries: Registries
    search: pd.Series
    described_as: str

    @property
    def events(self) -> pd.DataFrame:
        return self.result.events


@dataclass
class View:
    """What the sidebar selects on this run: filters, matching events, their caption, the selected event."""

    data: Data
    filters: flt.Filters
    events: pd.DataFrame
    caption: str
    selected_id: str | None
    ring_specs: list[str]
    band: overlays.Band | None
    online_tiles: bool
    rings: list[overlays.Ring]
    ring_errors: list[str]

    @property
    def selected(self) -> pd.Series | None:
        if self.selected_id is None:
            return None
        rows = self.data.events[self.data.events["id"] == self.selected_id]
        return None if rows.empty else rows.iloc[0]


def cli_data_paths(argv: list[str] | None = None) -> list[str]:
    """``streamlit run app.py -- --data PATH [--data PATH]``: the paths named after ``--``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data", action="append", default=[])
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return known.data


def _files_stamp(paths: list[Path]) -> tuple:
    """Names, sizes and modification times of the record files: a change reloads the data. Names as bytes: a
    name that is not UTF-8 cannot be hashed as text."""
    stamp = []
    for path in record_files(paths):
        status = path.stat()
        stamp.append((os.fsencode(path), status.st_size, status.st_mtime_ns))
    return tuple(stamp)


@st.cache_resource(show_spinner="Loading event records…", max_entries=4)
def _load(paths: tuple[bytes, ...], stamp: tuple) -> Data:
    registries = load_registries()
    named = [Path(os.fsdecode(path)) for path in paths]
    result = load_events(named, registries)
    return Data(result, registries, flt.search_index(result.events), describe_paths(named))


def load_data() -> Data:
    """The records named by ``--data``/``$DASHBOARD_DATA`` (else the bundled ones), loaded once per change."""
    paths = data_paths(cli_data_paths() or None)
    try:
        return _load(tuple(os.fsencode(path) for path in paths), _files_stamp(paths))
    except DataPathError as error:
        st.error(f"**The event records cannot be read.** {text.escape_markdown(error)}")
        st.info("Name record files or folders with `--data PATH` or the `DASHBOARD_DATA` environment variable.")
    except Exception as error:  # the loader reports bad data as problems; this is a defect of ours
        log.exception("loading the records failed")
        st.error(
            "**The event records could not be loaded** because of an internal error"
            f" ({text.escape_markdown(f'{type(error).__name__}: {error}')}). The server log has the details."
        )
    st.stop()
    raise AssertionError("unreachable: st.stop() ends the run")


def _date_bounds(events: pd.DataFrame) -> tuple[date, date]:
    if events.empty:
        today = date.today()
        return today, today
    return events["date_start"].min().date(), events["date_span_end"].max().date()


def sidebar(data: Data) -> View:
    """Draw the filters (each bound to its URL parameter) and return the current view; an unexpected fault
    stops the run with a message, never a traceback."""
    try:
        return _sidebar(data)
    except Exception as error:  # Streamlit's stop and rerun are BaseExceptions: they pass through
        log.exception("the sidebar failed")
        st.error(f"The filters could not be drawn ({text.escape_markdown(f'{type(error).__name__}: {error}')}).")
        st.stop()
        raise AssertionError("unreachable: st.stop() ends the run") from error


def _sidebar(data: Data) -> View:
    registries = data.registries
    events = data.events
    ignored = _ignored_address_parameters(data)
    with st.sidebar:
        st.header("Filters")
        if ignored:
            warning("Ignored in the address: " + "; ".join(ignored))
        actors = st.multiselect(
            "Actors",
            list(registries.actors.index),
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
        low, high = _date_bounds(events)
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
        text = st.text_input("Search", key=SEARCH, bind="query-params", placeholder="words in title, summary, sources…")
        date_from, date_to = _date_range(dates)
        filters = flt.Filters(
            actors=tuple(actors),
            event_types=tuple(types),
            date_from=date_from,
            date_to=date_to,
            confidence=tuple(confidence),
            location_precision=tuple(precision),
            text=text or "",
        )
        shown = flt.apply_filters(events, filters, data.search)
        others = flt.apply_filters(events, _without_actors(filters), data.search)
        counts = flt.actor_counts(others)
        caption(
            " · ".join(f"{registries.actor_name(actor)} {count}" for actor, count in counts.items()) or "no events",
            counts_slot,
        )
        st.divider()
        selected = st.selectbox(
            "Event detail",
            list(events["id"]),
            index=None,
            key=EVENT,
            bind="query-params",
            placeholder="Click an event, or choose one",
        )
        ring_specs, band, online_tiles = _overlay_controls()
        caption(f"Data: {data.described_as} · {data.result.summary()}")
        if data.result.errors:
            st.warning(
                f"{data.result.rejected} records rejected and {len(data.result.errors)} problems found:"
                " see the Data quality page."
            )
    filter_caption = flt.caption(filters, len(shown), len(events), registries)
    rings, ring_errors = overlays.build_rings(ring_specs, events, registries)
    return View(data, filters, shown, filter_caption, selected, ring_specs, band, online_tiles, rings, ring_errors)


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
            min_value=1.0,
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


def select_event(event_id: str | None) -> None:
    """Make ``event_id`` the selected event on every page (and in the URL). Call from a widget callback."""
    st.session_state[EVENT] = event_id


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


def show_caption(view: View) -> None:
    caption(view.caption)


# --- text from records and addresses: always shown as plain text ---------------------------------------


def caption(message: str, where: object = st) -> None:
    """A caption whose text (filters, file names, record text) is shown as written, never as Markdown."""
    where.caption(text.escape_markdown(message))  # type: ignore[attr-defined]


def warning(message: str) -> None:
    """A warning whose text (a ring spec, an ignored parameter) is shown as written, never as Markdown."""
    st.warning(text.escape_markdown(message))


def _ignored_address_parameters(data: Data) -> list[str]:
    """What the address this session was opened with asked for and the dashboard ignored (Streamlit drops
    values its widgets cannot take without a word). Read once, before the widgets take the parameters."""
    key = "_ignored_address_parameters"
    if key not in st.session_state:
        opened = {name: st.query_params.get_all(name) for name in st.query_params}
        borders = sorted(geodesy.load_borders())
        _, notes = params.read_view(opened, data.registries, borders, set(data.events["id"]))
        st.session_state[key] = notes
    return st.session_state[key]


def show_detail(view: View) -> None:
    """The detail card of the selected event (shared by all pages), or a hint when none is selected."""
    event = view.selected
    if event is None:
        st.caption("Click an event (or choose one under *Event detail* in the sidebar) to read its sources.")
        return
    registries = view.data.registries
    distance = detail.border_distance(event)
    border_name = geodesy.load_borders()[distance.border].name if distance else ""
    with st.container(border=True):
        if view.selected_id not in set(view.events["id"]):
            st.caption("This event is outside the current filters.")
        st.markdown(detail.detail_markdown(event, registries, distance, border_name))
        st.button("Close", key="close_detail", on_click=select_event, args=(None,))


def show_empty_state(view: View) -> bool:
    """Say so when no event matches; returns True when the page has nothing else to draw."""
    if view.events.empty:
        st.info(EMPTY_MESSAGE)
        return True
    return False


def run_page(page: st.navigation) -> None:  # type: ignore[valid-type]
    """Run the chosen page; an unexpected fault becomes a message, never a traceback."""
    try:
        page.run()
    except Exception as error:  # the analyst gets a message, the log gets the traceback
        log.exception("page failed")
        st.error(
            f"This page could not be drawn ({text.escape_markdown(f'{type(error).__name__}: {error}')})."
            " Other pages still work."
        )


def on_table_select(key: str, table: pd.DataFrame):  # returns a widget callback
    """Callback for a dataframe with single-row selection whose table has an ``id`` column."""

    def callback() -> None:
        rows = st.session_state[key]["selection"]["rows"]
        if rows:
            select_event(str(table["id"].iloc[rows[0]]))

    return callback


def on_chart_select(key: str):  # returns a widget callback
    """Callback for a plotly chart whose points carry the event id as ``customdata[0]``."""

    def callback() -> None:
        points = st.session_state[key]["selection"]["points"]
        ids = [point.get("customdata", [None])[0] for point in points if point.get("customdata")]
        if ids:
            select_event(str(ids[0]))

    return callback


def on_map_select(key: str):  # returns a widget callback
    """Callback for a pydeck chart whose pickable layers' objects carry the event ``id``."""

    def callback() -> None:
        objects = st.session_state[key]["selection"]["objects"]
        for picked in objects.values():
            if picked and picked[0].get("id"):
                select_event(str(picked[0]["id"]))
                return

    return callback


def show_map_legend(events: pd.DataFrame, rings: list[overlays.Ring], band: overlays.Band | None) -> None:
    """Colour keys for event types, rings and the band (labels escaped; colours come from the registries)."""
    registries = current_view().data.registries
    items = [(colour, label, "●") for colour, label in layers.legend_items(events, registries)]
    items += [
        (ring.colour, f"{ring.label} around {ring.centre_label} (range source: {ring.source})", "◯") for ring in rings
    ]
    if band is not None:
        items.append(("#e69f00", band.label, "▬"))
    items.append(("#888888", "halo: the wider, the vaguer the location (near, city, region, country)", "◌"))
    html = " &nbsp; ".join(  # labels hold record text; inside this HTML block Markdown is not parsed
        f'<span style="color:{colour}">{symbol}</span> {text.escape_html_block(label)}'
        for colour, label, symbol in items
    )
    st.markdown(f'<div style="font-size:0.85rem;line-height:1.6">{html}</div>', unsafe_allow_html=True)


def ring_adder(view: View) -> None:
    """Controls to add a range ring from the weapons registry or a custom radius, at any centre."""
    registries = view.data.registries
    with st.expander("Add a range ring", expanded=not view.ring_specs):
        weapons = list(registries.weapons.index)
        choice = st.selectbox(
            "Range",
            [*weapons, "custom"],
            format_func=lambda item: (
                "Custom radius"
                if item == "custom"
                else f"{registries.weapons.at[item, 'name']}"
                f" ({geodesy.format_distance(registries.weapons.at[item, 'max_range_km'])})"
            ),
            key="ring_range",
        )
        range_text = choice
        if choice == "custom":
            value_column, unit_column = st.columns([3, 2])
            value = value_column.number_input(
                "Radius", min_value=0.1, max_value=overlays.MAX_RING_KM, value=70.0, step=5.0, key="ring_radius"
            )
            unit = unit_column.selectbox("Unit", overlays.UNITS, index=overlays.UNITS.index("mi"), key="ring_unit")
            range_text = f"{value:g}{unit}"
        kind = st.radio("Centre", ["event", "place", "coordinates"], horizontal=True, key="ring_centre_kind")
        if kind == "event":
            ids = list(view.events["id"]) or list(view.data.events["id"])
            default = ids.index(view.selected_id) if view.selected_id in ids else 0
            titles = dict(zip(view.data.events["id"], view.data.events["title"], strict=True))
            event_id = st.selectbox("Event", ids, index=default, format_func=titles.get, key="ring_event")
            centre = f"event:{event_id}"
        elif kind == "place":
            place = st.selectbox("Gazetteer place", sorted(registries.gazetteer["name"]), key="ring_place")
            centre = f"place:{place}"
        else:
            lat_column, lon_column = st.columns(2)
            lat = lat_column.number_input("Latitude", -90.0, 90.0, 50.0, format="%.4f", key="ring_lat")
            lon = lon_column.number_input("Longitude", -180.0, 180.0, 36.25, format="%.4f", key="ring_lon")
            centre = f"{lat:.4f},{lon:.4f}"
        spec = overlays.ring_spec(range_text, centre)
        add, clear = st.columns(2)
        add.button("Add ring", key="ring_add", on_click=add_ring, args=(spec,), type="primary")
        clear.button("Remove all rings", key="ring_clear", on_click=lambda: st.session_state.update({RINGS: []}))
        st.caption(f"Adds {text.escape_markdown(spec)}; rings are listed under *Map overlays* in the sidebar.")


# --- downloads ------------------------------------------------------------------------------------------

MIME = {
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
    "json": "application/json",
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def export_context(view: View, handling: str = "") -> ExportContext:
    return ExportContext(view.caption, view.data.described_as, handling=handling)


def chart_file(view: View, chart: str, fmt: str) -> bytes:
    """The timeline, the counts chart or the map of the current view, as the page draws it."""
    from dashboard.exports import images

    return images.chart_file(
        chart,
        fmt,
        view.events,
        view.data.registries,
        export_context(view),
        view.rings,
        view.band,
        lanes=st.session_state.get("lanes") or "actor",
        per=st.session_state.get("per") or "month",
    )


def chart_downloads(view: View, chart: str) -> None:
    """A row of download buttons for one chart: PNG, SVG, PDF (images need Chrome/Chromium) and HTML."""
    from dashboard.exports import images

    browser = images.find_browser()
    columns = st.columns([1, 1, 1, 1, 4])
    for column, fmt in zip(columns, ("png", "svg", "pdf", "html"), strict=False):
        column.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: chart_file(view, chart, fmt),
            file_name=file_name(chart, view.events, view.filters, fmt),
            mime=MIME[fmt],
            key=f"download_{chart}_{fmt}",
            on_click="ignore",
            disabled=(fmt != "html" and browser is None) or view.events.empty,
            help=f"Download the {chart} as {fmt.upper()}" + ("" if fmt == "html" else " (high resolution)"),
        )
    if browser is None:
        columns[4].caption(images.INSTALL_HINT)
