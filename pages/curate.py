"""Curate: add, edit, duplicate and delete records in the analyst's files; turn an article into draft records."""

import streamlit as st

from dashboard.app import curate_page, sidebar

view = sidebar.current_view()
st.title("Curate")
curate_page.show_curate(view)
