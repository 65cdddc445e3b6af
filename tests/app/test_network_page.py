"""The Network page, run as Streamlit runs it (AppTest): filters, address parameters, clicks, empty state."""

from __future__ import annotations

import json
from datetime import date

import pytest
from test_pages import main_caption, open_page

from dashboard.app import sidebar, ui
from dashboard.views import network
from tests_support import as_shown, record, write_yaml

PAGE = "pages/network.py"


def chart(at) -> dict:
    [element] = at.get("plotly_chart")
    return json.loads(element.proto.spec)


def node_ids(at) -> set[str]:
    return {row[1] for trace in chart(at)["data"] for row in trace.get("customdata", []) if row[0] == "actor"}


def table_with(at, column: str):
    return next(table.value for table in at.dataframe if column in table.value.columns)


def test_the_page_draws_the_network_and_its_measures() -> None:
    at = open_page(PAGE)
    assert at.title[0].value == "Network" and not at.error
    assert main_caption(at) == "All 20 events"
    assert node_ids(at) == {
        "russia",
        "north_korea",
        "ukraine",
        "iran",
        "south_korea",
        "united_states",
        "china",
        "turkmenistan",
        "un_security_council",
    }
    assert table_with(at, "Partners").iloc[0].to_dict() == {
        "Actor": "Russia",
        "Events out": 10,
        "Events in": 15,
        "Events (all ties)": 25,
        "Partners": 8,
    }
    assert table_with(at, "First")[["From", "To", "Events"]].iloc[0].tolist() == ["North Korea", "Russia", 7]
    downloads = [button.proto.id for button in at.get("download_button")]
    assert len(downloads) == 4 and all("download_network_" in key for key in downloads)


def test_the_page_obeys_the_sidebar_filters() -> None:
    at = open_page(PAGE)
    at.multiselect(key=sidebar.TYPE).set_value(["arms_transfer"]).run()
    assert main_caption(at) == "5 of 20 events · types: Arms transfer"
    assert node_ids(at) == {"north_korea", "russia", "iran", "united_states"}
    strongest = table_with(at, "First")
    assert strongest[["From", "To", "Tie", "Events"]].iloc[0].tolist() == ["North Korea", "Russia", "supplies", 4]


def test_the_split_date_and_the_tie_come_from_the_address() -> None:
    at = open_page(PAGE, split="2024-09-01", tie="North Korea → Russia")
    assert at.date_input(key=ui.NETWORK_SPLIT).value == date(2024, 9, 1)
    assert at.selectbox(key=ui.NETWORK_TIE).value == "North Korea → Russia"
    assert not at.sidebar.warning and not at.warning  # nothing in the address was ignored
    listed = table_with(at, "Title")
    assert len(listed) == 7 and listed["Date"].iloc[0].startswith("2024-10-08")  # newest first
    captions = [caption.value for caption in at.main.caption]
    assert any(caption.startswith("Events before 2024-09-01 against events from 2024-09-01 on") for caption in captions)
    new, gone = [table.value for table in at.dataframe if list(table.value.columns) == ["From", "To", "Tie", "Events"]]
    assert new.iloc[0].tolist() == ["Ukraine", "Russia", "fights", 5]  # the depot strikes of September and October
    assert ["Russia", "Iran", "supplies", 2] not in new.values.tolist()  # the training was in the summer
    assert gone.iloc[0].tolist() == ["Russia", "North Korea", "fights (acts with)", 2]
    assert [markdown.value for markdown in at.main.markdown if markdown.value.startswith("**New ties**")] == [
        "**New ties** (10): only in the later period"
    ]
    at.multiselect(key=sidebar.CONFIDENCE).set_value(["assessed"]).run()  # the default split moves, not the chosen
    assert at.date_input(key=ui.NETWORK_SPLIT).value == date(2024, 9, 1)


def test_without_a_split_date_the_middle_of_the_period_is_used() -> None:
    at = open_page(PAGE)
    split = at.date_input(key=ui.NETWORK_SPLIT)
    assert split.value is None
    middle = split.label[-11:-1]  # "Split date (empty: the middle of the events' period, 2024-03-26)"
    assert date.fromisoformat(middle) == date(2024, 3, 26)  # between 2023-09-07 and 2024-10-13, the events' span
    captions = [caption.value for caption in at.main.caption]
    assert any(caption.startswith(f"Events before {middle} against") for caption in captions), captions


def test_a_tie_chosen_lists_its_events_and_a_row_selects_one() -> None:
    at = open_page(PAGE)
    at.selectbox(key=ui.NETWORK_TIE).set_value("Ukraine with North Korea").run()
    listed = table_with(at, "Title")
    assert set(listed["id"]) == {
        "2024-10-09-karachev-depot-strike",
        "2024-09-18-toropets-depot-strike",
        "2024-09-21-tikhoretsk-arsenal-strike",
    }
    at.session_state[sidebar.EVENT] = "2024-10-09-karachev-depot-strike"  # what a click on its row does
    at.run()
    assert any("Karachev" in block.value for block in at.main.markdown)


def test_an_address_naming_a_tie_not_drawn_says_so() -> None:
    at = open_page(PAGE, tie="Nobody → Nowhere")
    assert any("tie 'Nobody → Nowhere': this network does not draw it" in as_shown(item.value) for item in at.warning)
    assert at.selectbox(key=ui.NETWORK_TIE).value is None


def test_a_tie_of_other_filters_is_dropped_when_the_filters_change() -> None:
    at = open_page(PAGE, tie="North Korea → Russia")
    at.multiselect(key=sidebar.TYPE).set_value(["depot_hit"]).run()
    assert not at.exception
    assert at.selectbox(key=ui.NETWORK_TIE).value is None


def test_clicking_a_node_filters_the_dashboard_to_its_actor(monkeypatch) -> None:
    state: dict = {"chart": {"selection": {"points": [{"customdata": ["actor", "north_korea"]}]}}}
    monkeypatch.setattr(ui.st, "session_state", state)
    ui.on_network_select("chart", {})()
    assert state[sidebar.ACTOR] == ["north_korea"] and state[ui.NETWORK_TIE] is None
    tie = ("ukraine", "north_korea", "associated")
    state["chart"] = {"selection": {"points": [{"customdata": ["tie", *tie]}]}}
    ui.on_network_select("chart", {tie: "Ukraine with North Korea"})()
    assert state[ui.NETWORK_TIE] == "Ukraine with North Korea"
    assert state[sidebar.ACTOR] == ["north_korea"]  # a tie leaves the filter as it is


def test_the_actor_a_click_chooses_filters_the_page_and_is_ringed() -> None:
    at = open_page(PAGE)
    at.session_state[sidebar.ACTOR] = ["north_korea"]  # what the node's callback sets
    at.run()
    assert main_caption(at) == "15 of 20 events · actors: North Korea"
    nodes = chart(at)["data"][-1]
    rings = dict(zip([row[1] for row in nodes["customdata"]], nodes["marker"]["line"]["color"], strict=True))
    assert rings["north_korea"] == network.CHOSEN_OUTLINE and rings["russia"] == network.NODE_OUTLINE


@pytest.mark.parametrize("query", [{"q": "no event mentions this"}, {"actor": "China", "type": "Strike"}])
def test_no_events_shows_the_empty_state(query: dict) -> None:
    at = open_page(PAGE, **query)
    assert any(info.value == ui.EMPTY_MESSAGE for info in at.info)
    assert not at.get("plotly_chart") and not at.exception


def test_events_that_tie_no_two_actors_say_so(monkeypatch, tmp_path) -> None:
    alone = record(id="alone", actors={"initiator": "russia", "counterpart": None, "associated": []})
    monkeypatch.setenv("DASHBOARD_DATA", str(write_yaml(tmp_path / "alone.yaml", [alone])))
    at = open_page(PAGE)
    assert main_caption(at) == "All 1 events"
    assert any(info.value.startswith("These events tie no two actors") for info in at.info)
    assert not at.get("plotly_chart") and not at.exception
