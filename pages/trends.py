"""Trends: change against a baseline per actor, event type or country, with ACLED Trendfinder's change levels."""

import streamlit as st

from dashboard.app import sidebar, trend_controls, ui
from dashboard.views import trends

view = sidebar.current_view()
st.title("Trends")
ui.show_caption(view)
with ui.beside_detail(view):
    if not ui.show_empty_state(view):
        options = trend_controls.trend_options()
        result = trends.trends_of(view.selection, options, view.data.everything.last_start)
        st.caption(f"{result.compared}. {trends.RULE_TEXT}")
        for note in result.notes:
            st.info(note)
        if result.empty:
            st.info("No events in these periods: choose a later latest period or a longer baseline.")
        else:
            category = trend_controls.trend_category(view, result)
            figure = trends.trend_figure(result, category)
            st.plotly_chart(figure, key="trend_chart", config=ui.PLOTLY_CONFIG)
            trend_controls.trend_table(result)
            with st.expander("Download the chart and the table"):
                trend_controls.trend_downloads(view, result, category)
