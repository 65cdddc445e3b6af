"""The Curate page in headless Chromium, on a copy of the records with editing on: open a record from its
detail card, change its title, save (one line of the file changes), undo; two sessions saving the same record
(the second is refused and shown what changed); an article turned into drafts, and a hostile one shown as text."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from playwright.sync_api import Locator, Page, expect
from test_hostile_in_browser import findings

from browser_support import (
    DECK_CANVAS,
    click_until_shown,
    screenshot,
    screenshots,
    settled_canvas,
    wait_until_settled,
)

REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO / "tests" / "fixtures" / "articles" / "icaro-2024-10-north-korean-troops.txt"
KARACHEV = "2024-10-09-karachev-depot-strike"


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("curate") / "cases"
    shutil.copytree(REPO / "data" / "events", folder)
    RECORDS_COPY[:] = [folder]
    return folder


def shown_file() -> str:
    """How the page names the copied depot_strikes.yaml (as the sidebar and the detail card do)."""
    from dashboard.sources.datapaths import shown_path

    return shown_path(RECORDS_COPY[0] / "depot_strikes.yaml")


RECORDS_COPY: list[Path] = []


@pytest.fixture
def app_url(start_server, records: Path) -> str:
    return start_server(records, "--edit")


def test_a_record_opened_from_its_card_is_edited_saved_and_undone(app: Page, records: Path) -> None:
    target = records / "depot_strikes.yaml"
    before = target.read_text()
    app.goto(app.base_url + f"/map?event={KARACHEV}")
    wait_until_settled(app)
    app.get_by_role("link", name="Edit this record").click()
    expect(app.locator("h1").first).to_have_text("Curate")
    title = app.get_by_role("textbox", name="Title *")
    expect(title).to_have_value(
        "Ukraine says its drones hit the 67th GRAU arsenal near Karachev, said to hold North Korean munitions"
    )
    title.fill("Drones hit the Karachev arsenal")
    title.press("Tab")
    wait_until_settled(app)
    screenshot(app, "curate_edit")
    app.get_by_role("button", name="Save the changes").click()
    expect(app.get_by_text(f"Saved {KARACHEV}")).to_be_visible()
    changed = [(a, b) for a, b in zip(before.splitlines(), target.read_text().splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1] == "  title: Drones hit the Karachev arsenal"
    app.get_by_role("button", name="Undo the last save").click()
    expect(app.get_by_text("Undone:")).to_be_visible()
    assert target.read_text() == before


def test_an_article_becomes_draft_records(app: Page) -> None:
    app.goto(app.base_url + "/curate")
    expect(app.locator("h1").first).to_have_text("Curate")
    app.get_by_role("tab", name="Article → draft records").click()
    app.get_by_role("textbox", name="Article text").fill(ARTICLE.read_text())
    for part, digits in (("year", "2024"), ("month", "10"), ("day", "09")):
        app.get_by_role("spinbutton", name=f"{part}, Published").click()
        app.keyboard.type(digits)
    app.get_by_role("textbox", name="Publisher").fill("ICARO Media Group")
    app.get_by_role("textbox", name="Publisher").press("Tab")
    wait_until_settled(app)
    app.get_by_role("button", name="Draft records").click()
    expect(app.get_by_text("draft records", exact=False).first).to_be_visible()
    expect(app.get_by_role("button", name="Download the drafts (YAML)")).to_be_visible()
    wait_until_settled(app)
    screenshot(app, "curate_drafts")
    app.get_by_role("button", name="Open in the record form").first.click()
    expect(app.get_by_text("A draft from an article").first).to_be_visible()
    screenshot(app, "curate_draft_in_form")


def test_clicking_the_placing_map_moves_the_point(app: Page) -> None:
    app.goto(app.base_url + f"/curate?edit={KARACHEV}&file={quote(shown_file())}")
    latitude = app.get_by_role("spinbutton", name="Latitude")
    expect(latitude).to_have_value("53.14240")
    wait_until_settled(app)
    canvas = app.locator(DECK_CANVAS).first
    canvas.scroll_into_view_if_needed()
    settled_canvas(canvas, lambda image: True, "the placing map")
    box = canvas.bounding_box()
    north_east = (box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2 - 60)
    click_until_shown(app, north_east, app.locator("input[aria-label='Latitude']:not([value='53.14240'])"))
    assert float(latitude.input_value()) > 53.15
    assert float(app.get_by_role("spinbutton", name="Longitude").input_value()) > 34.96
    screenshot(app, "curate_point_moved")


TOROPETS = "2024-09-18-toropets-depot-strike"
TOROPETS_TITLE = "Drones hit the 107th GRAU arsenal near Toropets, Tver oblast"


def open_for_editing(tab: Page, record_id: str) -> Locator:
    """The record opened on the Curate page by its "Edit this record" address; its title box, once filled."""
    tab.goto(tab.base_url + f"/curate?edit={record_id}&file={quote(shown_file())}")
    title = tab.get_by_role("textbox", name="Title *")
    expect(title).not_to_have_value("")
    wait_until_settled(tab)
    return title


def retitle(tab: Page, title: Locator, value: str) -> None:
    title.fill(value)
    title.press("Tab")
    wait_until_settled(tab)


def test_two_sessions_saving_one_record_the_second_is_refused_and_shown_the_other_change(
    app: Page, other_app: Page, records: Path
) -> None:
    target = records / "depot_strikes.yaml"
    before = target.read_text()
    try:
        first, second = open_for_editing(app, TOROPETS), open_for_editing(other_app, TOROPETS)
        expect(second).to_have_value(TOROPETS_TITLE)  # both sessions have read the file before either saves
        retitle(app, first, "Toropets arsenal burned, first session")
        app.get_by_role("button", name="Save the changes").click()
        expect(app.get_by_text(f"Saved {TOROPETS}")).to_be_visible()
        retitle(other_app, second, "Toropets arsenal burned, second session")
        other_app.get_by_role("button", name="Save the changes").click()
        conflict = other_app.locator(".st-key-curate_conflict")
        expect(conflict.get_by_text("changed on disk since this page read it")).to_be_visible()
        saved = target.read_text()
        assert "first session" in saved and "second session" not in saved  # refused: the first save stands
        row = conflict.locator("table tr").filter(has_text="Title")
        expect(row).to_have_count(1)
        cells = [" ".join(cell.split()) for cell in row.locator("td").all_inner_texts()]
        assert cells == [
            "Title",
            TOROPETS_TITLE,
            "Toropets arsenal burned, first session",
            "Toropets arsenal burned, second session",
        ]
        wait_until_settled(other_app)
        screenshots(other_app, "curate_conflict", showing=conflict)
        conflict.get_by_role("button", name="Load the record as it is on disk, drop my values").click()
        expect(other_app.get_by_role("textbox", name="Title *")).to_have_value("Toropets arsenal burned, first session")
        expect(conflict).to_have_count(0)
    finally:
        target.write_text(before)


SENTENCE = (
    'Russian drones struck an ammunition depot near Kharkiv on Tuesday, <img src=x onerror="alert(1)">'
    " [the ministry](http://evil.example/a) said ![i](http://evil.example/i.png)."
)
FORMULA_SENTENCE = (
    "=cmd|' /C calc'!A0 North Korean troops were deployed to Kursk on Monday \u202eexe.txt\u202c bell\x07"
    " escape\x1b[31m, according to Seoul."
)
HEADLINE = "<script>alert('headline')</script> [Wire](http://evil.example/w) ![x](http://evil.example/i.png)"
HOSTILE_ARTICLE = (
    f"{HEADLINE}\nEvil <b>Publisher</b>\n\n{SENTENCE}\n\n{FORMULA_SENTENCE}\n\n"
    + "@SUM(1+1) "
    + "lorem ipsum " * 8_000  # one line of 96,000 characters
    + "\n"
)


class DraftLoader(yaml.SafeLoader):
    """Reads the drafts' YAML: a ``!draft`` record as the mapping it tags."""


DraftLoader.add_constructor("!draft", lambda loader, node: loader.construct_mapping(node, deep=True))


def shown_text(locator: Locator) -> str:
    """The text as a reader sees it (word joiners, which keep addresses from being linked, left out)."""
    return " ".join(locator.inner_text().replace("\u2060", "").split())


def test_a_hostile_article_is_drafted_and_shown_as_text(app: Page) -> None:
    app.goto(app.base_url + "/curate")
    app.get_by_role("tab", name="Article → draft records").click()
    app.get_by_role("textbox", name="Article text").fill(HOSTILE_ARTICLE)
    for part, digits in (("year", "2024"), ("month", "10"), ("day", "09")):
        app.get_by_role("spinbutton", name=f"{part}, Published").click()
        app.keyboard.type(digits)
    app.get_by_role("textbox", name="Address (URL)").click()  # the date is taken when it loses the focus
    app.keyboard.press("Tab")
    wait_until_settled(app)
    app.get_by_role("button", name="Draft records").click()
    expect(app.get_by_text("2 draft records")).to_be_visible()
    wait_until_settled(app)
    drafts = app.get_by_role("tabpanel", name="Article → draft records").locator("[data-testid='stExpander']")
    expect(drafts).to_have_count(2)
    drafts.nth(1).locator("summary").click()  # the second draft opened too
    expect(drafts.nth(1).get_by_text("North Korean troops were deployed").first).to_be_visible()
    first, second = shown_text(drafts.nth(0)), shown_text(drafts.nth(1))
    assert " ".join(SENTENCE.split()) in first  # the article's sentence, as written
    assert HEADLINE in first  # the source title the reading was unsure of
    assert "=cmd|' /C calc'!A0 North Korean troops were deployed to Kursk on Monday \u202eexe.txt\u202c" in second
    assert_nothing_ran_or_was_injected(app)
    screenshots(app, "curate_hostile_drafts", showing=drafts.nth(1))
    with app.expect_download() as download:
        app.get_by_role("button", name="Download the drafts (YAML)").click()
    written = yaml.load(Path(download.value.path()).read_text(encoding="utf-8"), Loader=DraftLoader)
    assert [draft["sources"][0]["quote"] for draft in written] == [SENTENCE, FORMULA_SENTENCE]
    assert written[0]["sources"][0]["title"] == HEADLINE
    drafts.nth(0).get_by_role("button", name="Open in the record form").click()
    summary = app.get_by_role("textbox", name="Summary *")
    expect(summary).to_have_value(SENTENCE)  # the form holds the text as written, to be reworded
    wait_until_settled(app)
    assert_nothing_ran_or_was_injected(app)


def assert_nothing_ran_or_was_injected(app: Page) -> None:
    problems = [
        problem
        for problem in findings(app)
        # the icons the form puts on its own "To check" notes are not made from data
        if not (problem.startswith("a material icon from data text") and "help" in problem)
    ]
    assert not problems, "\n" + "\n".join(problems)
