"""The selected event, shared by every page and bound to the address (``?event=ID``).

Charts, the map and the table select an event through these widget callbacks.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app.sidebar import EVENT


def select_event(event_id: str | None) -> None:
    """Make ``event_id`` the selected event on every page (and in the URL). Call from a widget callback."""
    st.session_state[EVENT] = event_id


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
