"""The Story page, run as Streamlit runs it (AppTest): the address opens a step, previous and next move it (and
the address), unknown stories and steps are named, the step's events are the ones highlighted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_pages import KARACHEV, app, deck

from dashboard.app import sidebar
from dashboard.settings import STORIES_ENV
from dashboard.sources.stories import STORIES_DIR, load_stories
from dashboard.views import stories
from tests_support import as_shown

STORY_PAGE = "pages/story.py"
SHIPPED = "munitions-to-russia"
STORY = next(story for story in load_stories(STORIES_DIR)[0] if story.id == SHIPPED)


def open_story(**query: str | list[str]) -> AppTest:
    """The Story page as a first request with ``query`` in its address (as a shared link opens it)."""
    at = app(**query)
    at.switch_page(STORY_PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def step_of(at: AppTest) -> int:
    return int(at.number_input(key=stories.STEP).value)


def texts(at: AppTest) -> str:
    """The main area's Markdown and headings, as the analyst reads them."""
    return "\n".join(as_shown(block.value) for block in [*at.main.subheader, *at.main.markdown])


def timeline(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_the_page_runs_and_lists_the_stories() -> None:
    at = open_story()
    assert at.title[0].value == "Story" and not at.error
    assert at.selectbox(key=stories.STORY).value is None
    assert any(STORY.title in block.value for block in at.main.markdown)
    at.button(key=f"open_{SHIPPED}").click().run()
    assert at.selectbox(key=stories.STORY).value == SHIPPED and step_of(at) == 1
    assert at.query_params[stories.STORY] == SHIPPED


def test_the_address_opens_step_3() -> None:
    at = open_story(story=SHIPPED, step="3")
    assert step_of(at) == 3
    shown = texts(at)
    assert f"Step 3 of {len(STORY.steps)} · {STORY.steps[2].title}" in shown
    assert "24 North Korean missiles" in shown
    assert not at.warning


def test_next_and_previous_change_the_step_and_the_address() -> None:
    at = open_story(story=SHIPPED, step="3")
    at.button(key="story_next").click().run()
    assert step_of(at) == 4 and at.query_params[stories.STEP] == "4"
    assert f"Step 4 of {len(STORY.steps)}" in texts(at)
    at.button(key="story_previous").click().run()
    at.button(key="story_previous").click().run()
    assert step_of(at) == 2 and at.query_params[stories.STEP] == "2"
    at.button(key="story_previous").click().run()
    assert step_of(at) == 1 and at.button(key="story_previous").disabled
    at.number_input(key=stories.STEP).set_value(len(STORY.steps)).run()  # typed: the browser writes the address
    assert at.button(key="story_next").disabled and f"Step {len(STORY.steps)} of" in texts(at)


def test_an_unknown_story_is_named_and_the_list_shown() -> None:
    at = open_story(story="no-such-story", step="2")
    assert any("no-such-story" in as_shown(warning.value) for warning in at.warning)
    assert at.selectbox(key=stories.STORY).value is None
    assert at.button(key=f"open_{SHIPPED}")


@pytest.mark.parametrize(
    ("step", "named"),
    [
        ("99", f"step: the story '{SHIPPED}' has no step '99' (it has steps 1 to {len(STORY.steps)})"),
        ("0", "step: '0' is not a whole number from 1"),
        ("two", "step: 'two' is not a whole number from 1"),
        ("2.5", "step: '2.5' is not a whole number from 1"),  # Streamlit alone would open step 2
        ("inf", "step: 'inf' is not a whole number from 1"),  # Streamlit alone would fail to draw the page
    ],
)
def test_a_step_the_story_lacks_is_named_and_step_1_shown(step: str, named: str) -> None:
    at = open_story(story=SHIPPED, step=step)
    [warning] = at.warning
    assert named in as_shown(warning.value)
    assert step_of(at) == 1 and f"Step 1 of {len(STORY.steps)}" in texts(at)


@pytest.mark.parametrize("number", [2, 5])
def test_the_steps_events_are_highlighted_on_the_map_and_the_timeline(number: int) -> None:
    at = open_story(story=SHIPPED, step=str(number))
    wanted = set(STORY.steps[number - 1].events)
    layers = {layer["id"]: layer for layer in deck(at)["layers"]}
    assert {item["id"] for item in layers["story-step-events"]["data"]} == wanted
    assert wanted < {item["id"] for item in layers["events"]["data"]} or number == 1
    ringed = [trace for trace in timeline(at)["data"] if trace.get("name") == "In this step"]
    assert len(ringed) == 1 and {row[0] for row in ringed[0]["customdata"]} == wanted
    west, south, east, north = STORY.steps[number - 1].frame.box
    view = deck(at)["initialViewState"]
    assert west <= view["longitude"] <= east and south <= view["latitude"] <= north


def test_sidebar_filters_do_not_apply_to_a_story() -> None:
    at = open_story(story=SHIPPED, step="1", actor="Iran")
    assert at.multiselect(key=sidebar.ACTOR).value == ["iran"]
    layers = {layer["id"]: layer for layer in deck(at)["layers"]}
    assert {item["id"] for item in layers["events"]["data"]} == set(STORY.steps[0].events)
    assert any("sidebar's filters do not apply" in as_shown(caption.value) for caption in at.main.caption)


def test_clicking_an_event_of_the_step_opens_its_card() -> None:
    at = open_story(story="munitions-to-russia", step="6")
    at.button(key=f"story_event_{KARACHEV}").click().run()
    assert at.session_state[sidebar.EVENT] == KARACHEV
    assert "67th GRAU arsenal" in texts(at) and "source claims **70 mi**" in texts(at)
    assert step_of(at) == 6


HOSTILE = """\
id: hostile
title: "<b>Title</b> ![x](http://x.example/a.png)"
steps:
  - text: "Look ![img](http://x.example/a.png) <script>alert(1)</script> [link](http://evil.example) **bold**"
    events: [2024-10-09-karachev-depot-strike]
"""


def test_step_text_and_titles_are_shown_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: broken\ntitle: Broken\nsteps: [1]\n", encoding="utf-8")
    monkeypatch.setenv(STORIES_ENV, str(tmp_path))
    at = open_story(story="hostile")
    sources = [block.value for block in at.main.markdown]
    assert not any("](" in source or "<script" in source.replace("\\<script", "") for source in sources)
    shown = texts(at)
    assert "<script>alert(1)</script>" in shown and "[link](http://evil.example)" in shown
    assert "<b>Title</b> ![x](http://x.example/a.png)" in shown
    problems = at.main.expander[0]
    assert "1 problem " in problems.label
    assert "broken.yaml" in problems.dataframe[0].value["file"].iloc[0]
