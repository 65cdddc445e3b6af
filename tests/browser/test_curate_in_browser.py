"""The Curate page in headless Chromium, on a copy of the records with editing on: open a record from its
detail card, change its title, save (one line of the file changes), undo; and an article turned into drafts."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from browser_support import DECK_CANVAS, click_until_shown, screenshot, settled_canvas, wait_until_settled

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
    from dashboard.records.datapaths import shown_path

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
