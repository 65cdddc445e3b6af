"""Events: a sortable table of the filtered events and the detail card of the selected one."""

import streamlit as st

from dashboard.app import selection, sidebar, ui
from dashboard.views import tables

view = sidebar.current_view()
st.title("Events")
ui.show_caption(view)
if not ui.show_empty_state(view):
    table = tables.events_table(view.events, view.data.registries)
    st.dataframe(
        table,
        key="events_table",
        on_select=selection.on_table_select("events_table", table),
        selection_mode="single-row",
        hide_index=True,
        height=min(36 * (len(table) + 1) + 4, 640),
        column_config=tables.EVENTS_COLUMN_CONFIG,
    )
ui.show_detail(view)
