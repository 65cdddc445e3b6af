"""Events: a sortable table of the filtered events, a page at a time, and the detail card of the selected one."""

import streamlit as st

from dashboard.app import selection, sidebar, ui
from dashboard.views import tables

view = sidebar.current_view()
st.title("Events")
ui.show_caption(view)
with ui.beside_detail(view):
    if not ui.show_empty_state(view):
        pages = tables.page_count(view.shown)
        sidebar.name_ignored(view, tables.page_notes(sidebar.address_value("page"), pages))
        number = 1
        if pages > 1:
            number = int(
                st.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, key="page", bind="query-params")
            )
        table = tables.events_table(view.selection.page(number - 1, tables.PAGE_SIZE), view.data.registries)
        if pages > 1:
            st.caption(tables.page_caption(number, len(table), view.shown))
        st.dataframe(
            tables.with_selected_row(table, None if view.selected is None else str(view.selected["id"])),
            key="events_table",
            on_select=selection.on_table_select("events_table", table),
            selection_mode="single-row",
            hide_index=True,
            height=min(36 * (len(table) + 1) + 4, 640),
            column_config=tables.column_config(beside_card=view.selected is not None),
        )
