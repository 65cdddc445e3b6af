"""The Network page: the actors of the filtered events as a graph, its measures, a tie's events, and how the
network changed between two periods."""

from __future__ import annotations

import streamlit as st

from dashboard.app import selection, sidebar, ui
from dashboard.app.sidebar import View
from dashboard.model.problems import shorten
from dashboard.model.schema import EARLIEST_DATE, LATEST_DATE
from dashboard.views import network, tables, text

TIE_EVENTS = 200  # events of a tie listed: the latest
TOP = 10  # rows of each measure's table


def show_network(view: View) -> None:
    registries = view.data.registries
    graph = ui.actor_network(view)
    if graph.empty:
        st.info("These events tie no two actors (none has a counterpart or an associated actor).")
    else:
        choices = network.tie_choices(graph, registries)
        labels = {tie: label for label, tie in choices.items()}
        st.plotly_chart(
            ui.network_figure(view),
            key="network_chart",
            on_select=ui.on_network_select("network_chart", labels),
            selection_mode="points",
            config=ui.PLOTLY_CONFIG,
        )
        notes = network.network_notes(graph, len(network.figure_labels(graph)))
        st.caption(
            " ".join(
                [
                    "Arrows: initiator → counterpart; dashed: acts with (an associated actor). Width: events;"
                    " colour: the kind of tie most of them make (set per event type in"
                    " data/registries/event\\_types.yaml). Click an actor to filter the dashboard to it, or the"
                    " diamond on a tie to list its events.",
                    *notes,
                ]
            )
        )

        wanted = sidebar.address_value(ui.NETWORK_TIE)
        if wanted and wanted not in choices:
            sidebar.name_ignored(view, [f"tie {shorten(wanted)}: this network does not draw it"])
        if st.session_state.get(ui.NETWORK_TIE) not in (None, *choices):
            st.session_state[ui.NETWORK_TIE] = None  # a tie of other filters
        chosen = st.selectbox(
            "Events of a tie",
            list(choices),
            index=None,
            key=ui.NETWORK_TIE,
            bind="query-params",
            placeholder="Click a tie's diamond, or choose one",
        )
        if chosen is not None:
            source, target, role = choices[chosen]
            events = view.selection.tie_events(source, target, role, TIE_EVENTS, network.TIE_EVENT_COLUMNS)
            table = tables.events_table(events, registries)
            total = network.tie_total(graph, source, target, role)
            shown = f"the latest {len(table):,} of {total:,}" if total > len(table) else f"all {total:,}"
            st.caption(f"{text.escape_markdown(chosen)}: {shown} events, newest first. Click one to read it.")
            st.dataframe(
                tables.with_selected_row(table, view.selected_id),
                key="tie_events_table",
                on_select=selection.on_table_select("tie_events_table", table),
                selection_mode="single-row",
                hide_index=True,
                height=min(36 * (len(table) + 1) + 4, 420),
                column_config=tables.column_config(beside_card=view.selected is not None),
            )

        st.subheader("Actors")
        st.caption(
            "Events on each actor's ties: those it starts (as initiator), those that reach it (as counterpart"
            " or associated actor), and both; partners: the actors it is tied to."
        )
        st.dataframe(network.degree_table(graph), hide_index=True, height=min(36 * (len(graph.nodes) + 1) + 4, 400))
        st.subheader("Strongest ties")
        st.dataframe(network.strongest_ties(graph, registries, TOP), hide_index=True)

        st.subheader("Change between two periods")
        middle = network.default_split(view.selection.date_bounds)
        split = st.date_input(
            f"Split date (empty: the middle of the events' period, {middle:%Y-%m-%d})",
            value=None,
            min_value=EARLIEST_DATE,
            max_value=LATEST_DATE,
            key=ui.NETWORK_SPLIT,
            bind="query-params",
            format="YYYY-MM-DD",
            help="Ties of events that start before this date against those of events that start on it or later.",
        )
        split = split or middle
        change = ui.network_change(view, split)
        st.caption(
            f"Events before {split:%Y-%m-%d} against events from {split:%Y-%m-%d} on (by start date), all actors."
        )
        new, gone = st.columns(2)
        with new:
            st.markdown(f"**New ties** ({len(change.new):,}): only in the later period")
            st.dataframe(change.new.head(TOP), hide_index=True)
        with gone:
            st.markdown(f"**Ties gone** ({len(change.gone):,}): only in the earlier period")
            st.dataframe(change.gone.head(TOP), hide_index=True)
        st.markdown("**Biggest changes** in events per tie")
        st.dataframe(change.changes.head(TOP), hide_index=True)
        st.markdown("**Actors** whose ties changed most (events on all their ties)")
        st.dataframe(change.actors.head(TOP), hide_index=True)

        with st.expander("Download the network"):
            ui.chart_downloads(view, "network")
