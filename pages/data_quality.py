"""Data quality: what was read, loaded and rejected per file, and every problem the loader found."""

import streamlit as st

from dashboard.app import messages, sidebar
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection
from dashboard.views import tables

view = sidebar.current_view()
result = view.data.report
st.title("Data quality")
messages.caption(f"Records from {view.data.described_as}")
if view.data.from_cache:
    st.caption("The files are unchanged since they were last checked: these results come from the cache.")
read, loaded, rejected = st.columns(3)
read.metric("Records read", result.read)
loaded.metric("Loaded", result.loaded)
rejected.metric("Rejected", result.rejected)
st.subheader("Per file")
st.dataframe(result.files_frame(), hide_index=True)
problems = result.problems_frame()
st.subheader(f"Problems ({len(problems)})")
if problems.empty:
    st.success("No problems: every record passed validation.")
else:
    st.dataframe(problems, hide_index=True)
everything = Selection.of(view.data.store, Filters())
actors = tables.dataset_actors(everything.actor_counts, view.data.registries)
st.subheader(f"Dataset actors ({len(actors)})")
if actors.empty:
    st.caption("Every actor of the loaded events is in data/registries/actors.yaml.")
else:
    st.caption(
        "Actors of imported datasets that no actor of the registry matches, kept under their own names."
        " To count one as a registry actor, add a pattern to data/registries/dataset_actors.yaml."
    )
    st.dataframe(actors, hide_index=True)
duplicates = everything.possible_duplicates
st.subheader(f"Possible duplicates across datasets ({len(duplicates)})")
st.caption(
    "Events from different datasets (curated records count as one) of the same type, on overlapping dates"
    " within their precision, placed closer than their location precision allows (2 km for exact points,"
    " 10 km near a place, 25 km for a city, 100 km for a region, 500 km for a country)."
)
if not duplicates.empty:
    st.dataframe(tables.duplicates_table(duplicates, view.data.registries), hide_index=True)
