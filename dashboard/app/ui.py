"""Helpers the pages share: the detail card, the empty state, the map legend, the ring adder, downloads.

Only ``dashboard/app`` and the pages import streamlit; everything they draw is computed by pure functions
elsewhere in the package.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.app.messages import caption
from dashboard.app.selection import select_event
from dashboard.app.sidebar import ACTOR, RINGS, View, add_ring
from dashboard.exports.datafiles import ExportContext, file_name
from dashboard.geo import geodesy, overlays
from dashboard.store import queries
from dashboard.store.selection import Selection
from dashboard.views import detail, figures, layers, network, tables, text

log = logging.getLogger(__name__)
# a file: a material icon would be fetched online
ICON = str(Path(__file__).resolve().parents[1] / "assets" / "icon.png")


PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


RING_EVENT_CHOICES = 1_000  # events offered as ring centres: the first matching ones by date, and the selected one
EMPTY_MESSAGE = "No events match these filters. Widen the filters in the sidebar, or clear them."


def timeline_figure(view: View, lanes: str) -> figures.go.Figure:
    """The timeline of the filtered events, built once per filters and lanes: a rerun only sends it again."""
    figure = view.selection.remember(("timeline figure", lanes), lambda: figures.timeline_figure(view.selection, lanes))
    return figures.highlighted(figure, None if view.selected is None else str(view.selected["id"]))


def counts_figure(view: View, per: str) -> figures.go.Figure:
    """Events per period by type, built once per filters and period."""
    return view.selection.remember(("counts figure", per), lambda: figures.counts_figure(view.selection, per))


NETWORK_TIE, NETWORK_SPLIT = "tie", "split"  # the Network page's address parameters (and widget keys)


def actor_network(view: View) -> network.Network:
    """The actor network of the filtered events, built once per filters from one engine aggregate: the ties
    split at the middle of the period, which the period comparison also uses when no other split is chosen."""
    selection = view.selection

    def build() -> network.Network:
        ties = selection.actor_ties_split(network.default_split(selection.date_bounds))
        return network.build_network(network.whole_period(ties), view.data.registries)

    return selection.remember(("network",), build)


def network_figure(view: View) -> figures.go.Figure:
    """The network's figure, the actors of the actor filter ringed; built once per filters."""
    return view.selection.remember(
        ("network figure",),
        lambda: network.network_figure(actor_network(view), view.data.registries, chosen=view.filters.actors),
    )


def network_change(view: View, split: date) -> network.PeriodChange:
    """The ties before ``split`` against those from it on, from one engine aggregate; once per filters and
    split date."""
    selection = view.selection
    return selection.remember(
        ("network change", split),
        lambda: network.compare_periods(selection.actor_ties_split(split), view.data.registries, split),
    )


def on_network_select(key: str, ties: dict[tuple[str, str, str], str]):  # returns a widget callback
    """Callback for the network chart: a node filters the dashboard to its actor (``customdata`` ``["actor",
    id]``); an edge's handle (``["tie", source, target, role]``) chooses the tie whose events are listed,
    by its label in ``ties``."""

    def callback() -> None:
        for point in st.session_state[key]["selection"]["points"]:
            picked = list(point.get("customdata") or [])
            if picked[:1] == ["actor"] and len(picked) == 2:
                st.session_state[ACTOR] = [str(picked[1])]
                st.session_state[NETWORK_TIE] = None
                return
            if picked[:1] == ["tie"] and tuple(picked[1:]) in ties:
                st.session_state[NETWORK_TIE] = ties[tuple(picked[1:])]
                return

    return callback


def show_caption(view: View) -> None:
    caption(view.caption)


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
        if not view.selected_is_shown:
            st.caption("This event is outside the current filters.")
        st.markdown(detail.detail_markdown(event, registries, distance, border_name))
        twins = view.data.everything.duplicates_of(str(event["id"]))
        if twins:
            st.caption("Possibly the same event, reported in another dataset:")
            for other, dataset, distance_km in twins[:5]:
                st.button(
                    text.escape_markdown(f"{other} ({dataset}, {distance_km:,.1f} km away)"),
                    key=f"twin_{other}",
                    on_click=select_event,
                    args=(other,),
                )
        row = st.container(horizontal=True)
        with row:
            st.button("Close", key="close_detail", on_click=select_event, args=(None,))
            _edit_link(event)


def _edit_link(event) -> None:
    """ "Edit this record" on the Curate page, when editing is on and the record's file may be written."""
    from dashboard.app.data import editing
    from dashboard.sources.datapaths import shown_path

    writable = {shown_path(path) for path in editing().files}
    where = str(event.get("record_file") or "")
    if where in writable:
        st.page_link(
            "pages/curate.py",
            label="Edit this record",
            icon=":material/edit:",
            query_params={"edit": str(event["id"]), "file": where},
        )


# Below 1,100 pixels the page and the card no longer fit side by side: the card goes on top, full width.
LAYOUT_CSS = """<style>
@media (max-width: 1100px) {
  .st-key-beside_detail > div > [data-testid="stHorizontalBlock"] { flex-direction: column-reverse; }
  .st-key-beside_detail > div > [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {
    width: 100% !important; flex: 1 1 100% !important; }
}
</style>"""


def page_style() -> None:
    """The dashboard's own layout rules (no script, no request: a style element)."""
    st.html(LAYOUT_CSS)


@contextmanager
def beside_detail(view: View) -> Iterator[None]:
    """The page's content, with the selected event's card beside it at the top right, in view without scrolling
    (on a narrow screen the card comes first, see `LAYOUT_CSS`); with no event selected, the hint after the
    content."""
    if view.selected is None:
        yield
        show_detail(view)
        return
    with st.container(key="beside_detail"):
        content, card = st.columns([13, 7], gap="medium")
        with card:
            show_detail(view)
        with content:
            yield


def show_empty_state(view: View) -> bool:
    """Say so when no event matches; returns True when the page has nothing else to draw."""
    if view.empty:
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


def show_map_legend(selection: Selection, rings: list[overlays.Ring], band: overlays.Band | None) -> None:
    """Colour keys for event types, rings and the band (labels escaped; colours come from the registries)."""
    items = [(colour, label, "●") for colour, label in layers.legend_items(selection)]
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
            listed = view.selection.rows(RING_EVENT_CHOICES)
            if listed.empty:
                listed = queries.rows(view.data.table, registries, RING_EVENT_CHOICES)
            if view.selected is not None and view.selected_id not in set(listed["id"]):
                listed = pd.concat([view.selected.to_frame().T, listed], ignore_index=True)
            ids = list(listed["id"])
            default = ids.index(view.selected_id) if view.selected_id in ids else 0
            titles = dict(zip(listed["id"], listed["title"], strict=True))
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


MIME = {
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
    "json": "application/json",
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
    "gif": "image/gif",
    "mp4": "video/mp4",
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
        view.selection,
        export_context(view),
        view.rings,
        view.band,
        lanes=st.session_state.get("lanes") or "actor",
        per=st.session_state.get("per") or "month",
    )


def chart_downloads(view: View, chart: str) -> None:
    """A row of download buttons for one chart: PNG, SVG, PDF (images need Chrome/Chromium) and HTML."""
    chart_downloads_row(
        chart,
        lambda fmt: chart_file(view, chart, fmt),
        lambda fmt: file_name(chart, view.selection.date_bounds, view.filters, fmt),
        disabled=view.empty,
    )


def chart_downloads_row(
    chart: str, make: Callable[[str], bytes], name: Callable[[str], str], disabled: bool = False
) -> None:
    """Download buttons for ``chart`` as PNG, SVG, PDF and HTML; ``make(fmt)`` draws it only when clicked."""
    from dashboard.exports import images

    browser = images.find_browser()
    row = st.container(horizontal=True)  # buttons wrap onto a second line on a narrow screen
    for fmt in ("png", "svg", "pdf", "html"):
        row.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: make(fmt),
            file_name=name(fmt),
            mime=MIME[fmt],
            key=f"download_{chart}_{fmt}",
            on_click="ignore",
            disabled=(fmt != "html" and browser is None) or disabled,
            help=f"Download the {chart} as {fmt.upper()}" + ("" if fmt == "html" else " (high resolution)"),
        )
    if browser is None:
        st.caption(images.INSTALL_HINT)


def show_dataset_checks(view: View) -> None:
    """The Data quality page's dataset sections: actors no registry actor matches, and possible duplicates."""
    everything = view.data.everything
    actors = tables.dataset_actors(everything.actor_counts, view.data.registries)
    st.subheader(f"Dataset actors ({len(actors)})")
    if actors.empty:
        st.caption("Every actor of the loaded events is in data/registries/actors.yaml.")
    else:
        st.caption(
            "Actors of imported datasets that no actor of the registry matches, kept under their own names."
            " To count one as a registry actor, add a pattern to data/registries/dataset_actors.yaml."
        )
        st.dataframe(actors, hide_index=True)
    duplicates = everything.possible_duplicates
    st.subheader(f"Possible duplicates across datasets ({len(duplicates)})")
    st.caption(tables.DUPLICATES_RULE)
    if not duplicates.empty:
        st.dataframe(tables.duplicates_table(duplicates, view.data.registries), hide_index=True)
