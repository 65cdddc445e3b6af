"""Story: a narrative over the events, step by step (``?story=ID&step=N``), each step's events highlighted on the
map and the timeline. The sidebar's filters do not apply: a story shows its own events and filters."""

import streamlit as st

from dashboard.app import sidebar, story_page

view = sidebar.current_view()
st.title("Story")
story_page.show_story(view)
