"""Network: the actors of the filtered events and the ties their events make, its measures, and how it changed."""

import streamlit as st

from dashboard.app import network_page, sidebar, ui

view = sidebar.current_view()
st.title("Network")
ui.show_caption(view)
with ui.beside_detail(view):
    if not ui.show_empty_state(view):
        network_page.show_network(view)
