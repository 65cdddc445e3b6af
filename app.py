"""Conflict Event Dashboard: ``streamlit run app.py`` (records: ``-- --data PATH`` or ``$DASHBOARD_DATA``).

The router: page setup, the data (loaded once for all sessions), the sidebar filters shared by every page,
and the navigation over the pages in ``pages/``.
"""

import streamlit as st

from dashboard.app import data, navigation, sidebar, ui

st.set_page_config(page_title="Conflict Event Dashboard", page_icon=ui.ICON, layout="wide")
ui.page_style()

data = data.load_data()
st.session_state["_view"] = sidebar.sidebar(data)
page = navigation.navigate(
    [
        st.Page("pages/timeline.py", title="Timeline", icon=":material/timeline:", default=True),
        st.Page("pages/map.py", title="Map", icon=":material/map:"),
        st.Page("pages/story.py", title="Story", icon=":material/auto_stories:"),
        st.Page("pages/events.py", title="Events", icon=":material/table_rows:"),
        st.Page("pages/network.py", title="Network", icon=":material/hub:"),
        st.Page("pages/playback.py", title="Playback", icon=":material/play_circle:"),
        st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:"),
        st.Page("pages/export.py", title="Export", icon=":material/download:"),
        st.Page("pages/curate.py", title="Curate", icon=":material/edit_note:"),
        st.Page("pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
    ],
    default_names=["timeline"],  # the Timeline is at / and, like every other page, at its own name
)
ui.run_page(page)
