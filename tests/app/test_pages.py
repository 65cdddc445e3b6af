"""Every page, run as Streamlit runs it (AppTest): filters, URL parameters, selection, empty states."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app import data as app_data
from dashboard.app import selection, sidebar, ui
from tests_support import FIXTURES, PAGES, app_test, as_shown

REPO = Path(__file__).resolve().parents[2]
KARACHEV = "2024-10-09-karachev-depot-strike"


def app(**query: str | list[str]) -> AppTest:
    return app_test(**query)


def open_page(page: str, **query: str | list[str]) -> AppTest:
    at = app(**query)
    at.run()
    if page != "pages/timeline.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def main_caption(at: AppTest) -> str:
    return as_shown(at.main.caption[0].value)


def plotly_ids(at: AppTest) -> set[str]:
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {row[0] for trace in figure["data"] for row in trace.get("customdata", [])}


def deck(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_errors(page: str) -> None:
    at = open_page(page)
    assert not at.error
    titles = {"Timeline", "Map", "Events", "Data quality", "Export", "Playback", "Story", "Trends", "Network", "Curate"}
    assert at.title[0].value in titles


@pytest.mark.parametrize("page", ["pages/timeline.py", "pages/map.py", "pages/events.py"])
def test_pages_say_what_is_shown(page: str) -> None:
    assert main_caption(open_page(page)) == "All 20 events"


def test_changing_a_filter_changes_the_timeline() -> None:
    at = open_page("pages/timeline.py")
    before = plotly_ids(at)
    at.multiselect(key=sidebar.TYPE).set_value(["depot_hit"]).run()
    after = plotly_ids(at)
    assert len(after) == 5 and after < before
    assert main_caption(at) == "5 of 20 events · types: Depot hit"


def test_changing_a_filter_changes_the_map_and_the_table() -> None:
    at = open_page("pages/map.py")
    at.multiselect(key=sidebar.ACTOR).set_value(["iran"]).run()
    events_layer = next(layer for layer in deck(at)["layers"] if layer["id"] == "events")
    assert len(events_layer["data"]) == 4
    at.switch_page("pages/events.py").run()
    assert len(at.dataframe[0].value) == 4
    assert main_caption(at) == "4 of 20 events · actors: Iran"


def test_actor_counts_are_shown_under_the_actor_filter() -> None:
    at = open_page("pages/events.py")
    counts = [as_shown(caption.value) for caption in at.sidebar.caption if as_shown(caption.value).startswith("Russia")]
    assert counts and "North Korea 15" in counts[0]


def test_url_parameters_restore_filters_on_any_page() -> None:
    query = {"actor": ["Russia", "North Korea"], "dates": ["2024-06-01", "2024-10-31"], "confidence": ["confirmed"]}
    for page in PAGES[:3]:
        at = open_page(page, **query)
        assert at.multiselect(key=sidebar.ACTOR).value == ["russia", "north_korea"]
        assert main_caption(at).endswith(
            "actors: Russia, North Korea · 2024-06-01 to 2024-10-31 · confidence: confirmed"
        )


def test_url_parameter_restores_the_selected_event_and_its_detail_card() -> None:
    at = open_page("pages/events.py", event=KARACHEV)
    card = "\n".join(as_shown(block.value) for block in at.main.markdown)
    assert "67th GRAU arsenal" in card and "source claims **70 mi**" in card
    assert "**117 km / 73 mi**" in card


@pytest.mark.parametrize("page", PAGES[:3])
def test_injected_selection_opens_the_detail_card_on_every_page(page: str) -> None:
    at = open_page(page)
    at.session_state[sidebar.EVENT] = "2024-10-11-putin-pezeshkian-ashgabat"
    at.run()
    assert any("Ashgabat" in block.value for block in at.main.markdown)


def test_closing_the_detail_card() -> None:
    at = open_page("pages/events.py", event=KARACHEV)
    at.button(key="close_detail").click().run()
    assert not any("GRAU" in block.value for block in at.main.markdown)


@pytest.mark.parametrize("page", PAGES[:3])
def test_empty_results_show_the_empty_state(page: str) -> None:
    at = open_page(page, q="no event mentions this")
    assert any(info.value == ui.EMPTY_MESSAGE for info in at.info)
    assert main_caption(at).startswith("0 of 20 events")
    assert not at.exception


def test_a_ring_can_be_added_and_shows_on_the_map() -> None:
    at = open_page("pages/map.py", event=KARACHEV)
    at.button(key="ring_add").click().run()
    assert at.multiselect(key=sidebar.RINGS).value == [f"fath-360@event:{KARACHEV}"]
    layers = {layer["id"]: layer for layer in deck(at)["layers"]}
    assert layers["rings"]["data"][0]["label"] == "Fath-360 · 120 km / 75 mi"


def test_rings_and_band_come_from_the_url() -> None:
    at = open_page("pages/map.py", ring=["70mi@place:Kharkiv", "nonsense"], band_width="50", band_unit="km")
    layers = {layer["id"]: layer for layer in deck(at)["layers"]}
    assert [item["label"] for item in layers["ring-labels"]["data"]] == ["70 mi · 113 km / 70 mi"]
    assert "border-band" in layers
    assert any("RANGE@CENTRE" in as_shown(warning.value) for warning in at.warning)


def test_band_can_be_switched_off() -> None:
    at = open_page("pages/map.py")
    at.checkbox(key=sidebar.BAND).uncheck().run()
    assert "border-band" not in {layer["id"] for layer in deck(at)["layers"]}


def test_map_is_offline_unless_tiles_are_turned_on() -> None:
    at = open_page("pages/map.py")
    assert "mapProvider" not in deck(at)
    at.toggle(key=sidebar.TILES).set_value(True).run()
    assert deck(at)["mapProvider"] == "carto"


def test_timeline_lanes_can_be_per_type() -> None:
    at = open_page("pages/timeline.py", lanes="type")
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    lanes = set(figure["layout"]["yaxis"]["ticktext"])
    assert "Depot hit" in lanes and "Russia" not in lanes


def test_data_quality_page_shows_counts_and_problems(monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_DATA", str(FIXTURES / "records" / "mixed.csv"))
    at = open_page("pages/data_quality.py")
    assert [metric.value for metric in at.metric] == ["5", "2", "3"]
    problems = at.dataframe[1].value
    assert set(problems["record_id"].dropna()) == {"csv-bad-latitude", "csv-bad-type"}


def test_data_quality_page_counts_rows_a_later_release_replaces(monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_DATA", str(FIXTURES / "datasets" / "ucdp_candidate"))
    at = open_page("pages/data_quality.py")
    assert [(metric.label, metric.value) for metric in at.metric] == [
        ("Records read", "5"),
        ("Loaded", "4"),
        ("Rejected", "0"),
        ("Replaced", "1"),
    ]
    files = at.dataframe[0].value.set_index("file")
    assert files["replaced"].tolist() == [0, 1] and files.index[1].endswith("GEDEvent_v24_0_3.csv")


def test_a_missing_data_path_is_a_message_not_a_traceback(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DASHBOARD_DATA", str(tmp_path / "nowhere"))
    at = app()
    at.run()
    assert not at.exception
    assert "cannot be read" in as_shown(at.error[0].value) and "nowhere" in as_shown(at.error[0].value)


def test_chart_and_map_callbacks_select_the_clicked_event(monkeypatch) -> None:
    state: dict = {
        "chart": {"selection": {"points": [{"customdata": ["from-chart"]}]}},
        "map": {"selection": {"indices": {"events": [0]}, "objects": {"events": [{"id": "from-map"}]}}},
    }
    monkeypatch.setattr(ui.st, "session_state", state)
    selection.on_chart_select("chart")()
    assert state[sidebar.EVENT] == "from-chart"
    selection.on_map_select("map")()
    assert state[sidebar.EVENT] == "from-map"


def test_export_page_offers_every_download() -> None:
    at = open_page("pages/export.py", type="Depot hit")
    assert main_caption(at) == "5 of 20 events · types: Depot hit"
    buttons = at.get("download_button")
    assert len(buttons) == 4 + 1 + 3 * 4 + 2  # data and the CSV's description, three charts in four formats, the pack


def test_export_page_with_no_events_says_so() -> None:
    at = open_page("pages/export.py", q="nothing matches this")
    assert any(info.value == ui.EMPTY_MESSAGE for info in at.info)


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"actor": "iran"}, "4 of 20 events · actors: Iran"),
        ({"actor": ["iran", "north_korea"]}, "19 of 20 events · actors: Iran, North Korea"),
        ({"actor": "DPRK"}, "15 of 20 events · actors: North Korea"),
        ({"type": "strike"}, "2 of 20 events · types: Strike"),
    ],
)
def test_a_link_may_name_actors_and_types_by_id_or_alias(query: dict, shown: str) -> None:
    at = open_page("pages/map.py", **query)
    assert main_caption(at) == shown
    assert not at.sidebar.warning


def test_an_id_mixed_with_names_in_a_link_is_said_to_be_ignored() -> None:
    at = open_page("pages/map.py", actor=["iran", "North Korea"])
    assert main_caption(at) == "15 of 20 events · actors: North Korea"
    assert "actor 'iran': mixed with names" in as_shown(at.sidebar.warning[0].value)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_datasets_as_downloaded(monkeypatch, page: str) -> None:
    """ACLED, UCDP, GDELT (zipped) and TimeMap files next to the curated records: every page draws them."""
    datasets = FIXTURES / "datasets"
    files = ["acled_current.csv", "ucdp_ged.csv", "20240516.export.CSV.zip", "timemap_download.json"]
    monkeypatch.setenv("DASHBOARD_DATA", ":".join([str(REPO / "data" / "events"), *(str(datasets / f) for f in files)]))
    at = open_page(page)
    assert not at.error and not at.exception
    if page == "pages/data_quality.py":
        [actors] = [table.value for table in at.dataframe if "Dataset actor" in table.value.columns]
        assert {"Civilians (Ukraine)", "Unattributed"} <= set(actors["Dataset actor"])
    elif page not in ("pages/export.py", "pages/story.py", "pages/curate.py"):  # a story shows its own events
        assert main_caption(at) == "All 37 events"  # 20 curated, 7 ACLED, 4 UCDP, 3 GDELT, 3 TimeMap


def test_a_dataset_actor_can_be_chosen_and_linked(monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_DATA", str(FIXTURES / "datasets" / "acled_current.csv"))
    at = open_page("pages/events.py", actor="Civilians (Ukraine)")
    assert main_caption(at) == "2 of 7 events · actors: Civilians (Ukraine)"
    assert "Civilians (Ukraine)" in at.sidebar.multiselect[0].options
    assert not at.sidebar.warning  # nothing in the link was ignored


def test_the_detail_card_links_a_possible_duplicate_in_another_dataset(monkeypatch) -> None:
    datasets = FIXTURES / "datasets"
    files = [datasets / "ucdp_ged.csv", datasets / "20240516.export.CSV.zip"]
    monkeypatch.setenv("DASHBOARD_DATA", ":".join(str(path) for path in files))
    at = open_page("pages/events.py", event="ucdp-900001")
    [twin] = [button for button in at.main.button if button.key == "twin_gdelt-1190000001"]
    twin.click().run()
    assert at.query_params["event"] == "gdelt-1190000001"
    [duplicates] = [
        table.value for table in open_page("pages/data_quality.py").dataframe if "Its dataset" in table.value.columns
    ]
    assert list(duplicates["Possibly the same as"]) == ["ucdp-900001"]


def test_a_selected_event_is_ringed_and_its_card_is_beside_the_map() -> None:
    at = open_page("pages/map.py", event="2024-10-09-karachev-depot-strike")
    layer_ids = [layer["id"] for layer in deck(at)["layers"]]
    assert "selected-event" in layer_ids
    assert deck(at)["initialViewState"]["latitude"] == 53.1424
    widths = [column.proto.weight for column in at.main.columns]
    card = at.main.columns[widths.index(0.35)]  # the page's content takes 0.65 of the width, the card the rest
    assert widths[0] == 0.65 and card.markdown[0].value.startswith("### Ukraine says its drones hit")


@pytest.mark.parametrize(
    ("argv", "named", "data"),
    [
        (["--server.port", "8611"], "--server.port 8611 is an option of Streamlit. Streamlit's own options go", []),
        (["--data", "x.csv", "--server.port=8611"], "--server.port=8611 is an option of Streamlit", ["x.csv"]),
        (["--dat", "x.csv"], "--dat x.csv is not an option of the dashboard, which takes --data,", []),
        (["--data"], "--data needs a value after it", []),
        (["--edit=yes", "--data", "x.csv"], "--edit takes no value ('yes')", ["x.csv"]),
        (["x.csv"], "x.csv is a value without an option: record files are named with --data PATH", []),
    ],
)
def test_options_the_dashboard_does_not_use_are_named(argv: list[str], named: str, data: list[str]) -> None:
    options, notes = app_data.read_options(argv)
    assert [note for note in notes if named in note.text] and options.data == data


def test_options_the_dashboard_does_not_use_are_named_on_the_page_and_the_terminal(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "argv", ["app.py", "--server.port", "8611"])
    at = app()
    at.run()
    assert at.title[0].value == "Timeline"  # the dashboard runs, on the bundled records
    [warning] = [item.value for item in at.main.warning]
    assert warning.startswith("Ignored on the command line: ` --server.port 8611 ` is an option of Streamlit")
    assert "before the ` -- ` as in ` python -m streamlit run app.py --server.port 8611 -- --data PATH `" in warning
    said = capsys.readouterr().err
    assert "ignored on the command line: --server.port 8611 is an option of Streamlit" in said
    monkeypatch.setattr(sys, "argv", ["pytest", "-q"])  # another program's options are not the app's
    at = app()
    at.run()
    assert not at.main.warning
