"""Map: events by type with precision halos, transfer arcs, geodesic range rings and a band along a border."""

import streamlit as st

from dashboard.app import messages, selection, sidebar, ui
from dashboard.views import layers

view = sidebar.current_view()
registries = view.data.registries
st.title("Map")
ui.show_caption(view)
with ui.beside_detail(view):
    for message in view.ring_errors:
        messages.warning(message)
    if view.empty:
        st.info(ui.EMPTY_MESSAGE)
    model = layers.build_map(view.selection, view.rings, view.band, view.online_tiles, view.selected)
    st.pydeck_chart(
        model.deck,
        key="map_chart",
        on_select=selection.on_map_select("map_chart"),
        selection_mode="single-object",
        height=620,
    )
    for note in model.notes:
        messages.caption(note)
    ui.show_map_legend(view.selection, view.rings, view.band)
    with st.expander("Download the map (as drawn: points, rings, arcs, band, outlines, legend)"):
        ui.chart_downloads(view, "map")
    ui.ring_adder(view)
