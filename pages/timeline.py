"""Timeline: events on a time axis, one lane per actor (or type), and counts per week or month by type."""

import streamlit as st

from dashboard.app import selection, sidebar, ui
from dashboard.views import figures

view = sidebar.current_view()
registries = view.data.registries
st.title("Timeline")
ui.show_caption(view)
with ui.beside_detail(view):
    if not ui.show_empty_state(view):
        lanes = st.segmented_control(
            "One lane per", list(figures.LANES), default="actor", key="lanes", bind="query-params"
        )
        st.plotly_chart(
            ui.timeline_figure(view, lanes or "actor"),
            key="timeline_chart",
            on_select=selection.on_chart_select("timeline_chart"),
            selection_mode="points",
            config=ui.PLOTLY_CONFIG,
        )
        if figures.is_aggregated(view.selection):
            st.caption(
                f"{view.shown:,} events are more than {figures.POINT_LIMIT:,}: each cell counts a lane's events in"
                " one week (the darker, the more; hover for the main types). Narrow the filters to see and click"
                " single events."
            )
        else:
            st.caption(
                "Filled marks: the actor initiated the event; open marks: counterpart or associated. "
                "Bars span dates known only to the week or month, or events lasting several days. "
                "Drag to zoom; use the slider below the axis to pick a range; click an event to read it."
            )
        per = st.segmented_control(
            "Count per", list(figures.FREQUENCIES), default="month", key="per", bind="query-params"
        )
        st.plotly_chart(ui.counts_figure(view, per or "month"), key="counts_chart", config=ui.PLOTLY_CONFIG)
        with st.expander("Download the timeline"):
            ui.chart_downloads(view, "timeline")
