"""Playback: a time window steps or plays across the filtered period; the map shows its events, older ones fading."""

import streamlit as st

from dashboard.app import playback_controls, sidebar, ui

view = sidebar.current_view()
st.title("Playback")
ui.show_caption(view)
with ui.beside_detail(view):
    if not ui.show_empty_state(view):
        playback_controls.show_playback(view)
