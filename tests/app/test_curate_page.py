"""The Curate page, run as Streamlit runs it: editing off unless asked, edit and save with a minimal diff, undo,
a file changed on disk meanwhile, add with field messages, duplicate, delete with confirmation, places, and
an article turned into drafts that open in the form."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_pages import open_page

from dashboard.app import curate_page, drafts_panel, place_picker
from dashboard.loading.loader import load_events
from tests_support import app_test, as_shown

PAGE = "pages/curate.py"
REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO / "tests" / "fixtures" / "articles" / "icaro-2024-10-north-korean-troops.txt"
KARACHEV = "2024-10-09-karachev-depot-strike"


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled records, named with --data, and the dashboard started with --edit."""
    folder = tmp_path / "cases"
    shutil.copytree(REPO / "data" / "events", folder)
    monkeypatch.setenv("DASHBOARD_DATA", str(folder))
    monkeypatch.setattr(sys, "argv", ["app.py", "--edit"])
    return folder


def widget(at: AppTest, name: str):
    """The Curate form's widget of field (or selector) ``name``: its key carries a generation
    (`dashboard.app.form_state`)."""
    prefix = f"curate_{name}_"
    kinds = ("text_input", "text_area", "selectbox", "multiselect", "number_input", "date_input")
    kinds += ("segmented_control", "checkbox")
    found = [item for kind in kinds for item in at.get(kind) if str(getattr(item, "key", "")).startswith(prefix)]
    assert len(found) == 1, f"{len(found)} widgets for {name}"
    return found[0]


def choose_file(at: AppTest, name: str) -> AppTest:
    option = next(option for option in widget(at, "file").options if option.endswith(name))
    return widget(at, "file").set_value(option).run()


def edit(at: AppTest, record_id: str) -> AppTest:
    widget(at, "action").set_value("Edit").run()
    return widget(at, "record").set_value(record_id).run()


def texts(elements) -> list[str]:
    """The elements' text as the page shows it (Markdown escapes undone)."""
    return [as_shown(element.value) for element in elements]


def test_editing_is_off_unless_the_dashboard_is_started_with_edit(monkeypatch) -> None:
    monkeypatch.setattr(sys, "argv", ["app.py"])
    at = open_page(PAGE)
    assert at.title[0].value == "Curate"
    assert any("Editing is off" in info for info in texts(at.info))
    assert "curate_save" not in [button.key for button in at.button]


def test_the_bundled_data_is_not_written_unless_named(monkeypatch) -> None:
    monkeypatch.setattr(sys, "argv", ["app.py", "--edit"])
    monkeypatch.delenv("DASHBOARD_DATA", raising=False)
    at = open_page(PAGE)
    assert any("the bundled data is written only when named" in info for info in texts(at.info))


def test_an_edit_is_saved_as_a_one_line_change_and_can_be_undone(records: Path) -> None:
    target = records / "depot_strikes.yaml"
    before = target.read_bytes()
    at = choose_file(open_page(PAGE), "depot_strikes.yaml")
    at = edit(at, KARACHEV)
    assert widget(at, "title").value.startswith("Ukraine says its drones hit the 67th GRAU")
    widget(at, "title").set_value("Drones hit the Karachev arsenal").run()
    assert not at.button(key="curate_save").disabled
    at.button(key="curate_save").click().run()
    assert not at.exception
    assert any(f"Saved {KARACHEV}" in message for message in texts(at.success))
    old, new = before.decode().splitlines(), target.read_text().splitlines()
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert changed == [
        (
            next(line for line in old if line.startswith("  title: Ukraine says")),
            "  title: Drones hit the Karachev arsenal",
        )
    ]
    assert load_events([records]).rejected == 0
    at.button(key="curate_undo").click().run()
    assert any("Undone" in message for message in texts(at.success))
    assert target.read_bytes() == before


def conflicting_edit(records: Path) -> tuple[AppTest, str]:
    """Karachev's title changed in the form while another window saved a new location precision for it; Save
    pressed. Returns the page and the file as the other window left it."""
    target = records / "depot_strikes.yaml"
    at = edit(choose_file(open_page(PAGE), "depot_strikes.yaml"), KARACHEV)
    widget(at, "title").set_value("Mine").run()
    elsewhere = target.read_text().replace("precision: exact", "precision: near", 1)  # Karachev's place
    target.write_text(elsewhere)  # another window, or an editor, saved first
    at.button(key="curate_save").click().run()
    return at, elsewhere


def test_a_file_changed_on_disk_since_it_was_read_is_not_overwritten(records: Path) -> None:
    at, elsewhere = conflicting_edit(records)
    assert any("changed on disk since this page read it" in error for error in texts(at.error))
    assert (records / "depot_strikes.yaml").read_text() == elsewhere
    assert any("precision: near" in block.value for block in at.code)  # every difference of the file
    # field by field: what changed in this record on disk, beside the form's value
    table = next(value for value in texts(at.markdown) if "On disk now" in value)
    assert "| Location precision | exact | near | exact |" in table
    assert "| Title |" not in table  # the title did not change on disk: the form's change is no conflict
    widget(at, "summary").set_value("Mine too").run()  # the comparison stays while the analyst decides
    assert any("changed on disk since this page read it" in error for error in texts(at.error))
    at.button(key="curate_reload").click().run()  # load the record as it is on disk, dropping the form's values
    assert widget(at, "title").value.startswith("Ukraine says its drones hit the 67th GRAU")
    assert widget(at, "location_precision").value == "near"
    assert "curate_reread" not in [button.key for button in at.button] and not texts(at.error)


def test_after_a_conflict_the_analyst_may_keep_their_values_over_the_file_as_it_is_now(records: Path) -> None:
    at, _ = conflicting_edit(records)
    at.button(key="curate_save").click().run()  # pressed again: still refused, the file is still newer
    assert any("changed on disk since this page read it" in error for error in texts(at.error))
    at.button(key="curate_reread").click().run()
    assert widget(at, "title").value == "Mine"
    at.button(key="curate_save").click().run()
    assert any(f"Saved {KARACHEV}" in message for message in texts(at.success))
    saved = next(item for item in load_events([records]).events.itertuples() if item.id == KARACHEV)
    assert (saved.title, saved.location_precision) == ("Mine", "near")  # both changes kept


def test_a_copy_refused_for_a_change_on_disk_can_be_saved_again(records: Path) -> None:
    target = records / "depot_strikes.yaml"
    at = choose_file(open_page(PAGE), "depot_strikes.yaml")
    widget(at, "action").set_value("Duplicate").run()
    widget(at, "record").set_value(KARACHEV).run()
    copy_id = widget(at, "id").value
    target.write_text(target.read_text().replace("precision: exact", "precision: near", 1))
    at.button(key="curate_save").click().run()
    at.button(key="curate_save").click().run()  # pressed again: refused for the same reason, nothing else
    errors = texts(at.error)
    assert any("changed on disk since this page read it" in error for error in errors)
    assert not any("already used" in error for error in errors)
    assert any(f"changed {KARACHEV}" in value for value in texts(at.markdown))  # which record changed there
    at.button(key="curate_reread").click().run()
    at.button(key="curate_save").click().run()
    assert any(f"Added {copy_id}" in message for message in texts(at.success))
    assert target.read_text().count(f"- id: {copy_id}\n") == 1
    assert "precision: near" in target.read_text()


def test_an_empty_new_record_shows_problems_only_once_the_analyst_acts(records: Path) -> None:
    target = records / "arms_transfers.yaml"
    before = target.read_text()
    at = choose_file(open_page(PAGE), "arms_transfers.yaml")
    assert not texts(at.error)  # nothing typed, nothing wrong yet
    assert any("checked once you change it" in caption for caption in texts(at.caption))
    widget(at, "title").set_value("A test").run()
    assert not texts(at.error)  # the title is fine; the fields not yet filled in are not reported
    widget(at, "id").set_value("not an id!").run()
    errors = texts(at.error)
    assert errors and all("id" in error.lower() for error in errors)  # only the field the analyst changed
    widget(at, "id").set_value("2024-11-01-test-transfer").run()
    assert not texts(at.error)
    at.button(key="curate_save").click().run()  # Save checks every field
    errors = texts(at.error)
    assert "required field is missing" in errors
    # where the problems are, as some sections start closed (the sources)
    assert any("Not saved:" in error and "(in Event, Actors, Confidence and sources)" in error for error in errors)
    assert at.button(key="curate_save").disabled  # until the problems shown are mended
    assert target.read_text() == before


def test_a_new_record_shows_its_problems_in_place_and_cannot_be_saved_until_valid(records: Path) -> None:
    at = choose_file(open_page(PAGE), "arms_transfers.yaml")
    for name, value in {"id": "2024-11-01-test-transfer", "title": "A test", "summary": "Shells moved."}.items():
        widget(at, name).set_value(value)
    widget(at, "event_type").set_value("arms_transfer")
    widget(at, "initiator").set_value("north_korea")
    widget(at, "country").set_value("RUS")
    widget(at, "latitude").set_value(53.2)
    widget(at, "longitude").set_value(34.9).run()
    assert not texts(at.error)  # the fields changed are valid; the sources are not yet checked
    at.button(key="curate_save").click().run()
    assert at.button(key="curate_save").disabled  # no source yet
    assert any("source" in error for error in texts(at.error))
    widget(at, "id").set_value("not an id!").run()
    assert any("id" in error.lower() for error in texts(at.error))


def test_duplicate_proposes_a_fresh_id_and_delete_asks_first(records: Path) -> None:
    target = records / "depot_strikes.yaml"
    at = choose_file(open_page(PAGE), "depot_strikes.yaml")
    widget(at, "action").set_value("Duplicate").run()
    widget(at, "record").set_value(KARACHEV).run()
    copy_id = widget(at, "id").value
    assert copy_id != KARACHEV and copy_id.startswith("2024-10-09-")
    at.button(key="curate_save").click().run()
    assert not at.exception, at.exception
    assert target.read_text().count(f"- id: {copy_id}\n") == 1
    widget(at, "action").set_value("Delete").run()
    widget(at, "record").set_value(copy_id).run()
    assert at.button(key="curate_delete").disabled
    widget(at, f"confirm_{copy_id}").check().run()
    at.button(key="curate_delete").click().run()
    assert f"- id: {copy_id}\n" not in target.read_text()
    assert load_events([records]).loaded == 20


def test_the_detail_card_links_to_the_record_in_its_file(records: Path) -> None:
    at = open_page("pages/map.py", event=KARACHEV)
    links = [element for element in at.get("page_link")]
    assert links, "no Edit link on the card"
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["edit"] = KARACHEV
    at.query_params["file"] = next(option for option in _files(records) if option.endswith("depot_strikes.yaml"))
    at.run()
    at.switch_page(PAGE).run()
    assert widget(at, "record").value == KARACHEV
    assert "edit" not in at.query_params  # taken once: the analyst's own choices hold from here
    widget(at, "record").set_value("2024-09-18-toropets-depot-strike").run()
    assert widget(at, "record").value == "2024-09-18-toropets-depot-strike"
    widget(at, "file").set_value(widget(at, "file").options[0]).run()  # another file
    at.switch_page("pages/map.py").run()
    at.query_params["edit"] = KARACHEV  # the same link followed again
    at.query_params["file"] = next(option for option in _files(records) if option.endswith("depot_strikes.yaml"))
    at.switch_page(PAGE).run()
    assert widget(at, "record").value == KARACHEV


def follow_link(**query: str) -> AppTest:
    """The Curate page opened from an address such as a detail card's "Edit this record" link."""
    at = app_test(**query)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def no_record_is_open(at: AppTest) -> bool:
    return not [item for item in at.text_input if str(item.key).startswith("curate_title_")]


def test_a_link_to_a_file_that_may_not_be_edited_opens_nothing_and_says_so(records: Path) -> None:
    from dashboard.sources.datapaths import shown_path

    bundled = shown_path(REPO / "data" / "events" / "depot_strikes.yaml")  # read, but not named with --data
    at = follow_link(edit=KARACHEV, file=bundled)
    warnings = texts(at.warning)
    assert any(
        "Ignored in the address" in warning and bundled in warning and "not one of the record files" in warning
        for warning in warnings
    ), warnings
    assert any(f"record '{KARACHEV}' is not opened" in warning for warning in warnings)
    assert any("not followed as written" in warning for warning in warnings)  # said where the form would be
    assert widget(at, "file").value is None  # no other file chosen in its place
    assert no_record_is_open(at)
    choose_file(at, "depot_strikes.yaml")  # the analyst's own choice: the page no longer speaks of the link
    assert not any("not followed as written" in warning for warning in texts(at.warning))


def test_a_link_to_a_record_its_file_does_not_hold_opens_no_other_record(records: Path) -> None:
    depot_strikes = next(option for option in _files(records) if option.endswith("depot_strikes.yaml"))
    at = follow_link(edit="2024-10-09-no-such-strike", file=depot_strikes)
    warnings = texts(at.warning)
    assert any(
        "'2024-10-09-no-such-strike'" in warning and f"{depot_strikes} holds no record with this id" in warning
        for warning in warnings
    ), warnings
    assert any("not followed as written" in warning for warning in warnings)
    assert widget(at, "file").value == depot_strikes  # the file it named is open
    assert widget(at, "action").value == "Edit"
    assert widget(at, "record").value is None  # and no record of it in place of the one named
    assert no_record_is_open(at)
    assert "edit" not in at.query_params and "file" not in at.query_params
    widget(at, "record").set_value(KARACHEV).run()
    assert widget(at, "title").value.startswith("Ukraine says its drones hit the 67th GRAU")


def test_a_link_followed_while_editing_is_off_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["app.py"])
    at = follow_link(edit=KARACHEV, file="cases/depot_strikes.yaml")
    assert any("Editing is off" in info for info in texts(at.info))
    assert any(f"edit '{KARACHEV}': editing is off" in warning for warning in texts(at.warning))


def _files(records: Path) -> list[str]:
    from dashboard.sources.datapaths import shown_path

    return [shown_path(path) for path in sorted(records.glob("*.yaml"))]


def test_a_place_found_in_the_gazetteer_fills_the_place_fields(records: Path) -> None:
    at = choose_file(open_page(PAGE), "arms_transfers.yaml")
    at.text_input(key=place_picker.FIND).set_value("Kharkov").run()
    suggestions = [
        markdown.value for markdown in at.markdown if "matched" in markdown.value or "Kharkiv" in markdown.value
    ]
    assert suggestions and "Kharkiv" in suggestions[0]
    at.button(key="curate_use_0").click().run()
    assert widget(at, "place").value == "Kharkiv"
    assert widget(at, "country").value == "UKR"
    assert abs(widget(at, "latitude").value - 49.98) < 0.1
    assert len(at.get("deck_gl_json_chart")) == 1  # the placing map, once there is a point


def test_an_article_becomes_drafts_that_open_in_the_form(records: Path) -> None:
    at = open_page(PAGE)
    at.text_area(key=drafts_panel.ARTICLE).set_value(ARTICLE.read_text())
    at.date_input(key=drafts_panel.PUBLISHED).set_value("2024-10-09").run()
    at.button(key="draft_go").click().run()
    assert not at.exception, at.exception
    assert any("draft records" in markdown.value for markdown in at.markdown)
    assert len(at.get("download_button")) >= 1
    at.button(key="draft_open_0").click().run()
    assert at.session_state[curate_page.TAB] == curate_page.RECORDS_TAB
    assert widget(at, "id").value
    assert any(info.startswith("To check") for info in texts(at.info))


def test_drafts_need_no_edit_mode_but_opening_one_in_the_form_does(monkeypatch) -> None:
    monkeypatch.setattr(sys, "argv", ["app.py"])
    at = open_page(PAGE)
    at.text_area(key=drafts_panel.ARTICLE).set_value(ARTICLE.read_text())
    at.date_input(key=drafts_panel.PUBLISHED).set_value("2024-10-09").run()
    at.button(key="draft_go").click().run()
    assert not [button for button in at.button if str(button.key).startswith("draft_open_")]
    assert any("--edit" in caption.value for caption in at.caption)


HOSTILE = (
    "<img src=x onerror=alert(1)> [a link](http://example.invalid) ![i](http://example.invalid/i.png) :material/home:"
)


def test_text_from_the_files_and_the_article_is_shown_as_text(records: Path) -> None:
    target = records / "depot_strikes.yaml"
    hostile_title = json.dumps(f"{HOSTILE} 107th")  # a YAML double-quoted scalar
    target.write_text(target.read_text().replace("  title: Drones hit the 107th", f"  title: {hostile_title} #", 1))
    at = choose_file(open_page(PAGE), "depot_strikes.yaml")
    widget(at, "action").set_value("Delete").run()
    widget(at, "record").set_value("2024-09-18-toropets-depot-strike").run()
    shown = [markdown.value for markdown in at.markdown if "toropets" in markdown.value]
    assert shown and all("](" not in value and "<img" not in value.replace("\\<", "") for value in shown)
    at.text_area(key=drafts_panel.ARTICLE).set_value(f"{HOSTILE} North Korean troops arrived in Kursk on Monday.")
    at.date_input(key=drafts_panel.PUBLISHED).set_value("2024-10-09").run()
    at.button(key="draft_go").click().run()
    assert not at.exception
    for element in [*at.markdown, *at.warning, *at.caption]:
        assert "](http" not in element.value and "<img" not in element.value.replace("\\<", "")
