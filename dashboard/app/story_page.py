"""The Story page: pick a story, step through it (``?story=ID&step=N``), each step's text beside its map, its
events ringed on the map and the timeline, and the story as a briefing pack."""

from __future__ import annotations

import streamlit as st

from dashboard.app import data, messages, selection, sidebar, ui
from dashboard.app.sidebar import View
from dashboard.exports import briefing, images
from dashboard.exports.datafiles import ExportContext
from dashboard.geo import geodesy
from dashboard.model.problems import problems_frame
from dashboard.views import stories, text

STORY, STEP = stories.STORY, stories.STEP


def open_story(story_id: str | None) -> None:
    if story_id is not None:
        st.session_state[STORY] = story_id
    st.session_state[STEP] = 1


def move(by: int, count: int) -> None:
    st.session_state[STEP] = min(max(int(st.session_state.get(STEP) or 1) + by, 1), count)


def show_story(view: View) -> None:
    registries = view.data.registries
    borders = sorted(geodesy.load_borders())
    options = data.cli_options()
    found, problems = stories.checked_stories(
        stories.app_folder(options.data, options.dataset),
        view.data.store,
        registries,
        borders,
        view.data.everything.dataset_actors,
    )
    by_id = {story.id: story for story in found}

    sidebar.name_ignored(view, stories.address_notes(st.query_params.get(STORY), st.query_params.get(STEP), found))

    pick, back, middle, forward = st.columns([4, 1.1, 1.3, 1.1], vertical_alignment="bottom")
    chosen = pick.selectbox(
        "Story",
        list(by_id),
        index=None,
        key=STORY,
        bind="query-params",
        placeholder="Choose a story",
        on_change=open_story,
        args=(None,),
    )
    if chosen is None:
        messages.caption(stories.NO_SIDEBAR_FILTERS)
        if not found:
            st.info("No story to show. Add one as a YAML file in data/stories (docs/stories.md says how).")
        for story in found:
            with st.container(border=True):
                st.markdown(f"**{text.escape_markdown(story.title)}**")
                if story.summary:
                    messages.caption(story.summary)
                st.button(
                    f"Open ({len(story.steps)} steps)", key=f"open_{story.id}", on_click=open_story, args=(story.id,)
                )
    else:
        story = by_id[chosen]
        count = len(story.steps)
        current = st.session_state.get(STEP)
        if current is not None and not (isinstance(current, int | float) and 1 <= current <= count):
            st.session_state[STEP] = 1  # a step of the story shown before
        number = int(
            middle.number_input(
                f"Step (of {count})", min_value=1, max_value=count, step=1, key=STEP, bind="query-params"
            )
        )
        back.button(
            "Previous",
            icon=":material/arrow_back:",
            key="story_previous",
            on_click=move,
            args=(-1, count),
            disabled=number <= 1,
            width="stretch",
        )
        forward.button(
            "Next",
            icon=":material/arrow_forward:",
            key="story_next",
            on_click=move,
            args=(1, count),
            disabled=number >= count,
            width="stretch",
            type="primary",
        )
        st.subheader(text.escape_markdown(story.title))
        if story.summary:
            messages.caption(story.summary)
        step = stories.step_view(story, number, view.data.store, registries, borders)
        with ui.beside_detail(view):
            if view.selected is None:  # the text beside the map, as on the pack's slides
                map_column, text_column = st.columns([3, 2], gap="medium")
            else:  # the event's card takes the right: the text goes under the map, which keeps its width
                map_column, text_column = st.container(), st.container()
            with text_column:
                st.markdown(f"#### {text.escape_markdown(step.heading)}")
                st.markdown(stories.step_markdown(step.step.text))
                messages.caption(stories.NO_SIDEBAR_FILTERS)
            with map_column:
                for message in step.ring_errors:
                    messages.warning(message)
                model = stories.story_map(step, view.online_tiles, view.selected)
                st.pydeck_chart(
                    model.deck,
                    key="story_map",
                    on_select=selection.on_map_select("story_map"),
                    selection_mode="single-object",
                    height=stories.MAP_HEIGHT_PX,
                )
                for note in model.notes:
                    messages.caption(note)
                ui.show_map_legend(step.selection, step.rings, step.band)
                messages.caption("Dark rings: the events of this step. Other marks: the events its filters select.")
            st.markdown("**Events of this step** (click one to read it)")
            for event in stories.step_events_table(step).itertuples(index=False):
                st.button(
                    text.escape_markdown(f"{event.Date} · {event.Title}"),
                    key=f"story_event_{event.id}",
                    on_click=selection.select_event,
                    args=(event.id,),
                    icon=":material/article:",
                    type="tertiary",
                )
            st.plotly_chart(
                stories.story_timeline(step, view.selected_id),
                key="story_timeline",
                on_select=selection.on_chart_select("story_timeline"),
                selection_mode="points",
                config=ui.PLOTLY_CONFIG,
            )
            st.markdown("**The story as a briefing pack**")
            browser = images.find_browser()
            row = st.container(horizontal=True)
            context = ExportContext(stories.story_caption(story), view.data.described_as)
            for fmt in ("pptx", "pdf"):
                row.download_button(
                    f"Story pack ({fmt.upper()})",
                    data=lambda fmt=fmt: briefing.story_file(fmt, story, view.data.store, registries, context, borders),
                    file_name=f"story_{story.id}.{fmt}",
                    mime=ui.MIME[fmt],
                    key=f"download_story_{fmt}",
                    on_click="ignore",
                    disabled=browser is None,
                    help="Title slide, one slide per step (its map, text and events), and the sources",
                )
            if browser is None:
                st.caption(images.INSTALL_HINT)
    if problems:
        label = f"{len(problems)} problem{'s' * (len(problems) != 1)}"
        with st.expander(f"Stories not shown: {label} (also printed by `python -m dashboard validate`)"):
            st.dataframe(problems_frame(problems), hide_index=True)
