"""Data quality: what was read, loaded and rejected per file, and every problem the loader found."""

import streamlit as st

from dashboard.app import messages, sidebar, ui

view = sidebar.current_view()
result = view.data.report
st.title("Data quality")
messages.caption(f"Records from {view.data.described_as}")
with ui.beside_detail(view):
    if view.data.from_cache:
        st.caption("The files are unchanged since they were last checked: these results come from the cache.")
    read, loaded, rejected, *rest = st.columns(4 if result.replaced else 3)
    read.metric("Records read", f"{result.read:,}")
    loaded.metric("Loaded", f"{result.loaded:,}")
    rejected.metric("Rejected", f"{result.rejected:,}")
    if result.replaced:
        rest[0].metric("Replaced", f"{result.replaced:,}", help="Rows a later release of the same dataset revises")
    st.subheader("Per file")
    st.dataframe(result.files_frame(), hide_index=True)
    problems = result.problems_frame()
    st.subheader(f"Problems ({len(problems)})")
    if problems.empty:
        st.success("No problems: every record passed validation.")
    else:
        st.dataframe(problems, hide_index=True)
    ui.show_dataset_checks(view)
